import RedactSupport
import RedactVision

/// People, as what moves against the segment's background: owned frames sampled evenly while
/// examining build the background (`MotionRegions`), and each frame's moving regions are
/// hidden in it directly, untracked.
public final class PersonMotionDetector: TargetDetector {
    public let target = TargetClass.person
    private let options: MotionRegions.Options
    private var scene = SegmentScene(width: 0, height: 0, ownedFrames: 0)
    private var ownedSeen = 0
    private var thumbnails: [[UInt8]] = []
    private var motion: MotionRegions?

    public init(options: MotionRegions.Options) {
        self.options = options
    }

    public static let registration = DetectorRegistration(target: .person, models: []) { (job, _) throws(MediaError) in
        PersonMotionDetector(options: job.motion)
    }

    public func beginSegment(_ scene: SegmentScene) {
        self.scene = scene
        ownedSeen = 0
        thumbnails = []
        motion = nil
    }

    public func examine(_ frame: VideoFrame, _ visit: FrameVisit) throws(MediaError) -> [Detection] {
        guard visit.owned else { return [] }
        let stride = max(1, scene.ownedFrames / max(1, options.samples))
        if ownedSeen % stride == 0 { thumbnails.append(MotionRegions.thumbnail(frame)) }
        ownedSeen += 1
        return []
    }

    public func endExamination() {
        let geometry = MotionRegions.geometry(width: scene.width, height: scene.height)
        motion = MotionRegions(samples: thumbnails, width: geometry.width, height: geometry.height, step: geometry.step, options: options)
        thumbnails = []
    }

    public var hidesUntrackedRegions: Bool { true }

    public func untrackedRegions(in frame: VideoFrame) -> [Box] {
        motion?.regions(in: frame) ?? []
    }
}
