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

/// `redactfarm run` in-process for one file: the embedded farm (coordinator, inproc workers,
/// manifests), returning the detections sidecar it wrote, or the file's failure.
struct LocalFarm {
    var job: RedactionJob
    var segmentSeconds: Double
    var workers: Int
    var makeDetector: @Sendable () throws(MediaError) -> FrameDetector

    static let identity = Result { try FarmIdentity.generate() }

    init(job: RedactionJob, segmentSeconds: Double, workers: Int, makeDetector: @escaping @Sendable () throws(MediaError) -> FrameDetector) {
        self.job = job
        self.segmentSeconds = segmentSeconds
        self.workers = workers
        self.makeDetector = makeDetector
    }

    init(job: RedactionJob, segmentSeconds: Double, workers: Int, model: CenterFaceModel,
         plateModel: (path: String, bytes: [UInt8])? = nil) {
        let factory = EmbeddedFarm.centerFace(model, plateModel: plateModel)
        self.init(job: job, segmentSeconds: segmentSeconds, workers: workers) { () throws(MediaError) in try factory(job) }
    }

    func redact(input: String, output: String) throws -> RedactionReport {
        let make = makeDetector
        let farm = EmbeddedFarm(options: JobOptions(job: job, segmentSeconds: segmentSeconds), workers: workers,
                                identity: try Self.identity.get()) { (_: RedactionJob) throws(MediaError) in try make() }
        let status = try farm.run(inputs: [input], output: output, outputIsFile: true)
        guard let file = status.files.first else { throw MediaError(path: input, reason: "no file in the job") }
        guard file.state == .done else { throw MediaError(path: input, reason: file.error ?? file.state.rawValue) }
        let bytes = try FileBytes.read(OutputSidecars.detectionsPath(output))
        return try JSONDecoder().decode(RedactionReport.self, from: Data(bytes))
    }
}
