/// The HEVC parameter sets a stream declares (VPS, SPS, PPS), read from an hvcC record or
/// Annex B extradata and from packets. As with H.264 (`H264ParameterSets`), copied source GOPs
/// and re-encoded ones can share a stream whose container keeps its parameter sets out of
/// band (MP4's hvc1, Matroska) only if their sets have distinct ids and one hvcC lists both.
public struct HEVCParameterSets: Equatable, Sendable {
    /// NAL units (two-byte header included) without start codes or length prefixes.
    public var video: [[UInt8]] = []
    public var sequence: [[UInt8]] = []
    public var picture: [[UInt8]] = []

    static let videoType = 32, sequenceType = 33, pictureType = 34

    public init() {}

    /// What `extradata` declares: an hvcC record (first byte 1) or Annex B NAL units.
    public init(extradata: [UInt8]) {
        if extradata.first == 1 {
            for array in Self.arrays(ofHVCC: extradata) ?? [] {
                for nal in array.nals { add(nal: nal[...]) }
            }
        } else {
            add(packet: extradata, inspector: KeyframeInspector(family: .hevc, lengthSize: 0))
        }
    }

    /// Adds the parameter sets carried in band by a packet.
    mutating func add(packet: [UInt8], inspector: KeyframeInspector) {
        inspector.forEachNAL(packet) { nal in
            add(nal: nal)
            return true
        }
    }

    private mutating func add(nal: ArraySlice<UInt8>) {
        guard nal.count >= 3 else { return }
        let unit = Array(nal)
        switch Self.type(unit) {
        case Self.videoType: if !video.contains(unit) { video.append(unit) }
        case Self.sequenceType: if !sequence.contains(unit) { sequence.append(unit) }
        case Self.pictureType: if !picture.contains(unit) { picture.append(unit) }
        default: break
        }
    }

    /// Every id a VPS, SPS or PPS here uses (nil: one could not be read).
    public var ids: Set<Int>? {
        var used = Set<Int>()
        for (sets, read) in [(video, Self.videoID), (sequence, Self.sequenceID), (picture, Self.pictureID)] {
            for nal in sets {
                guard let id = read(nal) else { return nil }
                used.insert(id)
            }
        }
        return used
    }

    static func type<C: Collection>(_ nal: C) -> Int where C.Element == UInt8, C.Index == Int {
        Int((nal[nal.startIndex] >> 1) & 0x3F)
    }

    /// `vps_video_parameter_set_id`: the payload's first four bits.
    static func videoID(_ nal: [UInt8]) -> Int? {
        nal.count >= 3 ? Int(nal[2] >> 4) : nil
    }

    /// `sps_seq_parameter_set_id`, after the VPS id, the sub-layer count and the profile,
    /// tier and level.
    static func sequenceID(_ nal: [UInt8]) -> Int? {
        var reader = BitReader(RBSP.unescaped(nal.dropFirst(2)))
        guard reader.skipToSequenceID() else { return nil }
        return reader.ue()
    }

    /// `pps_pic_parameter_set_id`, the first field.
    static func pictureID(_ nal: [UInt8]) -> Int? {
        var reader = BitReader(RBSP.unescaped(nal.dropFirst(2)))
        return reader.ue()
    }

    /// `general_level_idc` of an SPS.
    static func levelOfSequence(_ nal: [UInt8]) -> UInt8? {
        let rbsp = RBSP.unescaped(nal.dropFirst(2))
        return rbsp.count > 12 ? rbsp[12] : nil
    }

    // MARK: hvcC

    struct NALArray: Equatable {
        /// array_completeness, reserved bit and NAL unit type, as the record has them.
        var header: UInt8
        var nals: [[UInt8]]
        var type: Int { Int(header & 0x3F) }
    }

    /// An hvcC record's NAL unit arrays, or nil when it is cut short.
    static func arrays(ofHVCC x: [UInt8]) -> [NALArray]? {
        guard x.count >= 23, x[0] == 1 else { return nil }
        var i = 23, arrays: [NALArray] = []
        for _ in 0..<Int(x[22]) {
            guard i + 3 <= x.count else { return nil }
            var array = NALArray(header: x[i], nals: [])
            let count = Int(x[i + 1]) << 8 | Int(x[i + 2])
            i += 3
            for _ in 0..<count {
                guard i + 2 <= x.count else { return nil }
                let length = Int(x[i]) << 8 | Int(x[i + 1])
                i += 2
                guard i + length <= x.count else { return nil }
                array.nals.append(Array(x[i..<i + length]))
                i += length
            }
            arrays.append(array)
        }
        return arrays
    }

    /// The source's hvcC with `ours` listed before its own VPS, SPS and PPS (a reader of the
    /// first SPS alone finds the stream as re-encoded, whose timing states the source's rate),
    /// and every other array of the source's after them. Its header is the source's but for
    /// the level, the higher of the two.
    public static func mergedHVCC(_ ours: HEVCParameterSets, source x: [UInt8]) -> [UInt8]? {
        guard var arrays = arrays(ofHVCC: x), !ours.video.isEmpty, !ours.sequence.isEmpty, !ours.picture.isEmpty else { return nil }
        for (type, mine) in [(videoType, ours.video), (sequenceType, ours.sequence), (pictureType, ours.picture)] {
            if let k = arrays.firstIndex(where: { $0.type == type }) {
                arrays[k].nals = mine + arrays[k].nals.filter { !mine.contains($0) }
            } else {
                arrays.append(NALArray(header: 0x80 | UInt8(type), nals: mine))
            }
        }
        // VPS, SPS, PPS first, in that order, as readers expect; the others as they came.
        let sets = [videoType, sequenceType, pictureType].compactMap { type in arrays.first { $0.type == type } }
        arrays = sets + arrays.filter { ![videoType, sequenceType, pictureType].contains($0.type) }
        var out = Array(x[0..<22])
        if let level = ours.sequence.compactMap(levelOfSequence).max() { out[12] = max(out[12], level) }
        out.append(UInt8(arrays.count))
        for array in arrays {
            guard array.nals.count <= 0xFFFF, array.nals.allSatisfy({ $0.count <= 0xFFFF }) else { return nil }
            out += [array.header, UInt8(array.nals.count >> 8), UInt8(array.nals.count & 0xFF)]
            for nal in array.nals { out += [UInt8(nal.count >> 8), UInt8(nal.count & 0xFF)] + nal }
        }
        return out
    }
}

extension BitReader {
    /// Past an SPS's VPS id, sub-layer count, nesting flag and profile_tier_level, to its id.
    mutating func skipToSequenceID() -> Bool {
        guard skip(4), let maxSubLayersMinus1 = bits(3), skip(1), skip(96) else { return false }
        var present: [(profile: Bool, level: Bool)] = []
        for _ in 0..<maxSubLayersMinus1 {
            guard let p = bit(), let l = bit() else { return false }
            present.append((p == 1, l == 1))
        }
        if maxSubLayersMinus1 > 0, !skip(2 * (8 - maxSubLayersMinus1)) { return false }
        for p in present {
            if p.profile, !skip(88) { return false }
            if p.level, !skip(8) { return false }
        }
        return true
    }
}
