import CFFmpeg
import Foundation
import RedactSupport

/// A frame codec (AAC-LC, MP2, AC-3) muted packet for packet (the rule is `AudioMuter`'s):
/// each run of packets that sound in a muted stretch, and the one before it, is re-encoded
/// from the decoded source with the stretch silenced; the encoder is started two packets
/// earlier and run past the run's end so each re-encoded packet stands where the one it
/// replaces stood. Where a packet's samples sound relative to its timestamp is measured on
/// the codec itself (`lag`), not assumed.
struct FrameAudioMuting {
    /// Packets encoded after a run, so the encoder's look-ahead is fed with the real signal.
    static let trailingPackets = 3

    let input: MediaInput
    let stream: UnsafeMutablePointer<AVStream>
    let clock: StretchClock
    let label: String

    /// Replaced ordinals, first to last.
    struct Run {
        var first: Int
        var last: Int
    }

    /// Where each packet starts and which runs are re-encoded (first pass), then the new
    /// packets (second pass, reading only around the runs).
    func run() throws(MediaError) -> MutedPackets {
        let par = stream.pointee.codecpar!
        let isAAC = par.pointee.codec_id == AV_CODEC_ID_AAC
        let stated = par.pointee.bit_rate > 0 ? par.pointee.bit_rate : 128_000
        let probe = try AudioEncoder(like: par, bitRate: stated, label: label)
        let n = probe.frameSize
        guard n > 0 else { throw MediaError(path: label, reason: "the encoder states no frame length") }
        var starts: [Double] = []
        var sourceConfig = isAAC ? AACConfig(audioSpecificConfig: CodecParameters.extradata(of: stream)) : nil
        var adts = false
        var bytes: Int64 = 0
        while let (_, packet) = try input.readPacket() {
            let expected = starts.last.map { $0 + Double(n) / clock.rate }
            let t = try clock.start(of: packet, ordinal: starts.count, expected: expected, label: label)
            if let expected, t != expected {
                throw MediaError(path: label, reason: "audio packets \(starts.count - 1) and \(starts.count) are not one \(n)-sample frame apart (a gap or an overlap in the audio), so it cannot be muted packet for packet")
            }
            if isAAC, starts.isEmpty, sourceConfig == nil, let header = AACConfig(adtsHeader: packet.data) {
                (sourceConfig, adts) = (header, true)
            }
            starts.append(t)
            bytes += Int64(packet.data.count)
        }
        let seconds = Double(starts.count * n) / clock.rate
        let bitRate = par.pointee.bit_rate > 0 ? par.pointee.bit_rate : seconds > 0 ? Int64(Double(bytes * 8) / seconds) : 128_000
        if isAAC {
            guard let sourceConfig else {
                throw MediaError(path: label, reason: "the AAC stream states no AudioSpecificConfig and carries no ADTS headers, so it cannot be re-encoded alike")
            }
            guard sourceConfig.objectType == 2 else {
                throw MediaError(path: label, reason: "the AAC stream is of object type \(sourceConfig.objectType), not AAC-LC (2), which is all the muter writes")
            }
            guard let ours = AACConfig(audioSpecificConfig: probe.extradata), ours == sourceConfig else {
                throw MediaError(path: label, reason: "FFmpeg's AAC encoder cannot write this stream's configuration (\(sourceConfig)), so muted packets would not fit it")
            }
        }
        let lag = try Self.lag(par, bitRate: bitRate, frameLength: n, label: label)

        var runs: [Run] = []
        for j in starts.indices where !clock.mutedRuns(start: starts[j], count: n).isEmpty {
            let first = max(0, j - 1)
            if let last = runs.last, first <= last.last + 1 { runs[runs.count - 1].last = j } else { runs.append(Run(first: first, last: j)) }
        }
        let spans = runs.map { span(of: $0, count: starts.count) }
        var needed = IndexSet()
        for s in spans { needed.insert(integersIn: s.decodeFrom...s.decodeTo) }

        let again = try MediaInput(path: input.path)
        again.selectStreams([Int(stream.pointee.index)])
        var packets: [Int: EncodedPacket] = [:]
        var ordinal = 0
        while let (_, packet) = try again.readPacket() {
            if needed.contains(ordinal) { packets[ordinal] = packet }
            ordinal += 1
            if ordinal > (needed.last ?? -1) { break }
        }
        var result = MutedPackets(replacements: [:], pts: [:], runs: runs.map { [$0.first, $0.last] })
        for (run, span) in zip(runs, spans) {
            let raw = try encode(run, span: span, packets: packets, starts: starts, bitRate: bitRate, frameLength: n,
                                 padding: probe.initialPadding, lag: lag)
            for (o, data) in raw {
                result.replacements[o] = adts ? try Self.adtsFrame(header: packets[o]!.data, raw: data, label: label) : data
                result.pts[o] = packets[o]!.pts
            }
            if clock.sound == .silence {
                try checkSilence(run, span: span, packets: packets, replacements: result.replacements, starts: starts, frameLength: n)
            }
        }
        return result
    }

