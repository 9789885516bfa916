/// The source's frame rate as an encoder needs it: the average steers rate control, and a
/// constant rate is written into the stream's own timing information (H.264 VUI, fixed frame
/// rate), so what remuxes the stream to an elementary stream, or trusts its VUI, plays it at
/// the right speed. A variable rate is not claimed: the VUI then gives only the clock tick.
public struct SourceFrameRate: Sendable, Equatable, Hashable {
    public var average: Rational
    public var isConstant: Bool

    public init(average: Rational, isConstant: Bool) {
        self.average = average
        self.isConstant = isConstant
    }

    /// From a plan's video record: nil when the average is unknown.
    public init?(_ video: SegmentPlan.VideoRecord) {
        guard let average = video.averageFrameRate, average.num > 0, average.den > 0 else { return nil }
        self.init(average: average, isConstant: video.constantFrameRate == average)
    }
}
