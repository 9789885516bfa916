import RedactMedia
import RedactVision

/// Everything that decides what a redacted output looks like. Identical on every worker, and
/// recorded with each output.
public struct RedactionJob: Codable, Equatable, Sendable {
    public var targets: Set<TargetClass> = [.face]
    public var look = RedactionLook()
    public var detector = DetectionProfile.safe.settings
    public var tracker = DetectionTracker.Options()
    public var encoder = EncoderSettings()
    /// Prefix frames before each cut that are run through detection to carry tracks over.
    public var contextFrames = 8
    /// Regions hidden in every frame where they are active, whatever is detected.
    public var zones: [PrivacyZone] = []
    /// The frame rate of a raw video stream whose header states none (`--fps`).
    public var sourceFrameRate: Rational?
    /// How moving regions are found for the `person` target.
    public var motion = MotionRegions.Options()
    /// Damaged input (`--accept-damage`): nil or false fails a segment with a frame decoded
    /// with errors or missing; true redacts such frames as decoded (a missing one as the frame
    /// before it) and records each. The same for every target, zones alone included.
    public var acceptDamage: Bool?

    public var acceptsDamage: Bool { acceptDamage == true }

    /// `--reencode-all`: true re-encodes every segment; nil or false copies from the source,
    /// bit for bit, each segment in which nothing is to be hidden, where the file allows it
    /// (`SegmentCopying`).
    public var reencodeAll: Bool?

    public var copiesUnchanged: Bool { reencodeAll != true }

    /// What is done to the audio (`--audio`, `--mute`, `--bleep`); nil keeps it as it is.
    public var audio: AudioTreatment?

    /// A reviewer's decisions (`--corrections`, `redactfarm rerender`): tracks shown or kept
    /// visible, boxes drawn by hand, zones added; nil: none.
    public var corrections: Corrections?

    public init() {}
}

/// Named trade-offs between speed and small-face recall, measured on ground-truth clips
/// (Benchmarks/README.md). `safe` is the default: a privacy tool should err towards hiding.
public enum DetectionProfile: String, Codable, Sendable, CaseIterable {
    /// Full-frame inference every 12th frame, at 2x and 1x in turn (and 0.5x for large
    /// faces): finds faces from about 16 px within 12 frames and from about 10 px within 24.
    /// Every profile runs only every 4th due pass on a picture that stands still
    /// (`FullPassGate`).
    case safe
    /// Safe's full-frame passes, a small face's crop looked at every other frame rather than
    /// every frame (the tracker fills the one between), and the default encoder. The same
    /// recall and visible runs as safe on the ground truth (2026-12-07, in f32, bf16 and
    /// int8); the leak audit's possible misses as many as on safe's outputs or fewer
    /// (Benchmarks/README.md; `SmallFaceFollower.stride`). Until
    /// 2026-12-07 `balanced` was 1.5x every 10th frame, slower than safe once safe ran int8 and
    /// letting a face show for a frame on the crowded clip.
    case balanced
    /// The whole run's speed first: balanced's detection and x264 at `superfast` without
    /// CABAC (`EncoderSettings.speedFirst`: the same quality, larger files). Until 2026-12-07
    /// `fast` was 1x every 6th frame, which let faces show for up to 38 frames and, once safe
    /// ran int8, was no faster than it (Benchmarks/README.md).
    case fast

    public var settings: DetectorSettings {
        switch self {
        case .safe: DetectorSettings(inferenceScale: 2.0, every: 12, magnifyEvery: 2, unchangedPassEvery: 4)
        case .balanced, .fast: DetectorSettings(inferenceScale: 2.0, every: 12, magnifyEvery: 2, unchangedPassEvery: 4, followStride: 2)
        }
    }
}

public struct DetectorSettings: Codable, Equatable, Sendable {
    public var threshold: Double = 0.2
    public var inferenceScale: Double = 1.0
    /// Run the full-frame detector on every Nth frame; the tracker interpolates between and
    /// extends tracks at least N frames both ways, so faces entering between are covered.
    public var every: Int = 1
    /// Of the full-frame passes, only every Nth runs at `inferenceScale` when that magnifies;
    /// the others run at 1x. A magnified pass finds the smallest faces (from about 10 px at
    /// 2x) but costs more than its scale squared (at 720p, 2x took 4.6 times a 1x pass: bf16,
    /// one thread); a 1x pass still finds every face from about 16 px, the size recall is
    /// judged from. nil: every pass.
    public var magnifyEvery: Int?
    /// nil: f32 (jobs stored before precision was a choice).
    public var precision: InferencePrecision?
    /// On a picture that has not changed since the last full-frame passes, only every Nth due
    /// pass runs (`FullPassGate`, which says what else must hold). nil or 1: every due pass
    /// runs (jobs stored before the gate existed).
    public var unchangedPassEvery: Int?
    /// A small or young face found in frame t is looked for in its crop again from frame
    /// t + N (`SmallFaceFollower.stride`); the tracker interpolates the frames between. nil: 1.
    public var followStride: Int?
    public init(threshold: Double = 0.2, inferenceScale: Double = 1.0, every: Int = 1, magnifyEvery: Int? = nil,
                precision: InferencePrecision? = nil, unchangedPassEvery: Int? = nil, followStride: Int? = nil) {
        self.threshold = threshold
        self.inferenceScale = inferenceScale
        self.every = every
        self.magnifyEvery = magnifyEvery
        self.precision = precision
        self.unchangedPassEvery = unchangedPassEvery
        self.followStride = followStride
    }

    /// Whether the full-frame pass at examining-pass frame `index` (a cadence frame) runs
    /// magnified, at `inferenceScale`, rather than at 1x.
    public func magnifies(passAt index: Int) -> Bool {
        guard inferenceScale > 1 else { return false }
        return (index / max(1, every)) % max(1, magnifyEvery ?? 1) == 0
    }

    public var effectivePrecision: InferencePrecision { precision ?? .f32 }
}
