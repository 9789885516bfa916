import Foundation
import RedactCoordinator
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import RedactEmbedded
import RedactWorker

/// `redactfarm run` in-process for one file: the embedded farm (coordinator, inproc workers,
/// manifests), returning the detections sidecar it wrote, or the file's failure.
struct LocalFarm {
    var job: RedactionJob
    var segmentSeconds: Double
    var workers: Int
    var models: [String: String]
    var makeDetectors: SegmentTaskRunner.DetectorFactory

    static let identity = Result { try FarmIdentity.generate() }

    /// Workers with `finder` in place of CenterFace.
    init(job: RedactionJob, segmentSeconds: Double, workers: Int, finder: some FaceFinder & Sendable) {
        self.job = job
        self.segmentSeconds = segmentSeconds
        self.workers = workers
        models = TestDetectors.models
        makeDetectors = TestDetectors.faces(finder)
    }

    /// Workers on the pinned models in `models`.
    init(job: RedactionJob, segmentSeconds: Double, workers: Int, models: ModelSet) {
        self.job = job
        self.segmentSeconds = segmentSeconds
        self.workers = workers
        self.models = models.map
        makeDetectors = { (job: RedactionJob) throws(MediaError) -> [any TargetDetector] in try DetectorRegistry.detectors(for: job, models: models) }
    }

    /// A job of one zone alone (a corner, 32 px), on two workers whose face finder would fail
    /// the file if it were ever asked: what the media tests redact to see a file come back.
    static func zonesOnly(_ zone: String = "0,0,32,32", segmentSeconds: Double = 1, look: RedactionLook? = nil) throws -> LocalFarm {
        var job = RedactionJob()
        job.targets = []
        job.zones = [try PrivacyZone(parsing: zone)]
        if let look { job.look = look }
        return LocalFarm(job: job, segmentSeconds: segmentSeconds, workers: 2, finder: EmbeddedRunTests.BrokenDetector())
    }

    func redact(input: String, output: String) throws -> RedactionReport {
        let farm = EmbeddedFarm(options: JobOptions(job: job, segmentSeconds: segmentSeconds), workers: workers,
                                identity: try Self.identity.get(), models: models, makeDetectors: makeDetectors)
        let status = try farm.run(inputs: [input], output: output, outputIsFile: true)
        guard let file = status.files.first else { throw MediaError(path: input, reason: "no file in the job") }
        guard file.state == .done else { throw MediaError(path: input, reason: file.error ?? file.state.rawValue) }
        let bytes = try FileBytes.read(OutputSidecars.detectionsPath(output))
        return try JSONDecoder().decode(RedactionReport.self, from: Data(bytes))
    }
}
