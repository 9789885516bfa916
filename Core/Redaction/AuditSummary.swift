/// What the leak audit (`redactfarm audit`) found on an output: with which detector
/// settings it looked, how many frames it examined and where something face-like was still
/// found outside every hidden region.
public struct AuditSummary: Codable, Equatable, Sendable {
    public var detector: String
    public var threshold: Double
    public var scales: [Double]
    public var framesExamined: Int
    /// Everything the audit's detector found, hidden or not.
    public var detections: Int
    /// Possible misses: found outside every hidden region, scoring at least the job's own
    /// threshold, and found again at the same place in a neighbouring examined frame.
    public var findings: [Finding]
    /// The rest of what was found outside hidden regions, for review; it does not fail the
    /// audit.
    public var weak: [Finding]
    public var passed: Bool { findings.isEmpty }
    /// How many frames have a possible miss.
    public var framesWithFindings: Int { Set(findings.map { [$0.stream.map(Int64.init) ?? -1, $0.pts] }).count }

    /// One summary of a file's video streams audited one by one (their findings name their
    /// stream): frames and detections added up, findings listed together.
    public static func merged(_ parts: [AuditSummary]) -> AuditSummary? {
        guard var whole = parts.first else { return nil }
        for part in parts.dropFirst() {
            whole.framesExamined += part.framesExamined
            whole.detections += part.detections
            whole.findings += part.findings
            whole.weak += part.weak
        }
        return whole
    }

    public struct Finding: Codable, Equatable, Sendable {
        public var pts: Int64
        public var seconds: Double
        public var box: [Double]
        public var score: Double
        /// The source video stream, in a file with several when it is not the first (its pts
        /// and seconds are in that stream's time).
        public var stream: Int?
    }

    public init(detector: String, threshold: Double, scales: [Double], framesExamined: Int, detections: Int, findings: [Finding], weak: [Finding]) {
        self.weak = weak
        self.detections = detections
        self.detector = detector
        self.threshold = threshold
        self.scales = scales
        self.framesExamined = framesExamined
        self.findings = findings
    }
}
