/// Decides, GOP by GOP as they stream past, where segments begin. Probe and split feed it the
/// same GOPs, so the plan probe prints is the plan split writes.
///
/// Rules, in the spirit of Av1an's scene-based chunking but frame-exact:
/// - cuts fall only on GOP boundaries, never inside a GOP: a GOP longer than the target makes
///   a longer segment;
/// - a cut is made at the GOP boundary nearest the target length, provided every
///   picture after the cut is presented after every picture before it (true of any sane
///   stream; a stream that breaks it is not cut there);
/// - a cut at an open-GOP point is still made, and the segment carries the previous GOP as a
///   decode-only prefix, so leading pictures decode exactly as in the whole file. Cutting only
///   at IDRs would leave x265-style open-GOP footage (one IDR per file) as a single segment;
/// - a short tail (under half the target) joins the segment before it, and so does a GOP
///   an edit list leaves wholly unshown. Where the container declares the stream's end, a
///   tail of several short GOPs is known before its last GOP arrives: a segment of a few
///   frames would still decode a whole GOP of prefix and cost a worker its set-up.
public struct SegmentPlanner: Sendable {
    public enum Placement: Equatable, Sendable {
        /// The GOP starts a new segment (with the previous GOP as prefix when asked).
        case startSegment(withDecodePrefix: Bool)
        /// The GOP joins the segment being built.
        case append
    }

    public let targetTicks: Int64
    /// Carry the previous GOP before every cut, open or not: redaction uses it as context so
    /// tracks continue across segment boundaries.
    public let alwaysCarryPreviousGOP: Bool
    /// Where the container says the stream ends; a hint, used only while the GOPs have not
    /// passed it.
    public let declaredEndPts: Int64?
    private var segmentStartPts: Int64?
    private var maxPtsSoFar = Int64.min

    public init(targetSeconds: Double, timeBase: Rational, alwaysCarryPreviousGOP: Bool = false, declaredEndPts: Int64? = nil) {
        self.alwaysCarryPreviousGOP = alwaysCarryPreviousGOP
        self.declaredEndPts = declaredEndPts
        // Clamped, not trapped on: callers check the range (`JobLimits.segmentSeconds`), and an
        // absurd target here must not bring the process down.
        let ticks = (targetSeconds * Double(timeBase.den) / Double(timeBase.num)).rounded()
        targetTicks = ticks.isNaN ? 1 : Int64(max(1, min(ticks, Double(Int64.max / 4))))
    }

    public mutating func place(_ gop: GOPSummary, isLast: Bool) -> Placement {
        // A GOP an edit list leaves wholly unshown (after the last frame shown) is decoded
        // only for the frames before it that lean on it: it stays with them.
        if gop.frames == 0, segmentStartPts != nil { return .append }
        defer { maxPtsSoFar = max(maxPtsSoFar, gop.maxPts) }
        guard let start = segmentStartPts else {
            segmentStartPts = gop.minPts
            return .startSegment(withDecodePrefix: false)
        }
        // Cut before this GOP once the segment is long enough, or when taking the GOP would
        // overshoot the target by more than stopping here falls short of it.
        let lengthWithout = gop.minPts - start
        let lengthWith = gop.endPts - start
        let reachedTarget = lengthWithout >= targetTicks || lengthWith - targetTicks > targetTicks - lengthWithout
        let cleanlyOrdered = gop.keyframeKind != nil && gop.minPts > maxPtsSoFar
        let tailEnd: Int64? = isLast ? gop.endPts : declaredEndPts.flatMap { $0 > gop.minPts ? $0 : nil }
        let shortTail = tailEnd.map { $0 - gop.minPts < targetTicks / 2 } ?? false
        guard reachedTarget, cleanlyOrdered, !shortTail else { return .append }
        segmentStartPts = gop.minPts
        return .startSegment(withDecodePrefix: gop.needsDecodePrefix || alwaysCarryPreviousGOP)
    }
}
