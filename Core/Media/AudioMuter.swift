import CFFmpeg
import Foundation
import RedactSupport

/// The packets of one audio stream that muting changes, by ordinal (the stream's packets
/// counted from 0 in file order), to be put in place of the source's as the stitch copies
/// the stream: every packet keeps its timestamps, duration and flags, and every packet not
/// listed stays the source's, byte for byte.
public struct MutedPackets: Sendable {
    public var replacements: [Int: [UInt8]]
    /// Each replaced packet's pts, which the stitch checks against the packet it replaces.
    public var pts: [Int: Int64]
    /// The replaced ordinals, first and last of each run.
    public var runs: [[Int]]
}

/// Mutes stretches of an audio stream (`--audio mute`, `--mute FROM-UNTIL`) the way a
/// disclosure needs it: the stream stays the source's codec, rate, layout and bitrate, with
/// every packet's timestamp, and only the packets that sound in a muted stretch change.
///
/// - PCM: the muted samples' bytes are written over in place, so a packet changes only where
///   it is muted and nothing outside the stretch changes by a bit.
/// - AAC-LC (MP4, MOV, Matroska, or ADTS in MPEG-TS), MP2 and AC-3: fixed-length frames
///   that overlap (each packet sounds over its own frame and into the next), so the packets
///   from the one before a stretch to its last one are re-encoded from the decoded source,
///   with the stretch silenced, the encoder warmed up on the two packets before
///   (`FrameAudioMuting`). The frame before and the one after a stretch decode to the lossy
///   re-encoding of the source (they share a re-encoded packet); every frame further out is
///   the source's packet, and the stretch itself decodes to silence, which is checked by
///   decoding before the packets are used.
///
/// Any other codec is refused up front (`refusal`): MP3's bit reservoir, Vorbis' and Opus'
/// variable blocks and the rest would need more than a packet-for-packet re-encode.
public enum AudioMuter {
    /// A 1 kHz tone at -20 dBFS.
    static let bleepAmplitude: Float = 0.1
    static let bleepHertz = 1000.0
    /// Decoded samples in a muted AAC frame stay below this (-60 dBFS), or muting fails; in a
    /// frame beside one that still sounds, below `edgeSilenceCeiling` (-45 dBFS): an AAC
    /// packet spans two frames, so the codec's quantisation noise of the sound next door
    /// (pre- and post-echo) reaches into it. Measured on the corpus: at most -59 dBFS.
    static let silenceCeiling: Float = 0.001
    static let edgeSilenceCeiling: Float = 0.0056
    /// Packets re-encoded before the first replaced one, so the encoder's state is settled.
    static let warmupPackets = 2
    /// Packets decoded before the first one encoded, for the decoder's overlap state.
    static let prerollPackets = 2

    enum Method: Equatable {
        case pcm(bytesPerSampleFrame: Int)
        /// AAC-LC, MP2, AC-3: fixed-length frames, each packet one (`FrameAudioMuting`).
        case frames
    }

    /// Why the stream cannot be muted, or nil when it can.
    package static func refusal(_ st: UnsafeMutablePointer<AVStream>) -> String? {
        switch method(st.pointee.codecpar!) {
        case .success: nil
        case .failure(let why): why.reason
        }
    }

    static func method(_ par: UnsafeMutablePointer<AVCodecParameters>) -> Result<Method, MediaError> {
        let p = par.pointee
        let name = String(cString: avcodec_get_name(p.codec_id))
        let refuse = { (why: String) in Result<Method, MediaError>.failure(MediaError(path: "", reason: why)) }
        guard p.sample_rate > 0, p.ch_layout.nb_channels > 0 else { return refuse("its sample rate or channel count is not known") }
        if name.hasPrefix("pcm_"), !name.contains("planar"), avcodec_find_encoder(p.codec_id) != nil {
            let bits = Int(av_get_bits_per_sample(p.codec_id))
            guard bits > 0, bits % 8 == 0 else { return refuse("\(name) audio is not whole bytes per sample") }
            return .success(.pcm(bytesPerSampleFrame: bits / 8 * Int(p.ch_layout.nb_channels)))
        }
        if p.codec_id == AV_CODEC_ID_AAC {
            guard p.profile == FF_PROFILE_AAC_LOW || p.profile == FF_PROFILE_UNKNOWN else {
                let profile = avcodec_profile_name(p.codec_id, p.profile).map { String(cString: $0) } ?? "\(p.profile)"
                return refuse("AAC \(profile) can be muted only as AAC-LC, which changes the stream's profile")
            }
            return .success(.frames)
        }
        // MPEG-1/2 Layer II (broadcast and DVD MPEG) and AC-3 (DVD, broadcast): no bit
        // reservoir, every frame the same length.
        if p.codec_id == AV_CODEC_ID_MP2 || p.codec_id == AV_CODEC_ID_AC3 { return .success(.frames) }
        return refuse("\(name) audio cannot be muted packet for packet (PCM, AAC-LC, MP2 and AC-3 can)")
    }

    /// The replacements that mute `spans` (seconds from the first video frame, which is at
    /// `origin` seconds on the container's clock) of stream `index` of `path`.
    package static func mute(path: String, stream index: Int, spans: [AudioTreatment.Span], origin: Double,
                             sound: AudioTreatment.Sound) throws(MediaError) -> MutedPackets {
        let input = try MediaInput(path: path)
        let st = input.stream(index)
        let label = "\(path) stream \(index)"
        let method: Method
        switch Self.method(st.pointee.codecpar!) {
        case .success(let m): method = m
        case .failure(let why): throw MediaError(path: path, reason: "stream \(index) cannot be muted: \(why.reason)")
        }
        let clock = StretchClock(spans: spans, origin: origin, rate: Double(st.pointee.codecpar!.pointee.sample_rate),
                                 timeBase: Rational(st.pointee.time_base), sound: sound)
        input.selectStreams([index])
        switch method {
        case .pcm(let block):
            return try mutePCM(input, stream: st, block: block, clock: clock, label: label)
        case .frames:
            return try FrameAudioMuting(input: input, stream: st, clock: clock, label: label).run()
        }
    }

