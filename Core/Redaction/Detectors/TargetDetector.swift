import RedactSupport
import RedactVision

/// Where a frame sits in a segment's examining pass (the first of `SegmentProcessor`'s two),
/// and what the profile's cadence asks of it. Frames come in presentation order, context
/// frames before and after the owned ones included.
public struct FrameVisit: Sendable {
    /// Position in the pass, from 0.
    public var index: Int
    /// The frame is one of the segment's own (not context).
    public var owned: Bool
    /// A full-frame pass is due (every `every`th frame, and the file's last frame).
    public var isCadenceFrame: Bool
    /// The frame lies after the segment's last owned frame (look-ahead context).
    public var isPastOwnedEnd: Bool

    public init(index: Int, owned: Bool, isCadenceFrame: Bool, isPastOwnedEnd: Bool) {
        self.index = index
        self.owned = owned
        self.isCadenceFrame = isCadenceFrame
        self.isPastOwnedEnd = isPastOwnedEnd
    }
}

/// The segment a detector is about to examine.
public struct SegmentScene: Sendable {
    public var width: Int
    public var height: Int
    public var ownedFrames: Int

    public init(width: Int, height: Int, ownedFrames: Int) {
        self.width = width
        self.height = height
        self.ownedFrames = ownedFrames
    }
}

/// One target's detector, as `SegmentProcessor` drives it: told when a segment starts, shown
/// every frame of the examining pass, told when it ends, and asked in the redacting pass for
/// regions it hides directly. What `examine` returns is tracked (and so carried between
/// examined frames, and before and after them); what `untrackedRegions` returns is hidden in
/// that frame as it is, and recorded without a track.
///
/// One instance per worker slot: it may keep state for the segment it is examining, which
/// `beginSegment` resets. Adding a target is one conforming type in its own file plus one
/// entry in `DetectorRegistry`.
public protocol TargetDetector: AnyObject {
    var target: TargetClass { get }
    func beginSegment(_ scene: SegmentScene)
    func examine(_ frame: VideoFrame, _ visit: FrameVisit) throws(MediaError) -> [Detection]
    func endExamination()
    func untrackedRegions(in frame: VideoFrame) -> [Box]
    /// Whether `untrackedRegions` can find anything: such regions are known only frame by
    /// frame while redacting, so a segment of such a job is never copied unexamined by them.
    var hidesUntrackedRegions: Bool { get }
}

extension TargetDetector {
    public func beginSegment(_ scene: SegmentScene) {}
    public func endExamination() {}
    public func untrackedRegions(in frame: VideoFrame) -> [Box] { [] }
    public var hidesUntrackedRegions: Bool { false }
}
