import RedactSupport
import RedactVision

/// Faces: the face finder's full-frame pass at the profile's cadence, a plain 1x pass halfway
/// between magnified ones, and magnified crops where `SmallFaceFollower` expects a small or
/// fast face to be between passes.
public final class FaceTargetDetector: TargetDetector {
    public let target = TargetClass.face
    private let finder: any FaceFinder
    private let settings: DetectorSettings
    private var follower = SmallFaceFollower()

    public init(finder: any FaceFinder, settings: DetectorSettings) {
        self.finder = finder
        self.settings = settings
    }

    public static let registration = DetectorRegistration(target: .face, models: [.face]) { (job, models) throws(MediaError) in
        let model = try models.require(.face, for: "hiding faces")
        let finder = try CenterFaceDetector(model: CenterFaceModel(path: model.path, bytes: model.bytes), options: .init(
            threshold: job.detector.threshold, inferenceScale: job.detector.inferenceScale, precision: job.detector.effectivePrecision))
        return FaceTargetDetector(finder: finder, settings: job.detector)
    }

    public func beginSegment(_ scene: SegmentScene) {
        follower = SmallFaceFollower()
    }

    public func examine(_ frame: VideoFrame, _ visit: FrameVisit) throws(MediaError) -> [Detection] {
        let every = max(1, settings.every)
        var found: [Detection] = []
        if visit.isCadenceFrame { found = try finder.detect(frame) }
        // Magnified passes find small faces but lose the largest ones (beyond the scales
        // CenterFace was trained on), so halfway between them a 1x pass runs too.
        if settings.inferenceScale > 1, every > 1, visit.index % every == every / 2 { found = try finder.detect(frame, scale: 1) }
        // Past the end, only a face first found there matters (its track reaches back into
        // the segment), and the full-frame passes find those: no crops.
        for search in visit.isPastOwnedEnd ? [] : follower.expected(at: visit.index, alreadyFound: found) {
            found += try finder.detect(frame, in: search.region, magnification: search.magnification)
                .filter { d in search.accepts(d) && !found.contains { $0.box.intersectionOverUnion(d.box) > 0.3 } }
        }
        follower.update(at: visit.index, found: found)
        return found
    }
}