    /// The packets a run needs read: decoded from `decodeFrom` (preroll and warm-up), encoded
    /// from `encodeFrom`, up to `decodeTo`.
    struct Span {
        var decodeFrom: Int
        var encodeFrom: Int
        var decodeTo: Int
    }

    private func span(of run: Run, count: Int) -> Span {
        // Enough decoded before the first encoded packet to cover a lag of a frame either way.
        let encodeFrom = max(0, run.first - AudioMuter.warmupPackets)
        return Span(decodeFrom: max(0, encodeFrom - AudioMuter.prerollPackets), encodeFrom: encodeFrom,
                    decodeTo: min(count - 1, run.last + Self.trailingPackets))
    }

    /// Decodes the source around `run`, silences what is muted, and re-encodes it so the
    /// encoder's packet at k frames is the source's packet k. Samples are labelled for the
    /// encoder with their time on the source's packet clock plus the codec's `lag`, and start
    /// where the first encoded packet's priming ends.
    private func encode(_ run: Run, span: Span, packets: [Int: EncodedPacket], starts: [Double],
                        bitRate: Int64, frameLength n: Int, padding: Int, lag: Int) throws(MediaError) -> [Int: [UInt8]] {
        let par = stream.pointee.codecpar!
        let decoder = try AudioDecoder(parameters: par, timeBase: stream.pointee.time_base, label: label)
        let encoder = try AudioEncoder(like: par, bitRate: bitRate, label: label)
        let feedFrom = max(span.decodeFrom * n, span.encodeFrom * n + padding - lag)
        var pending = PlanarSamples(repeating: [], count: Int(par.pointee.ch_layout.nb_channels))
        var pendingStart = Int64(feedFrom + lag)
        var out: [Int: [UInt8]] = [:]
        func take(_ encoded: [EncodedPacket]) throws(MediaError) {
            for p in encoded {
                guard p.pts % Int64(n) == 0 else { throw MediaError(path: label, reason: "the encoder's packet at sample \(p.pts) is not on a frame") }
                let o = Int(p.pts / Int64(n))
                if (run.first...run.last).contains(o) { out[o] = p.data }
            }
        }
        for j in span.decodeFrom...span.decodeTo {
            var samples = try decodeOne(decoder, packets[j]!, ordinal: j, frameLength: n)
            for muted in clock.mutedRuns(start: starts[j], count: n) { clock.fill(&samples, range: muted, firstSampleAt: starts[j]) }
            let skip = max(0, feedFrom - j * n)
            guard skip < n else { continue }
            for c in pending.indices { pending[c] += samples[c][skip...] }
            while pending[0].count >= n {
                let frame = pending.map { Array($0.prefix(n)) }
                for c in pending.indices { pending[c].removeFirst(n) }
                try take(encoder.encode(frame, pts: pendingStart))
                pendingStart += Int64(n)
            }
        }
        if !pending[0].isEmpty { try take(encoder.encode(pending, pts: pendingStart)) }
        try take(encoder.encode(nil, pts: 0))
        guard out.count == run.last - run.first + 1 else {
            throw MediaError(path: label, reason: "the encoder gave \(out.count) of the \(run.last - run.first + 1) packets of audio packets \(run.first)-\(run.last)")
        }
        return out
    }

    private func decodeOne(_ decoder: AudioDecoder, _ packet: EncodedPacket, ordinal: Int, frameLength n: Int) throws(MediaError) -> PlanarSamples {
        let frames = try decoder.decode(packet)
        guard frames.count == 1, let samples = frames.first, samples.first?.count == n else {
            throw MediaError(path: label, reason: "audio packet \(ordinal) does not decode to one \(n)-sample frame, so it cannot be re-encoded one for one")
        }
        return samples
    }

