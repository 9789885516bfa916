/// H.264 and HEVC NAL units in their two framings: Annex B, each unit behind a start code (raw
/// streams, MPEG-TS, and what x264 and x265 write), and length-prefixed, each behind its
/// length (how a stream under an avcC or hvcC carries them in MP4 and Matroska).
public enum NALFraming {
    /// The units of an Annex B byte stream, without their start codes.
    static func units(annexB data: [UInt8]) -> [ArraySlice<UInt8>] {
        var found: [ArraySlice<UInt8>] = []
        KeyframeInspector(family: .other, lengthSize: 0).forEachNAL(data) { found.append($0); return true }
        return found
    }

    /// `units` as Annex B, each behind a four-byte start code, as x264 and x265 write them.
    static func annexB<S: Sequence>(_ units: S) -> [UInt8] where S.Element: Collection, S.Element.Element == UInt8 {
        var out: [UInt8] = []
        for unit in units {
            out += [0, 0, 0, 1]
            out += unit
        }
        return out
    }

    /// An Annex B access unit rewritten with `lengthSize`-byte NAL lengths, as an avcC or hvcC
    /// stream carries it (the muxer converts only when the stream's extradata is Annex B too).
    public static func lengthPrefixed(annexB packet: [UInt8], lengthSize: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(packet.count + 8)
        KeyframeInspector(family: .other, lengthSize: 0).forEachNAL(packet) { nal in
            for k in stride(from: lengthSize - 1, through: 0, by: -1) { out.append(UInt8(truncatingIfNeeded: nal.count >> (8 * k))) }
            out += nal
            return true
        }
        return out
    }

    /// The inverse: a length-prefixed access unit as Annex B, each NAL unit after a 4-byte
    /// start code, as x264 and x265 write them. Lengths that overrun the packet end it.
    public static func annexB(lengthPrefixed packet: [UInt8], lengthSize: Int) -> [UInt8] {
        var units: [ArraySlice<UInt8>] = []
        KeyframeInspector(family: .other, lengthSize: lengthSize).forEachNAL(packet) { units.append($0); return true }
        return annexB(units)
    }
}
