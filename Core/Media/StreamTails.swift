import CFFmpeg
import RedactSupport

/// Holds back the newest packet of each output stream so the last one can be trimmed to the
/// end the source declared. Matroska stores a track's end only as a DURATION tag, while its
/// packets report whole codec frames (an AAC frame is 1024 samples even when the encoder
/// trimmed the last one), so a plain remux would lengthen the file. Only ever shortens, and
/// only within the last packet: no sample or frame is dropped.
struct StreamTails {
    private var held: [Int: (packet: EncodedPacket, timeBase: Rational)] = [:]
    /// Declared end per output stream, in that stream's source time base.
    private let declaredEnds: [Int: Int64]

    init(declaredEnds: [Int: Int64]) {
        self.declaredEnds = declaredEnds
    }

    mutating func write(_ p: EncodedPacket, stream: Int, timeBase: Rational, to output: MediaOutput) throws(MediaError) {
        if let previous = held[stream] {
            try output.write(previous.packet, stream: stream, timeBase: previous.timeBase)
        }
        held[stream] = (p, timeBase)
    }

    /// Writes `stream`'s held packet now, where it must precede what follows (the end of a
    /// movie fragment); kept where the stream declares an end its last packet may be trimmed to.
    mutating func release(stream: Int, to output: MediaOutput) throws(MediaError) {
        guard declaredEnds[stream] == nil, let previous = held.removeValue(forKey: stream) else { return }
        try output.write(previous.packet, stream: stream, timeBase: previous.timeBase)
    }

    mutating func finish(to output: MediaOutput) throws(MediaError) {
        for (stream, entry) in held.sorted(by: { $0.key < $1.key }) {
            var p = entry.packet
            if let end = declaredEnds[stream], p.pts != EncodedPacket.noTimestamp, p.pts < end, end < p.pts + p.duration {
                p.duration = end - p.pts
            }
            try output.write(p, stream: stream, timeBase: entry.timeBase)
        }
        held = [:]
    }

    /// Where a source stream says it ends, in its own time base, when it says so explicitly:
    /// Matroska's per-track DURATION tag ("HH:MM:SS.nnnnnnnnn").
    static func declaredEnd(of st: UnsafeMutablePointer<AVStream>) -> Int64? {
        guard let tag = av_dict_get(st.pointee.metadata, "DURATION", nil, 0) else { return nil }
        let parts = String(cString: tag.pointee.value).split(separator: ":")
        guard parts.count == 3, let h = Double(parts[0]), let m = Double(parts[1]), let s = Double(parts[2]) else { return nil }
        let seconds = h * 3600 + m * 60 + s
        // The muxer writes the absolute end (last pts + duration), not a length from the start.
        let tb = st.pointee.time_base
        return Int64((seconds * Double(tb.den) / Double(tb.num)).rounded())
    }
}
