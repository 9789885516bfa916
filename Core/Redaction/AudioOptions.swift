import RedactMedia
import RedactSupport

/// `--audio`, `--mute` and `--bleep` read into one `AudioTreatment`, and the checks a job's
/// treatment must pass wherever it was typed (the coordinator repeats them for remote jobs).
public enum AudioArguments {
    /// The treatment the options ask for; nil when they ask for nothing (the audio is copied).
    public static func treatment(mode: AudioTreatment.Mode?, mutes: [String], bleep: Bool) throws(OptionError) -> AudioTreatment? {
        let spans = try mutes.map { (text) throws(OptionError) in try span(text) }
        if !spans.isEmpty, let mode {
            throw OptionError("--audio", mode.rawValue, accepts: mode == .mute
                ? "--audio mute mutes every audio stream throughout; --mute alone mutes only its stretches"
                : "cannot be combined with --mute, which mutes stretches of the audio")
        }
        let treatment: AudioTreatment? = spans.isEmpty ? mode.map { AudioTreatment(mode: $0) } : AudioTreatment(mode: .mute, spans: spans)
        if bleep {
            guard var muting = treatment, muting.mode == .mute else {
                throw OptionError("--bleep", "without --mute or --audio mute", accepts: "it says what muted audio sounds like, and nothing is muted")
            }
            muting.sound = .bleep
            try muting.validate()
            return muting
        }
        try treatment?.validate()
        return treatment?.mode == .keep ? nil : treatment
    }

    /// `FROM-UNTIL`, each in seconds or [HH:]MM:SS[.mmm] from the first frame; either may be
    /// left out for the start or the end (`-40`, `1:30-`).
    public static func span(_ text: String, option: String = "--mute") throws(OptionError) -> AudioTreatment.Span {
        let accepted = "a stretch is FROM-UNTIL, each in seconds or [HH:]MM:SS[.mmm] from the first frame (12-15.5, 1:02-1:10.250, 1:30- for the rest)"
        let ends = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard ends.count == 2, !(ends[0].isEmpty && ends[1].isEmpty) else { throw OptionError(option, text, accepts: accepted) }
        let from = ends[0].isEmpty ? nil : ClockTime.seconds(ends[0])
        let until = ends[1].isEmpty ? nil : ClockTime.seconds(ends[1])
        guard ends[0].isEmpty || from != nil, ends[1].isEmpty || until != nil else { throw OptionError(option, text, accepts: accepted) }
        if let from, let until, until <= from {
            throw OptionError(option, text, accepts: "the stretch ends before it starts, so it would hold nothing")
        }
        let span = AudioTreatment.Span(from: from, until: until)
        try AudioTreatment(mode: .mute, spans: [span]).validate()
        return span
    }
}

extension AudioTreatment {
    /// At most this many stretches per job.
    public static let maxSpans = 10_000

    /// Refuses a treatment that could mute nothing while the record says it muted.
    public func validate() throws(OptionError) {
        guard mode == .mute || (spans.isEmpty && sound == .silence) else {
            throw OptionError("--audio", mode.rawValue, accepts: "stretches and --bleep go only with muting")
        }
        guard spans.count <= Self.maxSpans else {
            throw OptionError("--mute", "\(spans.count) stretches", accepts: "at most \(Self.maxSpans)")
        }
        for span in spans {
            for t in [span.from, span.until].compactMap({ $0 }) where !t.isFinite || t < 0 {
                throw OptionError("--mute", span.description, accepts: "times are seconds from the first frame, 0 or more")
            }
            if let from = span.from, let until = span.until, until <= from {
                throw OptionError("--mute", span.description, accepts: "the stretch ends before it starts, so it would mute nothing")
            }
        }
    }
}
