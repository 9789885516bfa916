import RedactMedia
/// An option value RedactFarm does not accept: which option, the value given and what is
/// accepted. A usage error (exit 64): nothing was looked at yet, and retrying cannot help.
public struct OptionError: Error, Equatable, Sendable, CustomStringConvertible {
    public var option: String
    public var value: String
    public var accepted: String

    public init(_ option: String, _ value: String, accepts accepted: String) {
        self.option = option
        self.value = value
        self.accepted = accepted
    }

    public var description: String { "\(option) \(value.isEmpty ? "''" : value): \(accepted)" }
}

/// The ranges every job option must lie in. A value outside them could switch redaction off
/// while the record says it ran (a padding of 0 shrinks every box to nothing, a threshold
/// of 1 finds nothing), or crash the encoder or the detector, so each is refused up front;
/// the coordinator applies the same checks to every job it is sent.
public enum JobLimits {
    /// Boxes only ever grow: CenterFace's are tight, and a box smaller than what was detected
    /// leaves part of the face in view.
    public static let padding = 1.0...4.0
    /// CenterFace's scores are in 0…1; above 0.9 almost nothing is found.
    public static let threshold = 0.01...0.9
    /// Below 0.5 faces under about 40 px are lost; above 4 the network input outgrows memory.
    public static let inferenceScale = 0.5...4.0
    /// Segments look 25 frames past their end, enough for tracks to reach across a cut at up
    /// to every 12th frame (2N + 1 frames).
    public static let detectEvery = 1...12
    /// A magnified pass at least every second full-frame one: a small face's track reaches
    /// 3N + 1 frames past its end, so one found late at a magnified pass is still hidden from
    /// where it came into view.
    public static let magnifyEvery = 1...2
    /// A pass at least every eighth due one on a still picture: at the safe profile's cadence,
    /// every 96 frames (about 4 s at 25 fps).
    public static let unchangedPassEvery = 1...8
    /// A followed face's crop at least every other frame: the tracker bridges one frame.
    public static let followStride = 1...2
    /// x264's and x265's CRF range.
    public static let crf = 0...51
    /// The presets libx264 and libx265 both define (x264.h `x264_preset_names`, x265's
    /// `x265_preset_names`).
    public static let presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"]
    public static let segmentSeconds = 0.5...3600.0
    /// Local workers for `run`, slots and prefetch for a worker.
    public static let workers = 1...256
    public static let slots = 1...64
    public static let prefetch = 0...64

    static func text(_ range: ClosedRange<Double>) -> String { "\(short(range.lowerBound)) to \(short(range.upperBound))" }
    static func text(_ range: ClosedRange<Int>) -> String { "\(range.lowerBound) to \(range.upperBound)" }
    /// A value as typed, short: 4 not 4.0; never converted to Int beyond its range (a
    /// value of 1e300 is shown, not trapped on).
    static func short(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }

    public static func check(_ option: String, _ value: Double, in range: ClosedRange<Double>, _ meaning: String = "") throws(OptionError) {
        guard value.isFinite, range.contains(value) else {
            throw OptionError(option, short(value), accepts: "must be \(text(range))\(meaning.isEmpty ? "" : " (\(meaning))")")
        }
    }

    public static func check(_ option: String, _ value: Int, in range: ClosedRange<Int>, _ meaning: String = "") throws(OptionError) {
        guard range.contains(value) else {
            throw OptionError(option, String(value), accepts: "must be \(text(range))\(meaning.isEmpty ? "" : " (\(meaning))")")
        }
    }
}

extension RedactionJob {
    /// Throws the first option outside `JobLimits`, naming it as the command line does.
    public func validate() throws(OptionError) {
        try JobLimits.check("--padding", look.padding, in: JobLimits.padding, "boxes never shrink below what was detected")
        try JobLimits.check("--threshold", detector.threshold, in: JobLimits.threshold, "a detection score")
        try JobLimits.check("--inference-scale", detector.inferenceScale, in: JobLimits.inferenceScale, "network input size relative to the source")
        try JobLimits.check("--detect-every", detector.every, in: JobLimits.detectEvery, "frames between full-frame passes")
        if let n = detector.magnifyEvery {
            try JobLimits.check("magnifyEvery", n, in: JobLimits.magnifyEvery, "full-frame passes per magnified one")
        }
        if let n = detector.followStride {
            try JobLimits.check("followStride", n, in: JobLimits.followStride, "frames between a followed face's crops")
        }
        if let n = detector.unchangedPassEvery {
            try JobLimits.check("--unchanged-pass-every", n, in: JobLimits.unchangedPassEvery, "on a still picture, one due full-frame pass in N runs")
        }
        if let crf = encoder.crf { try JobLimits.check("--crf", crf, in: JobLimits.crf, "x264/x265 quality") }
        if let preset = encoder.preset, !JobLimits.presets.contains(preset) {
            throw OptionError("--preset", preset, accepts: "must be one of \(JobLimits.presets.joined(separator: ", "))")
        }
        guard look.maxCells >= 2, look.maxCells <= 64 else { throw OptionError("maxCells", String(look.maxCells), accepts: "must be 2 to 64") }
        guard contextFrames >= 0, contextFrames <= 64 else {
            throw OptionError("contextFrames", String(contextFrames), accepts: "must be 0 to 64")
        }
        let corrected = corrections.map { !$0.boxes.isEmpty || !$0.zones.isEmpty } ?? false
        guard !targets.isEmpty || !zones.isEmpty || corrected else {
            throw OptionError("--targets", "none", accepts: "nothing to hide: name a target or give --zone")
        }
        guard !targets.contains(.zone) else { throw OptionError("--targets", "zone", accepts: "zones are given with --zone") }
        for (n, zone) in zones.enumerated() { try zone.validate(number: n + 1) }
        try audio?.validate()
        try corrections?.validate()
    }
}

/// `--fps`: a whole number (25), a fraction (30000/1001), or one of the NTSC decimals
/// (23.976, 29.97, 59.94, meaning their exact fractions), between 1 and 1000 frames a second.
public enum FrameRateArgument {
    public static func parse(_ text: String) throws(OptionError) -> Rational {
        let accepts = "a frame rate: a whole number (25), a fraction (30000/1001) or 23.976, 29.97, 59.94; 1 to 1000"
        let ntsc: [String: Rational] = ["23.976": Rational(num: 24000, den: 1001), "29.97": Rational(num: 30000, den: 1001),
                                        "59.94": Rational(num: 60000, den: 1001)]
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let rate: Rational
        if let known = ntsc[text] {
            rate = known
        } else if parts.count == 2, let n = Int32(parts[0]), let d = Int32(parts[1]), d > 0 {
            rate = Rational(num: n, den: d)
        } else if parts.count == 1, let n = Int32(text) {
            rate = Rational(num: n, den: 1)
        } else {
            throw OptionError("--fps", text, accepts: accepts)
        }
        guard rate.num > 0, (1.0...1000.0).contains(rate.doubleValue) else { throw OptionError("--fps", text, accepts: accepts) }
        return rate
    }
}
