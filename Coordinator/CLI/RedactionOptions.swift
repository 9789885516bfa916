import ArgumentParser
import Foundation
import RedactCoordinator
import RedactCore

/// What a job hides and how: shared by `run` and `submit`, so a job means the same thing
/// whichever way it is started.
struct RedactionOptions: ParsableArguments {
    @Option(help: "What to hide, comma-separated: face (CenterFace), person (everything that moves against a static background, for wide CCTV), plate (licence plates, found as text: signs and captions are hidden too). Zones given with --zone are always hidden; 'none' for zones only.")
    var targets: String = "face"

    @Option(help: "How regions are hidden: \(RedactionStyle.allCases.map(\.rawValue).joined(separator: ", ")).")
    var style: RedactionStyle = .pixelate

    @Option(help: "Shape of each hidden region: box or ellipse.")
    var shape: RedactionShape = .box

    @Option(parsing: .unconditional, help: "Growth of each detected box about its centre, 1 to 4 (CenterFace boxes are tight; boxes never shrink).")
    var padding: Double = 1.3

    @Option(parsing: .unconditional, help: "Detection score threshold, 0.01 to 0.9; lower hides more, with more false alarms.")
    var threshold: Double = 0.2

    @Option(help: "Speed against recall and file size: safe (default; kept every face hidden in every frame of all four make-eval clips), balanced (the same on those clips, a small face's crop looked at every other frame rather than every one), fast (balanced's detection, and x264 at superfast without CABAC unless --preset is given: the same quality in 1.3-2.1 times the bytes; 1.2-1.4x safe's speed on those clips); see Benchmarks/README.md.")
    var profile: DetectionProfile = .safe

    @Option(parsing: .unconditional, help: "Override the profile: network input size relative to the source, 0.5 to 4 (2 finds faces from about 10 px, at 4x the cost of 1 or more). The safe profile runs every other full-frame pass at this scale and the rest at 1x.")
    var inferenceScale: Double?

    @Option(parsing: .unconditional, help: "Override the profile: run the full-frame detector on every Nth frame, 1 to 12; tracking and magnified re-detection of small faces cover the frames between.")
    var detectEvery: Int?

    @Option(parsing: .unconditional, help: "Override the profile: on a picture that has not changed since the last full-frame passes (a static CCTV scene), run only every Nth due pass, 1 to 8 (every profile uses 4; 1 runs every pass). A pass is skipped only after two have searched the picture as it is; any change anywhere a face could appear makes the next due pass run.")
    var unchangedPassEvery: Int?

    @Option(name: .customLong("zone"), parsing: .unconditionalSingleValue, help: ArgumentHelp("A region always hidden, drawn on the picture as a player shows it (turned by the file's display matrix), in pixels or with every number in percent of the picture: x,y,w,h or poly:x1,y1,x2,y2,x3,y3,... Optionally followed by @FROM-UNTIL, each in seconds or [HH:]MM:SS[.mmm] from the first frame (e.g. @1:30-2:05.5). Repeat for more.", valueName: "zone"))
    var zones: [String] = []

    @Option(parsing: .unconditional, help: "Encoder quality (CRF 0 to 51, lower is better). Default: 17 for x264, 18 for x265 (each measured with its preset below); given, it sets both.")
    var crf: Int?

    @Option(help: "Encoder speed preset: ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow, placebo. Default: veryfast for x264 (superfast without CABAC for --profile fast), faster for x265; given, it sets both.")
    var preset: String?

    @Option(parsing: .unconditional, help: "Target segment length, 0.5 to 3600 seconds (cuts fall on the nearest keyframe).")
    var segmentSeconds: Double = 10

    @Flag(help: "After each output is written, audit it (see `redactfarm audit`): the result goes into the manifest, and a file with possible misses makes the command exit 1.")
    var audit = false

    @Option(help: """
        Inference arithmetic: auto (the default for `run`: of the precisions measured to keep \
        recall for the profile as it stands, bf16 where this machine computes \
        it natively and int8 where setup made the int8 model, the one a one-second \
        trial, run once per machine and kept in the home folder, finds fastest and at least \
        1.15x faster than f32; else f32), f32 (the default for `submit`, whose machine says \
        nothing of the farm's CPUs), bf16 (only workers that compute it natively get the job) \
        or int8 (the face model quantized by setup; only workers holding it get the job; other \
        models stay f32). On the four make-eval clips bf16 and int8 kept recall and visible \
        runs for every profile (int8: 1.2-1.6x faster runs than f32 on an Intel Xeon). \
        Recorded in the manifest.
        """)
    var precision: PrecisionChoice?

    @Flag(help: "Redact damaged input instead of refusing it: frames decoded with errors are redacted as decoded, frames that cannot be decoded are stood in for by the frame before them, and the manifest counts both. Without it such a file fails, naming the frame.")
    var acceptDamage = false

    @Flag(help: "Re-encode every segment. Without it, a segment in which nothing is to be hidden (every frame examined, no track, zone or region reaching into it) is copied from the source bit for bit where the file allows it (H.264 in MP4, MOV, MKV, MPEG-TS or raw H.264), and the manifest records each segment as copied or redacted.")
    var reencodeAll = false

    @Option(help: ArgumentHelp("The frame rate of a raw video stream (.h264, .hevc, .m4v, .m2v) whose header states none: 25, 30000/1001, 29.97. Refused for any other file, and where it contradicts the stream's own.", valueName: "rate"))
    var fps: String?

    @Option(help: "Stream types to leave out of the output, comma-separated: audio, subtitle, data, attachment, cover (an attached picture, which is not redacted: a file with one is refused unless it is left out). Without it every stream is kept, and a file with a stream the output cannot carry is refused. Each dropped stream is recorded in the manifest.")
    var dropStreams: String?

