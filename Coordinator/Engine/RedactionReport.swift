import Foundation
import RedactCore

/// The detections sidecar written beside every redacted output (`OUT.detections.json`): what
/// was hidden in which frame, with the track it belongs to, so a reviewer can check the work.
public struct RedactionReport: Codable, Sendable {
    public var software: String
    public var input: String
    public var inputSHA256: String
    public var output: String
    public var outputSHA256: String
    /// role → SHA-256 of every model the job's targets used (absent in older sidecars).
    public var models: [String: String]?
    /// The face model's, in sidecars written before `models`.
    public var modelSHA256: String?
    /// The inference engine, its version, device and precision (absent in older sidecars).
    public var inference: String?
    public var job: RedactionJob
    /// The time base of the first video stream's frames' pts.
    public var timeBase: Rational
    /// The time bases of the file's further video streams, whose frames name their stream
    /// (absent when there is one).
    public var streamTimeBases: [StreamTimeBase]?
    public var frames: Int
    public var segments: Int
    public var detections: Int
    public var tracks: Int
    public var framesWithRedaction: Int
    public var perFrame: [ProcessedSegment.FrameCoverage]

    public struct StreamTimeBase: Codable, Sendable {
        public var stream: Int
        public var timeBase: Rational
    }
}

/// Reading an output's record back.
public enum OutputRecord {
    /// The detections sidecar of `output`, checked against the signed manifest's hash of it
    /// when the manifest records one: an altered sidecar would make the audit's "hidden"
    /// regions a lie.
    public static func detections(of output: String) throws(MediaError) -> RedactionReport {
        let path = OutputSidecars.detectionsPath(output)
        guard FileManager.default.fileExists(atPath: path) else {
            throw MediaError(path: output, reason: "has no detections sidecar (\(URL(fileURLWithPath: path).lastPathComponent)) beside it; only a RedactFarm output can be audited")
        }
        let bytes = try FileBytes.read(path)
        if let manifestBytes = try? FileBytes.read(OutputSidecars.manifestPath(output)),
           let recorded = (try? SignedManifest.open(manifestBytes, path: output))?.manifest.detectionsSHA256,
           SHA256Hex.of(bytes) != recorded {
            throw MediaError(path: path, reason: "does not match the SHA-256 its signed manifest records (it was altered)")
        }
        guard let report = try? JSONDecoder().decode(RedactionReport.self, from: Data(bytes)) else {
            throw MediaError(path: path, reason: "is not a RedactFarm detections sidecar")
        }
        return report
    }
}
