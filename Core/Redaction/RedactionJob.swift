/// Everything that decides what a redacted output looks like. Identical on every worker, and
/// recorded with each output.
public struct RedactionJob: Codable, Equatable, Sendable {
    public var targets: Set<TargetClass> = [.face]
    public var look = RedactionLook()
    public var detector = DetectorSettings()
    public var tracker = FaceTracker.Options()
    public var encoder = EncoderSettings()
    /// Prefix frames before each cut that are run through detection to carry tracks over.
    public var contextFrames = 8

    public init() {}
}

public struct DetectorSettings: Codable, Equatable, Sendable {
    public var threshold: Double = 0.2
    public var inferenceScale: Double = 1.0
    public init(threshold: Double = 0.2, inferenceScale: Double = 1.0) {
        self.threshold = threshold
        self.inferenceScale = inferenceScale
    }
}
