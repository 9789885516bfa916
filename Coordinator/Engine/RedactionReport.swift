import RedactCore

/// The detections sidecar written beside every redacted output (`OUT.detections.json`): what
/// was hidden in which frame, with the track it belongs to, so a reviewer can check the work.
public struct RedactionReport: Codable, Sendable {
    public var software: String
    public var input: String
    public var inputSHA256: String
    public var output: String
    public var outputSHA256: String
    public var modelSHA256: String
    public var job: RedactionJob
    public var timeBase: Rational
    public var frames: Int
    public var segments: Int
    public var detections: Int
    public var tracks: Int
    public var framesWithRedaction: Int
    public var perFrame: [ProcessedSegment.FrameCoverage]
}
