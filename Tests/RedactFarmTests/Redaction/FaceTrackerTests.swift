@testable import RedactCore
import Testing

@Suite struct FaceTrackerTests {
    func face(_ x: Double, _ y: Double, _ size: Double) -> Detection {
        Detection(target: .face, box: Box(x0: x, y0: y, x1: x + size, y1: y + size), score: 0.9, pts: 0)
    }

    @Test func gapsAreInterpolated() throws {
        var frames = [[Detection]](repeating: [], count: 10)
        frames[2] = [face(10, 10, 20)]
        frames[6] = [face(30, 10, 20)]
        let covered = FaceTracker(options: .init(maxGap: 5, extend: 0)).cover(frames)
        try #require(covered[4].count == 1)
        #expect(abs(covered[4][0].box.x0 - 20) < 1e-9)
        #expect(covered[4][0].score == nil)
        #expect(covered[2][0].score == 0.9)
        #expect(Set(covered.flatMap { $0.map(\.track) }).count == 1)
    }

    @Test func tracksExtendBothWaysAlongTheirMotion() throws {
        var frames = [[Detection]](repeating: [], count: 12)
        for t in 4...7 { frames[t] = [face(Double(t) * 10, 50, 20)] }
        let covered = FaceTracker(options: .init(extend: 3)).cover(frames)
        try #require(covered[1].count == 1 && covered[10].count == 1)
        #expect(covered[0].isEmpty && covered[11].isEmpty)
        // Two frames before the first hit the face was 20 px further left; the box reaches it.
        #expect(covered[2][0].box.x0 <= 20 + 1e-9)
        #expect(covered[9][0].box.x1 >= 90 + 20 - 1e-9)
    }

    @Test func aGapLongerThanAllowedStartsANewTrack() {
        var frames = [[Detection]](repeating: [], count: 30)
        frames[0] = [face(10, 10, 20)]
        frames[20] = [face(10, 10, 20)]
        let covered = FaceTracker(options: .init(maxGap: 5, extend: 0)).cover(frames)
        #expect(covered[10].isEmpty)
        #expect(Set(covered.flatMap { $0.map(\.track) }).count == 2)
    }

    @Test func aSmallFaceBesideABigOneKeepsItsOwnTrack() throws {
        var frames = [[Detection]](repeating: [], count: 3)
        frames[0] = [face(100, 100, 120)]
        frames[1] = [face(100, 100, 120), face(230, 150, 20)]
        frames[2] = [face(100, 100, 120), face(232, 150, 20)]
        let covered = FaceTracker().cover(frames, firstTrackID: 7)
        let bigTrack = try #require(covered[0].first).track
        #expect(bigTrack == 7)
        #expect(covered[2].filter { $0.track == bigTrack }.count == 1)
        #expect(covered[2].filter { $0.track == bigTrack }[0].box.width == 120)
    }
}
