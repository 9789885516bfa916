import RedactSupport

/// What a job does to the source's audio streams (`--audio`, `--mute`, `--bleep`). Voices are
/// personal data too: a disclosure may have to silence a stretch, or all of it, or leave the
/// audio out. Every audio stream of a file gets the same treatment.
public struct AudioTreatment: Codable, Equatable, Sendable {
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// Copied bit for bit (the default).
        case keep
        /// Re-encoded where muted, with the source's codec, rate, layout and bitrate; every
        /// packet keeps its timestamps and every packet outside the muted stretches its bytes.
        case mute
        /// Left out of the output, recorded as dropped.
        case drop
    }

    /// What a muted stretch sounds like.
    public enum Sound: String, Codable, Sendable, CaseIterable {
        case silence
        /// A 1 kHz tone at -20 dBFS, so a listener knows something was taken out.
        case bleep
    }

    /// A stretch of the file in seconds from the video's first frame (the clock zones use);
    /// nil from is the start, nil until the end.
    public struct Span: Codable, Equatable, Sendable, CustomStringConvertible {
        public var from: Double?
        public var until: Double?
        public init(from: Double?, until: Double?) {
            self.from = from
            self.until = until
        }

        /// Whether `seconds` (from the first frame) lies in it: from inclusive, until exclusive.
        public func contains(_ seconds: Double) -> Bool {
            (from.map { seconds >= $0 } ?? true) && (until.map { seconds < $0 } ?? true)
        }

        public var description: String {
            let text = { (t: Double?) -> String in
                guard let t = t?.rounded(toPlaces: 3) else { return "" }
                return t == t.rounded() && abs(t) < 1e15 ? String(Int(t)) : String(t)
            }
            return from == nil && until == nil ? "throughout" : "\(text(from))-\(text(until)) s"
        }
    }

    public var mode: Mode
    /// The stretches muted; empty with `mute` is the whole stream.
    public var spans: [Span]
    public var sound: Sound

    public init(mode: Mode, spans: [Span] = [], sound: Sound = .silence) {
        self.mode = mode
        self.spans = spans
        self.sound = sound
    }

    /// The stretches to mute, the whole stream as one open span when none is named.
    public var mutedSpans: [Span] {
        guard mode == .mute else { return [] }
        return spans.isEmpty ? [Span(from: nil, until: nil)] : spans
    }

    /// How the stream plan states it for a muted stream.
    public var summary: String {
        "muted \(mutedSpans.map(\.description).joined(separator: ", ")) (\(sound.rawValue)); --audio mute / --mute"
    }
}
