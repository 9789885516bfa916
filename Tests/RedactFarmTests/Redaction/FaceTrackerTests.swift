@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

@Suite struct DetectionTrackerTests {
    func face(_ x: Double, _ y: Double, _ size: Double) -> Detection {
        Detection(target: .face, box: Box(x0: x, y0: y, x1: x + size, y1: y + size), score: 0.9, pts: 0)
    }

    /// A large face found for a frame as only part of itself (behind another face) keeps its
    /// box: the covered region still holds where the face was a frame before; over a long gap
    /// between hits a real shrink is still followed.
    @Test func aSuddenlySmallerHitDoesNotUncoverTheFace() throws {
        var frames = [[Detection]](repeating: [], count: 16)
        frames[0] = [face(100, 0, 180)]
        frames[1] = [Detection(target: .face, box: Box(x0: 100, y0: 10, x1: 170, y1: 140), score: 0.4, pts: 0)]
        frames[2] = [face(102, 0, 180)]
        frames[14] = [face(130, 20, 100)]
        let covered = DetectionTracker(options: .init(maxGap: 20, extend: 0)).cover(frames)
        let atOne = try #require(covered[1].first).box
        // 90% of the frame-0 box (162 px, centred where it was) and the partial hit.
        #expect(atOne.x0 <= 109 && atOne.x1 >= 271 && atOne.height >= 161, "\(atOne)")
        #expect(Set(covered.flatMap { $0.compactMap(\.track) }).count == 1)
        // Twelve frames later the face really is smaller (100 px): the box follows the shrink.
        let atFourteen = try #require(covered[14].first).box
        #expect(atFourteen.width < 125 && atFourteen.height < 125, "\(atFourteen)")
    }

