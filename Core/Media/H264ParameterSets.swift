/// The H.264 sequence and picture parameter sets a stream declares, by id, read from avcC or
/// Annex B extradata and from packets. Copied source GOPs and re-encoded ones can share one
/// stream only if their parameter sets have distinct ids (a decoder keeps every id it has
/// seen and each slice names the one it uses), and, where the container keeps parameter sets
/// out of band (MP4's avc1, Matroska), only if one avcC lists both.
public struct H264ParameterSets: Equatable, Sendable {
    /// NAL units without start codes or length prefixes.
    public var sequence: [[UInt8]] = []
    public var picture: [[UInt8]] = []

    public init() {}

    /// What `extradata` declares: an avcC record (first byte 1) or Annex B NAL units.
    public init(extradata: [UInt8]) {
        if extradata.first == 1 {
            self = Self.parseAVCC(extradata)?.sets ?? H264ParameterSets()
        } else {
            add(packet: extradata, inspector: KeyframeInspector(h264LengthSize: 0))
        }
    }

    /// Adds the parameter sets carried in band by a packet.
    mutating func add(packet: [UInt8], inspector: KeyframeInspector) {
        inspector.forEachNAL(packet) { nal in
            switch nal[nal.startIndex] & 0x1F {
            case 7: if !sequence.contains(Array(nal)) { sequence.append(Array(nal)) }
            case 8: if !picture.contains(Array(nal)) { picture.append(Array(nal)) }
            default: break
            }
            return true
        }
    }

    public var sequenceIDs: Set<Int> { Set(sequence.compactMap(Self.sequenceID)) }
    public var pictureIDs: Set<Int> { Set(picture.compactMap(Self.pictureID)) }

    /// The lowest id neither an SPS nor a PPS here uses (x264 numbers its PPS as its SPS).
    public var freeID: Int? {
        let used = sequenceIDs.union(pictureIDs)
        return (0...31).first { !used.contains($0) }
    }

    /// An avcC record listing `first`'s parameter sets and then `second`'s. Its profile is the
    /// highest of the two, its compatibility flags those both meet and its level the higher.
    /// `template`: an avcC whose header (and High-profile tail) is kept otherwise.
    public static func mergedAVCC(_ first: H264ParameterSets, _ second: H264ParameterSets, template: [UInt8]) -> [UInt8]? {
        guard template.count >= 7, template[0] == 1 else { return nil }
        let sps = first.sequence + second.sequence.filter { !first.sequence.contains($0) }
        let pps = first.picture + second.picture.filter { !first.picture.contains($0) }
        guard !sps.isEmpty, sps.count <= 31, !pps.isEmpty, pps.count <= 255, sps.allSatisfy({ $0.count >= 4 }) else { return nil }
        var out: [UInt8] = [1, sps.map { $0[1] }.max()!, sps.map { $0[2] }.reduce(0xFF, &), sps.map { $0[3] }.max()!,
                            template[4], 0xE0 | UInt8(sps.count)]
        for s in sps { out += [UInt8(s.count >> 8), UInt8(s.count & 0xFF)] + s }
        out.append(UInt8(pps.count))
        for p in pps { out += [UInt8(p.count >> 8), UInt8(p.count & 0xFF)] + p }
        // High profiles end with chroma format, bit depths and SPS extensions (none here).
        if [100, 110, 122, 144, 244].contains(Int(out[1])), let tail = highProfileTail(of: template) { out += tail }
        return out
    }

    /// The size of an avcC's NAL length fields.
    public static func lengthSize(ofAVCC x: [UInt8]) -> Int? {
        x.count >= 7 && x[0] == 1 ? Int(x[4] & 3) + 1 : nil
    }

    /// The parameter sets of an avcC record and where they end.
    private static func parseAVCC(_ x: [UInt8]) -> (sets: H264ParameterSets, end: Int)? {
        var i = 5
        func readSets(countMask: UInt8) -> [[UInt8]]? {
            guard i < x.count else { return nil }
            let count = Int(x[i] & countMask)
            i += 1
            var found: [[UInt8]] = []
            for _ in 0..<count {
                guard i + 2 <= x.count else { return nil }
                let length = Int(x[i]) << 8 | Int(x[i + 1])
                i += 2
                guard i + length <= x.count else { return nil }
                found.append(Array(x[i..<i + length]))
                i += length
            }
            return found
        }
        guard let sps = readSets(countMask: 0x1F), let pps = readSets(countMask: 0xFF) else { return nil }
        var sets = H264ParameterSets()
        sets.sequence = sps
        sets.picture = pps
        return (sets, i)
    }

    /// A High-profile avcC's last fields: chroma format and bit depths, then no SPS extension.
    private static func highProfileTail(of x: [UInt8]) -> [UInt8]? {
        guard let end = parseAVCC(x)?.end, x.count >= end + 4 else { return nil }
        return Array(x[end..<end + 3]) + [0]
    }

    /// `seq_parameter_set_id`, after profile, constraint flags and level.
    static func sequenceID(_ nal: [UInt8]) -> Int? {
        var reader = BitReader(RBSP.unescaped(nal.dropFirst(1)))
        guard reader.skip(24) else { return nil }
        return reader.ue()
    }

    /// `pic_parameter_set_id`, the first field.
    static func pictureID(_ nal: [UInt8]) -> Int? {
        var reader = BitReader(RBSP.unescaped(nal.dropFirst(1)))
        return reader.ue()
    }

    /// The SPS id a picture parameter set refers to.
    static func sequenceIDOfPicture(_ nal: [UInt8]) -> Int? {
        var reader = BitReader(RBSP.unescaped(nal.dropFirst(1)))
        guard reader.ue() != nil else { return nil }
        return reader.ue()
    }
}