    /// PCM: each packet's muted samples overwritten with the encoder's bytes for silence (or
    /// the tone), in one pass.
    private static func mutePCM(_ input: MediaInput, stream st: UnsafeMutablePointer<AVStream>, block: Int,
                                clock: StretchClock, label: String) throws(MediaError) -> MutedPackets {
        let encoder = try AudioEncoder(like: st.pointee.codecpar!, bitRate: st.pointee.codecpar!.pointee.bit_rate, label: label)
        let channels = Int(st.pointee.codecpar!.pointee.ch_layout.nb_channels)
        var result = MutedPackets(replacements: [:], pts: [:], runs: [])
        var ordinal = 0
        var next: Double? = nil
        while let (_, packet) = try input.readPacket() {
            defer { ordinal += 1 }
            let start = try clock.start(of: packet, ordinal: ordinal, expected: next, label: label)
            guard packet.data.count % block == 0 else {
                throw MediaError(path: label, reason: "audio packet \(ordinal) holds \(packet.data.count) bytes, not whole samples of \(block) bytes")
            }
            next = start + Double(packet.data.count / block) / clock.rate
            let runs = clock.mutedRuns(start: start, count: packet.data.count / block)
            guard !runs.isEmpty else { continue }
            var data = packet.data
            for run in runs {
                var samples = PlanarSamples(repeating: [Float](repeating: 0, count: run.count), count: channels)
                clock.fill(&samples, range: 0..<run.count, firstSampleAt: start + Double(run.lowerBound) / clock.rate)
                let bytes = try encoder.encode(samples, pts: 0).flatMap(\.data)
                guard bytes.count == run.count * block else {
                    throw MediaError(path: label, reason: "the PCM encoder wrote \(bytes.count) bytes for \(run.count) samples")
                }
                data.replaceSubrange(run.lowerBound * block..<run.upperBound * block, with: bytes)
            }
            result.replacements[ordinal] = data
            result.pts[ordinal] = packet.pts
        }
        result.runs = Self.runs(of: result.replacements.keys.sorted())
        return result
    }

    /// Consecutive ordinals as [first, last] pairs.
    static func runs(of ordinals: [Int]) -> [[Int]] {
        var runs: [[Int]] = []
        for o in ordinals {
            if let last = runs.last, last[1] + 1 == o { runs[runs.count - 1][1] = o } else { runs.append([o, o]) }
        }
        return runs
    }
}

/// Where the muted stretches fall in a stream's samples, and what goes there.
struct StretchClock {
    /// Seconds on the container's clock, [from, until).
    let stretches: [(from: Double, until: Double)]
    let origin: Double
    let rate: Double
    let timeBase: Rational
    let sound: AudioTreatment.Sound

    init(spans: [AudioTreatment.Span], origin: Double, rate: Double, timeBase: Rational, sound: AudioTreatment.Sound) {
        stretches = spans.map { (origin + ($0.from ?? -.infinity), origin + ($0.until ?? .infinity)) }
        self.origin = origin
        self.rate = rate
        self.timeBase = timeBase
        self.sound = sound
    }

    /// How far a packet's timestamp may sit from where the samples before it end and still
    /// be read as following on: the time base's rounding (Matroska's milliseconds) and a
    /// sample and a half.
    var tolerance: Double { max(timeBase.doubleValue, 0) + 1.5 / rate }

    /// The packet's first sample on the container's clock, in seconds: where the samples
    /// before it end (`expected`), when its timestamp agrees within `tolerance`, so a stretch's
    /// edge falls on the sample and not on the container's rounding; its own timestamp where
    /// it does not (a gap in the audio).
    func start(of packet: EncodedPacket, ordinal: Int, expected: Double?, label: String) throws(MediaError) -> Double {
        guard packet.pts != EncodedPacket.noTimestamp else {
            throw MediaError(path: label, reason: "audio packet \(ordinal) has no timestamp, so where it sounds is not known")
        }
        let stated = Double(packet.pts) * timeBase.doubleValue
        if let expected, abs(stated - expected) <= tolerance { return expected }
        return stated
    }

    /// Which of `count` samples starting at `start` seconds are muted, merged, in order.
    /// A sample at a stretch's start is muted; one at its end is not.
    func mutedRuns(start: Double, count: Int) -> [Range<Int>] {
        let n = Double(count)
        // The sample index at or after time t; a hair's tolerance for times on a sample.
        let index = { (t: Double) in Int(max(0, min(n, ((t - start) * rate - 1e-6).rounded(.up)))) }
        let runs = stretches.map { index($0.from)..<index($0.until) }.filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int>] = []
        for r in runs {
            if let last = merged.last, r.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        return merged
    }

    /// Writes the muted sound into `samples[range]`, whose element 0 sounds at `t0` seconds
    /// (the tone's phase follows the clock, so it does not click where packets meet).
    func fill(_ samples: inout PlanarSamples, range: Range<Int>, firstSampleAt t0: Double) {
        for c in samples.indices {
            for i in range {
                switch sound {
                case .silence:
                    samples[c][i] = 0
                case .bleep:
                    let t = t0 + Double(i) / rate - origin
                    samples[c][i] = AudioMuter.bleepAmplitude * Float(sin(2 * Double.pi * AudioMuter.bleepHertz * t))
                }
            }
        }
    }
}