    /// A hit that joins a track across a gap only by being near it may be another face: the
    /// gap is covered both as the link says and as if one face's track ended there and
    /// another's began, so neither face shows whichever is true.
    @Test func aHitLinkedAcrossAGapByDistanceAloneAlsoCoversBothFacesAsIfApart() throws {
        var frames = [[Detection]](repeating: [], count: 30)
        frames[0] = [face(100, 100, 50)]
        frames[12] = [face(100, 100, 50)]
        // Another face, there from frame 16 on but first found at 24, near enough to continue
        // the first face's track.
        frames[24] = [face(150, 150, 50)]
        let covered = DetectionTracker(options: .init(maxGap: 15, extend: 10, bridgeGap: 0)).cover(frames)
        let trackAt = { (t: Int) in covered[t].first { $0.origin == .detected }?.track }
        #expect(trackAt(0) != nil && trackAt(0) == trackAt(24), "the hit continues the track")
        // Each of the two faces it might also be is a track of its own: one box per track per frame.
        #expect(Set(covered.flatMap { $0.compactMap(\.track) }).count == 3)
        for frame in covered { #expect(Set(frame.compactMap(\.track)).count == frame.count) }
        let first = Box(x0: 100, y0: 100, x1: 150, y1: 150), second = Box(x0: 150, y0: 150, x1: 200, y1: 200)
        func hides(_ face: Box, at t: Int) -> Bool {
            covered[t].contains { $0.box.x0 <= face.x0 && $0.box.y0 <= face.y0 && $0.box.x1 >= face.x1 && $0.box.y1 >= face.y1 }
        }
        for t in 16..<24 { #expect(hides(second, at: t), "the second face at frame \(t)") }
        for t in 13...22 { #expect(hides(first, at: t), "the first face at frame \(t)") }
        // Overlapping hits are the same face: nothing is added between them.
        var steady = [[Detection]](repeating: [], count: 30)
        steady[0] = [face(100, 100, 50)]
        steady[12] = [face(104, 100, 50)]
        #expect(DetectionTracker(options: .init(maxGap: 15, extend: 10)).cover(steady)[6].count == 1)
    }

    @Test func gapsAreInterpolated() throws {
        var frames = [[Detection]](repeating: [], count: 10)
        frames[2] = [face(10, 10, 20)]
        frames[6] = [face(30, 10, 20)]
        let covered = DetectionTracker(options: .init(maxGap: 5, extend: 0)).cover(frames)
        try #require(covered[4].count == 1)
        #expect(abs(covered[4][0].box.x0 - 20) < 1e-9)
        #expect(covered[4][0].score == nil)
        #expect(covered[2][0].score == 0.9)
        #expect(Set(covered.flatMap { $0.map(\.track) }).count == 1)
    }

    @Test func tracksExtendBothWaysAlongTheirMotion() throws {
        var frames = [[Detection]](repeating: [], count: 12)
        for t in 4...7 { frames[t] = [face(Double(t) * 10, 50, 20)] }
        let covered = DetectionTracker(options: .init(extend: 3)).cover(frames)
        try #require(covered[1].count == 1 && covered[10].count == 1)
        #expect(covered[0].isEmpty && covered[11].isEmpty)
        // Two frames before the first hit the face was 20 px further left; the box reaches it.
        #expect(covered[2][0].box.x0 <= 20 + 1e-9)
        #expect(covered[9][0].box.x1 >= 90 + 20 - 1e-9)
    }

    /// A small face is found late and lost early (and one lost behind another comes back out
    /// unseen): its track reaches `smallExtend` frames past its ends, a large face's only `extend`.
    @Test func aSmallFacesTrackReachesFurtherThanALargeOnes() {
        var frames = [[Detection]](repeating: [], count: 60)
        for t in 20...25 { frames[t] = [face(100, 100, 24), face(400, 100, 60)] }
        var options = DetectionTracker.Options(maxGap: 5, extend: 2, bridgeGap: 0)
        options.smallExtend = 10
        let covered = DetectionTracker(options: options).cover(frames)
        // The large face: two frames each way, no more.
        #expect(covered[18].count == 2 && covered[27].count == 2)
        #expect(covered[17].count == 1 && covered[28].count == 1)
        // The small face: ten frames each way.
        for t in [10, 17, 28, 35] { #expect(covered[t].count == 1 && covered[t][0].box.centerX < 250, "frame \(t)") }
        #expect(covered[9].isEmpty && covered[36].isEmpty)
        // Without smallExtend every face reaches `extend`.
        let plain = DetectionTracker(options: .init(maxGap: 5, extend: 2, bridgeGap: 0)).cover(frames)
        #expect(plain[17].isEmpty && plain[28].isEmpty)
    }

    @Test func aGapLongerThanAllowedStartsANewTrack() {
        var frames = [[Detection]](repeating: [], count: 30)
        frames[0] = [face(10, 10, 20)]
        frames[20] = [face(10, 10, 20)]
        let covered = DetectionTracker(options: .init(maxGap: 5, extend: 0, bridgeGap: 0)).cover(frames)
        #expect(covered[10].isEmpty)
        #expect(Set(covered.flatMap { $0.map(\.track) }).count == 2)
    }

    /// A face lost for longer than maxGap (say, behind another) and found again near where it
    /// was is one track, and every frame between is covered.
    @Test func aFaceLostForAWhileIsBridged() throws {
        var frames = [[Detection]](repeating: [], count: 60)
        for t in 0...10 { frames[t] = [face(100 + Double(t), 100, 40)] }
        for t in 40...50 { frames[t] = [face(150 + Double(t - 40), 110, 40)] }
        let covered = DetectionTracker(options: .init(maxGap: 5, extend: 0)).cover(frames)
        for t in 0...50 { #expect(covered[t].count == 1, "frame \(t)") }
        #expect(Set(covered.flatMap { $0.map(\.track) }) == [0])
        // Halfway through the gap, the box is the interpolated one, grown by half.
        let mid = try #require(covered[25].first).box
        #expect(abs(mid.width - 60) < 1)
        #expect(mid.x0 < 130 && mid.x1 > 170)

        // With the ends extended into the gap, the interpolation and both extensions are one
        // box per frame (their union), still one track.
        let extended = DetectionTracker(options: .init(maxGap: 5, extend: 8)).cover(frames)
        for t in 0...50 { #expect(extended[t].count == 1, "frame \(t)") }
        #expect(Set(extended.flatMap { $0.map(\.track) }) == [0])
        let reach = try #require(extended[12].first).box, interpolated = try #require(covered[12].first).box
        #expect(reach.x0 <= interpolated.x0 && reach.x1 >= interpolated.x1 && reach.width > interpolated.width, "\(reach)")
    }

    @Test func aFaceFarAwayOrOfAnotherSizeIsNotBridged() {
        var frames = [[Detection]](repeating: [], count: 60)
        frames[0] = [face(100, 100, 40)]
        frames[30] = [face(400, 100, 40)]
        frames[35] = [face(100, 100, 120)]
        let covered = DetectionTracker(options: .init(maxGap: 5, extend: 0)).cover(frames)
        #expect(covered[15].isEmpty)
        #expect(Set(covered.flatMap { $0.map(\.track) }).count == 3)
    }

    /// A face growing fast over its last hits is projected growing on, but to at most twice
    /// its last size (plus the margin for uncertain motion: 2% of its extent per frame a side).
    @Test func extendedBoxesGrowAtMostTwofold() throws {
        var frames = [[Detection]](repeating: [], count: 40)
        for t in 0...2 {
            let half = 5 * Double(t + 1)
            frames[t] = [Detection(target: .face, box: Box(x0: 100 - half, y0: 100 - half, x1: 100 + half, y1: 100 + half), score: 0.9, pts: 0)]
        }
        let covered = DetectionTracker(options: .init(extend: 30)).cover(frames)
        let next = try #require(covered[3].first).box, last = try #require(covered[32].first).box
        #expect(next.width > 30 && next.width < 40)
        #expect(abs(last.width - (60 + 2 * 0.02 * 30 * 30)) < 1e-9)
    }

    /// Part of a big face found as a small one (say, by a magnified crop around a small face
    /// nearby) must not shrink the big face's box to that part.
    @Test func aSmallBoxInsideABigFaceDoesNotTakeOverItsTrack() throws {
        var frames = [[Detection]](repeating: [], count: 13)
        frames[0] = [face(100, 100, 70)]
        frames[6] = [face(110, 110, 30)]
        frames[12] = [face(100, 100, 70)]
        let covered = DetectionTracker(options: .init(maxGap: 15, extend: 0)).cover(frames)
        let big = try #require(covered[0].first).track
        let atSix = covered[6].filter { $0.track == big }
        try #require(atSix.count == 1)
        #expect(atSix[0].box.width == 70)
        #expect(covered[6].count == 2)
    }

    @Test func aSmallFaceBesideABigOneKeepsItsOwnTrack() throws {
        var frames = [[Detection]](repeating: [], count: 3)
        frames[0] = [face(100, 100, 120)]
        frames[1] = [face(100, 100, 120), face(230, 150, 20)]
        frames[2] = [face(100, 100, 120), face(232, 150, 20)]
        let covered = DetectionTracker().cover(frames, firstTrackID: 7)
        let bigTrack = try #require(covered[0].first).track
        #expect(bigTrack == 7)
        #expect(covered[2].filter { $0.track == bigTrack }.count == 1)
        #expect(covered[2].filter { $0.track == bigTrack }[0].box.width == 120)
    }
}
