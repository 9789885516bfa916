import RedactCore
import RedactWorker

/// Detector factories for tests: the registry's detectors for each job, with `finder` in
/// place of CenterFace (no model needed; a job that needs the text model fails, naming it).
enum TestDetectors {
    static func faces(_ finder: some FaceFinder & Sendable) -> SegmentTaskRunner.DetectorFactory {
        { (job: RedactionJob) throws(MediaError) -> [any TargetDetector] in
            try DetectorRegistry.detectors(for: job, models: ModelSet(),
                                           replacing: [.face: FaceTargetDetector(finder: finder, settings: job.detector)])
        }
    }

    /// What a test worker announces: the pinned face model.
    static let models = ModelRole.pinnedMap([.face])
}
