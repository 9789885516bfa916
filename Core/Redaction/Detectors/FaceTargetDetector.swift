import RedactSupport
import RedactVision

/// Faces: the face finder's full-frame pass at the profile's cadence (magnified, or at 1x
/// between magnified ones where the profile says so), a 0.5x pass beside and halfway between
/// them, and magnified crops where `SmallFaceFollower` expects a small or fast face to be
/// between passes.
public final class FaceTargetDetector: TargetDetector {
    public let target = TargetClass.face
    private let finder: any FaceFinder
    private let settings: DetectorSettings
    private var follower: SmallFaceFollower
    private var gate: FullPassGate

    public init(finder: any FaceFinder, settings: DetectorSettings) {
        self.finder = finder
        self.settings = settings
        follower = SmallFaceFollower(stride: settings.followStride ?? 1)
        gate = FullPassGate(runEvery: settings.unchangedPassEvery ?? 1)
    }

    public static let registration = DetectorRegistration(target: .face, models: { job in [.face(for: job.detector.effectivePrecision)] }) {
        (job, models) throws(MediaError) in
        let precision = job.detector.effectivePrecision
        let model = try models.require(.face(for: precision), for: precision == .int8 ? "hiding faces in int8" : "hiding faces")
        let finder = try CenterFaceDetector(model: CenterFaceModel(model), options: .init(
            threshold: job.detector.threshold, inferenceScale: job.detector.inferenceScale, precision: job.detector.effectivePrecision))
        return FaceTargetDetector(finder: finder, settings: job.detector)
    }

    public func beginSegment(_ scene: SegmentScene) {
        follower = SmallFaceFollower(stride: settings.followStride ?? 1)
        gate = FullPassGate(runEvery: settings.unchangedPassEvery ?? 1)
    }

    public func examine(_ frame: VideoFrame, _ visit: FrameVisit) throws(MediaError) -> [Detection] {
        let every = max(1, settings.every)
        var found: [Detection] = []
        // Magnified passes find small faces but lose the largest ones (beyond the scales
        // CenterFace was trained on: a close-up 500 px face at 2x was found as its upper half,
        // and the frames before the next pass were left with the mouth and chin showing), so
        // a pass for large faces runs beside each of them and halfway between them. At 0.5x
        // (720p and up), a sixteenth of a 2x pass's cost, it finds faces from about 32 px;
        // smaller ones are the magnified passes' and the follower's (measured: the same
        // recall and visible runs as a 1x pass halfway on the four ground-truth clips).
        let magnified = settings.inferenceScale > 1
        let alternates = magnified && (settings.magnifyEvery ?? 1) > 1
        if visit.isCadenceFrame {
            // The file's last frame, due outside the cadence, is never skipped.
            let byCadence = settings.magnifies(passAt: visit.index)
            let pass = visit.index % every == 0 ? gate.decide(frame, magnifiedByCadence: byCadence, profileMagnifies: alternates) : byCadence
            if let magnify = pass {
                found = try magnify || !magnified ? finder.detect(frame) : finder.detect(frame, scale: 1)
                if magnified { found = Self.merging(large: try finder.detect(frame, scale: Self.largeFaceScale(frame)), into: found) }
            }
        }
        if magnified, every > 1, visit.index % every == every / 2, !gate.halfwayPassIsRedundant(frame, profileMagnifies: alternates) {
            found = try finder.detect(frame, scale: Self.largeFaceScale(frame))
        }
        // Past the end, only a face first found there matters (its track reaches back into
        // the segment), and the full-frame passes find those: no crops.
        for search in visit.isPastOwnedEnd ? [] : follower.expected(at: visit.index, alreadyFound: found) {
            found += try finder.detect(frame, in: search.region, magnification: search.magnification)
                .filter { d in search.accepts(d) && !found.contains { $0.box.intersectionOverUnion(d.box) > 0.3 } }
        }
        follower.update(at: visit.index, found: found)
        return found
    }

    /// 0.5x from 720 lines up; nearer 1x below, where the frame itself is small and so is a
    /// face in it (on the 176x144 carphone clip the leak audit found 3 possible misses beside
    /// the face's box with a 0.5x pass, 1 with this scale, both measured with the follower
    /// looking every other frame, and none with it looking every frame).
    static func largeFaceScale(_ frame: VideoFrame) -> Double {
        min(1, max(0.5, 360 / Double(max(frame.height, 1))))
    }

    /// The magnified pass's faces, but for those lying inside a large-face box of at least
    /// twice their area (a part of a large face, which the large box hides whole), and the
    /// large-face pass's that no kept face already is.
    static func merging(large: [Detection], into magnified: [Detection]) -> [Detection] {
        let kept = magnified.filter { d in
            !large.contains { l in l.box.area >= 2 * d.box.area && l.box.intersectionArea(d.box) >= 0.9 * d.box.area }
        }
        return kept + large.filter { l in !kept.contains { $0.box.intersectionOverUnion(l.box) > 0.3 } }
    }
}
