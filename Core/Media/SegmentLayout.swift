/// The segments being laid out, GOP by GOP: the planner's decisions plus what each segment
/// owns. Probe and split both drive one of these.
public struct SegmentLayout: Sendable {
    public struct Segment: Equatable, Sendable {
        public var index: Int
        public var frames: Int
        public var decodePrefixFrames: Int
        public var ptsFirst: Int64
        public var ptsLast: Int64
        public var keyframe: KeyframeKind?
    }

    public private(set) var segments: [Segment] = []
    private var planner: SegmentPlanner
    private var previousGOP: GOPSummary?
    /// Where the last segment's presentation ends (its last picture's end).
    private var lastSegmentEnd = Int64.min

    public init(targetSeconds: Double, timeBase: Rational, alwaysCarryPreviousGOP: Bool = false) {
        planner = SegmentPlanner(targetSeconds: targetSeconds, timeBase: timeBase, alwaysCarryPreviousGOP: alwaysCarryPreviousGOP)
    }

    /// Places the next GOP and records it; returns where it went.
    public mutating func add(_ gop: GOPSummary, isLast: Bool) -> SegmentPlanner.Placement {
        let placement = planner.place(gop, isLast: isLast)
        switch placement {
        case .startSegment(let withPrefix):
            segments.append(Segment(index: segments.count, frames: gop.frames,
                                    decodePrefixFrames: withPrefix ? previousGOP?.packetCount ?? 0 : 0,
                                    ptsFirst: gop.minPts, ptsLast: gop.maxPts, keyframe: gop.keyframeKind))
            lastSegmentEnd = gop.endPts
        case .append:
            segments[segments.count - 1].frames += gop.frames
            segments[segments.count - 1].ptsFirst = min(segments[segments.count - 1].ptsFirst, gop.minPts)
            segments[segments.count - 1].ptsLast = max(segments[segments.count - 1].ptsLast, gop.maxPts)
            if gop.frames > 0 { lastSegmentEnd = max(lastSegmentEnd, gop.endPts) }
        }
        previousGOP = gop
        return placement
    }

    /// After the last GOP: a last segment of several GOPs shorter than half the target joins
    /// the one before it, as a single short last GOP already does (`SegmentPlanner`): a
    /// segment costs a worker its set-up and the decoding of the GOP before it, too much for
    /// a sliver of work (Av1an merges short final chunks for the same reason). Whether it did.
    public mutating func finish() -> Bool {
        guard segments.count >= 2, let tail = segments.last, Self.isShortTail(span: lastSegmentEnd - tail.ptsFirst, targetTicks: planner.targetTicks)
        else { return false }
        segments.removeLast()
        segments[segments.count - 1].frames += tail.frames
        segments[segments.count - 1].ptsLast = max(segments[segments.count - 1].ptsLast, tail.ptsLast)
        return true
    }

    /// Whether a last stretch presented over `span` ticks is too short to be a segment of its own.
    public static func isShortTail(span: Int64, targetTicks: Int64) -> Bool { span < targetTicks / 2 }

    public var targetTicks: Int64 { planner.targetTicks }
}
