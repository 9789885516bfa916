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

    public init(targetSeconds: Double, timeBase: Rational, alwaysCarryPreviousGOP: Bool = false, declaredEndPts: Int64? = nil) {
        planner = SegmentPlanner(targetSeconds: targetSeconds, timeBase: timeBase, alwaysCarryPreviousGOP: alwaysCarryPreviousGOP,
                                 declaredEndPts: declaredEndPts)
    }

    /// Places the next GOP and records it; returns where it went.
    public mutating func add(_ gop: GOPSummary, isLast: Bool) -> SegmentPlanner.Placement {
        let placement = planner.place(gop, isLast: isLast)
        switch placement {
        case .startSegment(let withPrefix):
            segments.append(Segment(index: segments.count, frames: gop.frames,
                                    decodePrefixFrames: withPrefix ? previousGOP?.packetCount ?? 0 : 0,
                                    ptsFirst: gop.minPts, ptsLast: gop.maxPts, keyframe: gop.keyframeKind))
        case .append:
            segments[segments.count - 1].frames += gop.frames
            segments[segments.count - 1].ptsFirst = min(segments[segments.count - 1].ptsFirst, gop.minPts)
            segments[segments.count - 1].ptsLast = max(segments[segments.count - 1].ptsLast, gop.maxPts)
        }
        previousGOP = gop
        return placement
    }
}
