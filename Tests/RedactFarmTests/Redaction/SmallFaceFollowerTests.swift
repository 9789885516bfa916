@testable import RedactVision
import Testing

@Suite struct SmallFaceFollowerTests {
    func face(_ x: Double, _ y: Double, _ size: Double) -> Detection {
        Detection(target: .face, box: Box(x0: x, y0: y, x1: x + size, y1: y + size), score: 0.9, pts: 0)
    }

    /// A small face found in one frame is looked for again `stride` frames later, where its
    /// motion puts it, and then in every frame until it is found; a large, slow face is not
    /// followed once its motion is known.
    @Test func aFoundSmallFaceIsLookedForAgainAfterTheStrideAndEveryFrameOnceMissed() throws {
        var follower = SmallFaceFollower(stride: 2)
        follower.update(at: 10, found: [face(100, 100, 20)])
        follower.update(at: 11, found: [face(104, 100, 20)])
        #expect(follower.expected(at: 12, alreadyFound: []).isEmpty, "found in the frame before: the tracker interpolates")
        let search = try #require(follower.expected(at: 13, alreadyFound: []).first)
        // Two frames of 4 px a frame on: the prediction is centred near x = 112 + 10.
        #expect(abs(search.region.centerX - 122) < 1 && search.magnification > 1, "\(search.region)")
        // Missed at 13: looked for at 14 and 15 as well.
        follower.update(at: 13, found: [])
        #expect(follower.expected(at: 14, alreadyFound: []).count == 1)
        follower.update(at: 14, found: [])
        #expect(follower.expected(at: 15, alreadyFound: []).count == 1)
        // Found by a full-frame pass in that frame: no crop.
        #expect(follower.expected(at: 15, alreadyFound: [face(120, 100, 20)]).isEmpty)
        // Past its patience it is given up.
        #expect(follower.expected(at: 11 + follower.patience + 1, alreadyFound: []).count == 1)
        for t in 15...(11 + follower.patience + 1) { follower.update(at: t, found: []) }
        #expect(follower.expected(at: 11 + follower.patience + 2, alreadyFound: []).isEmpty)

        var large = SmallFaceFollower()
        // Young (found once): looked for in the next frames, shrunk to about 96 px in its crop;
        // one just above the small size is looked for as it is, never magnified.
        large.update(at: 0, found: [face(400, 100, 160), face(100, 400, 56)])
        let young = large.expected(at: 1, alreadyFound: [])
        #expect(young.count == 2)
        let big = try #require(young.first { $0.predicted.height > 100 }), medium = try #require(young.first { $0.predicted.height < 100 })
        #expect(abs(big.magnification - 0.6) < 1e-9 && big.region.height == 400, "\(big)")
        #expect(medium.magnification == 1, "\(medium)")
        for t in 1..<4 { large.update(at: t, found: [face(400, 100, 120)]) }
        #expect(large.expected(at: 5, alreadyFound: []).isEmpty)
    }

    /// The stride spares small faces' crops only: a young or fast larger face is looked for
    /// in the very next frame whatever the stride (looked for every other frame, the carphone
    /// driver turning his head was left half shown between finds).
    @Test func theStrideNeverDelaysALargerFace() {
        var follower = SmallFaceFollower(stride: 2)
        follower.update(at: 0, found: [face(400, 100, 160), face(100, 100, 20)])
        let next = follower.expected(at: 1, alreadyFound: [])
        #expect(next.count == 1 && next[0].predicted.height == 160, "\(next)")
        #expect(follower.expected(at: 2, alreadyFound: []).count == 2)
    }
}