    @Option(help: "What happens to the audio: keep (copied bit for bit, the default), mute (every audio stream silenced throughout, re-encoded with its own codec, rate, layout and bitrate), drop (left out, recorded in the manifest).")
    var audio: AudioTreatment.Mode?

    @Option(parsing: .unconditionalSingleValue, help: ArgumentHelp("A stretch of audio to silence, FROM-UNTIL, each in seconds or [HH:]MM:SS[.mmm] from the first frame (12-15.5, 1:02-1:10.250; 1:30- to the end). Repeat for more. Only the packets that sound in it are re-encoded (PCM: only its samples); every other packet and every timestamp stays the source's. PCM, AAC-LC, MP2 and AC-3 audio can be muted; other codecs are refused up front (--audio drop leaves them out).", valueName: "from-until"))
    var mute: [String] = []

    @Flag(help: "Muted stretches carry a 1 kHz tone at -20 dBFS instead of silence, so a listener hears that something was taken out.")
    var bleep = false

    @Option(help: ArgumentHelp("A reviewer's decisions to apply (docs/corrections.md; the review page saves them): tracks shown or kept visible, boxes drawn by hand, zones added. Detection runs again, so a decision applies only to a track found as the page saw it; to apply them to an existing output without detecting again, use `redactfarm rerender`.", valueName: "file"))
    var corrections: String?

    /// The job these options describe, validated (`JobLimits`): a value outside the accepted
    /// range is a usage error before any file is opened.
    /// `defaultPrecision`: what an absent `--precision` means (`run`: auto, resolved on the
    /// machine that runs it; `submit`: f32, since the farm's CPUs are not this machine's).
    /// `fastest`: auto's trial on this machine (`AutoPrecision`), asked only once every
    /// other option is valid.
    func jobOptions(defaultPrecision: PrecisionChoice, fastest: (Set<InferencePrecision>) -> InferencePrecision) throws(OptionError) -> JobOptions {
        var job = RedactionJob()
        var correctionsSHA256: String?
        var set = Set<TargetClass>()
        for name in targets.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) where name != "none" {
            guard let t = TargetClass(rawValue: name), t != .zone else {
                throw OptionError("--targets", name, accepts: "unknown target (face, person, plate, or none)")
            }
            set.insert(t)
        }
        job.targets = set
        job.look = RedactionLook(style: style, shape: shape, padding: padding)
        let base = profile.settings
        job.detector = DetectorSettings(threshold: threshold, inferenceScale: inferenceScale ?? base.inferenceScale,
                                        every: detectEvery ?? base.every, magnifyEvery: base.magnifyEvery,
                                        unchangedPassEvery: unchangedPassEvery ?? base.unchangedPassEvery, followStride: base.followStride)
        // `fast` is the whole run's speed: its encoder setting too, unless a preset is given.
        job.encoder = EncoderSettings(crf: crf, preset: preset, speedFirst: profile == .fast && preset == nil ? true : nil)
        job.zones = try zones.map { (zone) throws(OptionError) in try PrivacyZone(parsing: zone) }
        if acceptDamage { job.acceptDamage = true }
        if reencodeAll { job.reencodeAll = true }
        if let fps { job.sourceFrameRate = try FrameRateArgument.parse(fps) }
        job.audio = try AudioArguments.treatment(mode: audio, mutes: mute, bleep: bleep)
        let drop = dropStreams.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        if let corrections {
            do throws(MediaError) {
                let read = try Corrections.read(path: corrections)
                job.corrections = read.corrections
                correctionsSHA256 = read.sha256
            } catch {
                throw OptionError("--corrections", corrections, accepts: error.reason)
            }
        }
        var options = JobOptions(job: job, segmentSeconds: segmentSeconds, audit: audit, dropStreams: drop)
        options.correctionsSHA256 = correctionsSHA256
        try options.validate()
        // Last: auto may time inference, which a usage error must not wait for.
        let chosen = (precision ?? defaultPrecision).resolved(for: profile, settings: options.job.detector, fastest: fastest)
        options.job.detector.precision = chosen == .f32 ? nil : chosen
        return options
    }
}

extension RedactionStyle: ExpressibleByArgument {}
extension AudioTreatment.Mode: ExpressibleByArgument {}
extension DetectionProfile: ExpressibleByArgument {}
extension RedactionShape: ExpressibleByArgument {}
/// `--precision`: a precision, or `auto`.
enum PrecisionChoice: String, CaseIterable, ExpressibleByArgument {
    case auto, f32, bf16, int8

    /// What the job computes in. `auto` considers a precision only for the profiles, as they
    /// stand, on which it was measured to keep every figure (`measuredProfiles`), and asks
    /// `fastest` (this machine's trial, `AutoPrecision`: asked only then, since it may time
    /// them) which of those pays; anything else is f32.
    func resolved(for profile: DetectionProfile, settings: DetectorSettings, fastest: (Set<InferencePrecision>) -> InferencePrecision) -> InferencePrecision {
        switch self {
        case .f32: return .f32
        case .bf16: return .bf16
        case .int8: return .int8
        case .auto:
            guard settings == profile.settings else { return .f32 }
            let allowed = Set(Self.measuredProfiles.filter { $0.value.contains(profile) }.keys)
            return allowed.isEmpty ? .f32 : fastest(allowed.union([.f32]))
        }
    }

    /// Where each precision kept the recall and visible runs of f32 on all four make-eval
    /// clips (Benchmarks/README.md).
    static let measuredProfiles: [InferencePrecision: Set<DetectionProfile>] = [.bf16: [.safe, .balanced, .fast], .int8: [.safe, .balanced, .fast]]
}
