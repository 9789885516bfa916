@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

/// The planner on synthetic GOPs, where every decision can be checked by hand.
@Suite struct SegmentPlannerTests {
    let tb = Rational(num: 1, den: 25)

    /// GOPs of `lengths` frames at 25 fps, closed (IDR) unless listed in `open`.
    func gops(_ lengths: [Int], open: Set<Int> = []) -> [GOPSummary] {
        var start: Int64 = 0
        var first = 0
        return lengths.enumerated().map { i, n in
            defer { start += Int64(n); first += n }
            return GOPSummary(firstPacket: first, packetCount: n, frames: n, minPts: start, maxPts: start + Int64(n) - 1,
                              lastDuration: 1, keyPts: open.contains(i) ? start + 2 : start,
                              keyframeKind: open.contains(i) ? .cra : .idr, leadingPictures: open.contains(i) ? 2 : 0)
        }
    }

    func layout(_ gops: [GOPSummary], seconds: Double) -> [SegmentLayout.Segment] {
        var layout = SegmentLayout(targetSeconds: seconds, timeBase: tb)
        for (i, g) in gops.enumerated() { _ = layout.add(g, isLast: i == gops.count - 1) }
        return layout.segments
    }

    @Test func cutsAtTheGOPBoundaryNearestTheTarget() {
        // 23-frame GOPs, 2 s target: 46 frames (1.84 s) is nearer 2 s than 69 (2.76 s).
        let segments = layout(gops([23, 23, 23, 23, 23, 23]), seconds: 2)
        #expect(segments.map(\.frames) == [46, 46, 46])
        #expect(segments.map(\.ptsFirst) == [0, 46, 92])
    }

    @Test func aGOPLongerThanTheTargetIsNeverCut() {
        let segments = layout(gops([100, 100, 50]), seconds: 1)
        #expect(segments.map(\.frames) == [100, 100, 50])
    }

    @Test func openGOPCutsCarryThePreviousGOPAsDecodePrefix() {
        let segments = layout(gops([25, 25, 25, 25], open: [1, 2, 3]), seconds: 1)
        #expect(segments.map(\.decodePrefixFrames) == [0, 25, 25, 25])
        #expect(segments.map(\.keyframe) == [.idr, .cra, .cra, .cra])
    }

    @Test func aShortTailJoinsThePreviousSegment() {
        let segments = layout(gops([50, 50, 10]), seconds: 2)
        #expect(segments.map(\.frames) == [50, 60])
    }

    func layout(_ gops: [GOPSummary], seconds: Double, declaredEnd: Int64) -> [SegmentLayout.Segment] {
        var layout = SegmentLayout(targetSeconds: seconds, timeBase: tb, declaredEndPts: declaredEnd)
        for (i, g) in gops.enumerated() { _ = layout.add(g, isLast: i == gops.count - 1) }
        return layout.segments
    }

    /// A tail of several short GOPs is seen coming where the container declares the end: it
    /// joins the segment before it instead of making a segment of a few frames.
    @Test func aTailOfShortGOPsJoinsThePreviousSegmentWhereTheEndIsDeclared() {
        #expect(layout(gops([50, 50, 10, 10]), seconds: 2).map(\.frames) == [50, 50, 20])
        #expect(layout(gops([50, 50, 10, 10]), seconds: 2, declaredEnd: 120).map(\.frames) == [50, 70])
    }

    /// A declared end the stream outruns stops counting once passed: the GOPs after it are cut
    /// as usual, not piled into one segment.
    @Test func aDeclaredEndTheStreamOutrunsStopsCountingOncePassed() {
        let segments = layout(gops([50, 50, 50, 50, 50]), seconds: 2, declaredEnd: 60)
        #expect(segments.map(\.frames) == [100, 50, 50, 50])
    }

    /// A GOP an edit list leaves wholly unshown (a clip trimmed at its end) holds no frame of
    /// the file's: it goes with the frames before it, which may lean on it, and never starts
    /// a segment of its own.
    @Test func aGOPWhollyUnshownStaysWithTheFramesBeforeIt() {
        var g = gops([25, 25])
        g.append(GOPSummary(firstPacket: 50, packetCount: 25, frames: 0, minPts: .max, maxPts: .min, lastDuration: 1,
                            keyPts: 50, keyframeKind: .idr, leadingPictures: 0))
        let segments = layout(g, seconds: 1)
        #expect(segments.map(\.frames) == [25, 25])
        #expect(segments.map(\.ptsLast) == [24, 49])
    }

    /// An absurd target reaching the planner (callers check the range first) is clamped, never
    /// trapped on: the process must not come down on a number.
    @Test(arguments: [Double.nan, 1e300, -1, 0, .infinity])
    func anAbsurdTargetIsClampedNotTrappedOn(_ seconds: Double) {
        let segments = layout(gops([25, 25, 25]), seconds: seconds)
        #expect(segments.reduce(0) { $0 + $1.frames } == 75)
    }

    @Test func noCutWherePresentationOrderWouldCross() {
        var g = gops([25, 25, 25])
        // The third GOP presents a picture before the end of the second: no cut there.
        g[2].minPts = g[1].maxPts - 1
        let segments = layout(g, seconds: 1)
        #expect(segments.map(\.frames) == [25, 50])
    }

    @Test func everyFrameLandsInExactlyOneSegment() {
        let lengths = [7, 31, 12, 60, 3, 25, 25, 9, 44]
        for seconds in [0.3, 1, 2.5, 10] {
            let segments = layout(gops(lengths), seconds: seconds)
            #expect(segments.reduce(0) { $0 + $1.frames } == lengths.reduce(0, +))
            for (a, b) in zip(segments, segments.dropFirst()) { #expect(a.ptsLast + 1 == b.ptsFirst) }
        }
    }
}