    /// Where this codec's decoder puts an encoded sample: a sample the encoder was given at
    /// time t comes out of the packets, decoded untrimmed, at t - lag on their timestamps'
    /// clock. FFmpeg's encoders state their delay as priming, so with FFmpeg 5.1 it is 0 for
    /// AAC, MP2 and AC-3 (AudioMutingTests); measured on every run, on an impulse through a
    /// fresh encoder and decoder, so a build where it is not still lines packets up.
    static func lag(_ par: UnsafeMutablePointer<AVCodecParameters>, bitRate: Int64, frameLength n: Int, label: String) throws(MediaError) -> Int {
        let encoder = try AudioEncoder(like: par, bitRate: bitRate, label: label)
        let decoder = try AudioDecoder(parameters: par, timeBase: AVRational(num: 1, den: par.pointee.sample_rate), label: label)
        let channels = Int(par.pointee.ch_layout.nb_channels)
        let at = 4 * n + n / 3
        var packets: [EncodedPacket] = []
        for k in 0..<10 {
            var frame = PlanarSamples(repeating: [Float](repeating: 0, count: n), count: channels)
            if at / n == k { for c in 0..<channels { frame[c][at % n] = 0.9 } }
            packets += try encoder.encode(frame, pts: Int64(k * n))
        }
        packets += try encoder.encode(nil, pts: 0)
        var peak: (at: Int, value: Float) = (0, 0)
        for p in packets {
            for frame in try decoder.decode(p) {
                for (i, x) in frame[0].enumerated() where abs(x) > peak.value { peak = (Int(p.pts) + i, abs(x)) }
            }
        }
        guard peak.value > 0.05 else { throw MediaError(path: label, reason: "cannot tell where the codec puts its samples (an impulse did not come through)") }
        return at - peak.at
    }

    /// Decodes the run as it will be written and fails unless every frame wholly inside a
    /// muted stretch, but the first (which shares a packet with the source before it), is
    /// silent (`AudioMuter.silenceCeiling`): the record must not say "muted" over a voice.
    private func checkSilence(_ run: Run, span: Span, packets: [Int: EncodedPacket], replacements: [Int: [UInt8]],
                              starts: [Double], frameLength n: Int) throws(MediaError) {
        guard run.first < run.last else { return }
        let decoder = try AudioDecoder(parameters: stream.pointee.codecpar!, timeBase: stream.pointee.time_base, label: label)
        for j in span.decodeFrom...run.last {
            var packet = packets[j]!
            if let data = replacements[j] { packet.data = data }
            let samples = try decodeOne(decoder, packet, ordinal: j, frameLength: n)
            let silent = { (k: Int) in k >= 0 && k < starts.count && clock.mutedRuns(start: starts[k], count: n) == [0..<n] }
            guard j > run.first, silent(j) else { continue }
            let peak = samples.map { $0.map(abs).max() ?? 0 }.max() ?? 0
            let ceiling = silent(j - 1) && silent(j + 1) ? AudioMuter.silenceCeiling : AudioMuter.edgeSilenceCeiling
            guard peak < ceiling else {
                throw MediaError(path: label, reason: "muted audio packet \(j) still decodes to sound (peak \(String(format: "%.1f", 20 * log10(Double(peak)))) dBFS), so the audio was not muted")
            }
        }
    }

    /// A raw AAC frame under the source packet's ADTS header: the same stream description,
    /// the new length, no CRC (the header says so), one raw data block.
    static func adtsFrame(header source: [UInt8], raw: [UInt8], label: String) throws(MediaError) -> [UInt8] {
        let length = 7 + raw.count
        guard AACConfig(adtsHeader: source) != nil, source[6] & 3 == 0, length < 1 << 13 else {
            throw MediaError(path: label, reason: "an ADTS frame with more than one raw data block, or too long, cannot be rewritten")
        }
        var h = Array(source.prefix(7))
        h[1] |= 1
        h[3] = (h[3] & 0xFC) | UInt8((length >> 11) & 0x3)
        h[4] = UInt8((length >> 3) & 0xFF)
        h[5] = (h[5] & 0x1F) | UInt8((length & 0x7) << 5)
        return h + raw
    }
}

/// What an AAC decoder must be told: object type, sampling frequency index and channel
/// configuration (ISO 14496-3 AudioSpecificConfig, or the same fields of an ADTS header).
struct AACConfig: Equatable, CustomStringConvertible {
    var objectType: Int
    var sampleRateIndex: Int
    var channelConfiguration: Int

    init?(audioSpecificConfig b: [UInt8]) {
        guard b.count >= 2 else { return nil }
        objectType = Int(b[0] >> 3)
        sampleRateIndex = Int((b[0] & 7) << 1 | b[1] >> 7)
        channelConfiguration = Int((b[1] >> 3) & 0xF)
        guard objectType != 31, sampleRateIndex != 15 else { return nil }
    }

    init?(adtsHeader b: [UInt8]) {
        guard b.count >= 7, b[0] == 0xFF, b[1] & 0xF6 == 0xF0 else { return nil }
        objectType = Int(b[2] >> 6) + 1
        sampleRateIndex = Int((b[2] >> 2) & 0xF)
        channelConfiguration = Int((b[2] & 1) << 2 | b[3] >> 6)
    }

    var description: String { "object type \(objectType), frequency index \(sampleRateIndex), channel configuration \(channelConfiguration)" }
}
