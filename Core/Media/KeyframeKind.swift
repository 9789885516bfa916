import CFFmpeg

/// What kind of random-access point a keyframe is. Only some are clean cuts: decoding can
/// start at an IDR and reproduce every following frame, while an H.264 recovery-point I-frame
/// or an HEVC CRA may be followed (in decode order) by leading pictures that reference the
/// GOP before it.
public enum KeyframeKind: String, Codable, Sendable {
    /// H.264 / HEVC instantaneous decoder refresh.
    case idr
    /// HEVC clean random access: open GOP when RASL pictures follow.
    case cra
    /// HEVC broken-link access.
    case bla
    /// H.264 I-frame with a recovery-point SEI but not IDR (x264 --open-gop).
    case recoveryPoint = "recovery-point"
    /// H.264 I-frame flagged as a keyframe with neither IDR nor a recovery point.
    case nonIDR = "non-idr"
    /// Any other codec's keyframe (MPEG-4 Part 2, MJPEG, ...).
    case intra

    /// Whether starting to decode here may lose or corrupt pictures that follow, even when
    /// none has an earlier timestamp.
    public var isOpenByKind: Bool {
        switch self {
        case .idr, .intra: false
        case .cra, .bla, .recoveryPoint, .nonIDR: true
        }
    }
}

/// Reads NAL unit types out of H.264 and HEVC keyframes, in Annex B or in the length-prefixed
/// form MP4 and Matroska use (the length size comes from the avcC/hvcC extradata).
public struct KeyframeInspector: Sendable {
    enum Family { case h264, hevc, other }

    let family: Family
    /// 0 for Annex B start codes, else the size of each NAL length prefix.
    let lengthSize: Int

    public init(codec: CodecParameters) {
        switch AVCodecID(rawValue: numericCast(codec.codecID)) {
        case AV_CODEC_ID_H264: family = .h264
        case AV_CODEC_ID_HEVC: family = .hevc
        default: family = .other
        }
        let x = codec.extradata
        switch family {
        case .h264: lengthSize = H264ParameterSets.lengthSize(ofAVCC: x) ?? 0
        case .hevc where x.count >= 23 && x[0] == 1: lengthSize = Int(x[21] & 3) + 1
        default: lengthSize = 0
        }
    }

    /// H.264 with NAL units behind `h264LengthSize`-byte lengths, or in Annex B when 0.
    init(h264LengthSize: Int) {
        self.init(family: .h264, lengthSize: h264LengthSize)
    }

    init(family: Family, lengthSize: Int) {
        self.family = family
        self.lengthSize = lengthSize
    }

    /// The size of each NAL length prefix in the codec's packets, or nil for Annex B.
    public var nalLengthSize: Int? { lengthSize > 0 ? lengthSize : nil }

    public func kind(of packet: [UInt8]) -> KeyframeKind {
        switch family {
        case .other: return .intra
        case .h264:
            var sawRecovery = false
            var kind: KeyframeKind? = nil
            forEachNAL(packet) { nal in
                let type = nal[nal.startIndex] & 0x1F
                if type == 5 { kind = .idr; return false }
                if type == 6, Self.seiHasRecoveryPoint(nal) { sawRecovery = true }
                if type == 1 { kind = sawRecovery ? .recoveryPoint : .nonIDR; return false }
                return true
            }
            return kind ?? (sawRecovery ? .recoveryPoint : .nonIDR)
        case .hevc:
            var kind: KeyframeKind = .intra
            forEachNAL(packet) { nal in
                let type = (nal[nal.startIndex] >> 1) & 0x3F
                guard type < 32 else { return true }  // parameter sets, SEI, AUD
                switch type {
                case 16...18: kind = .bla
                case 19, 20: kind = .idr
                case 21: kind = .cra
                default: kind = .nonIDR
                }
                return false
            }
            return kind
        }
    }

    /// Whether an HEVC picture brings a VPS, an SPS and a PPS with it (NAL types 32-34).
    public func carriesHEVCParameterSets(_ packet: [UInt8]) -> Bool {
        guard family == .hevc else { return false }
        var types = Set<UInt8>()
        forEachNAL(packet) { nal in
            types.insert((nal[nal.startIndex] >> 1) & 0x3F)
            return true
        }
        return types.isSuperset(of: [32, 33, 34])
    }

    /// Calls `body` with each NAL unit's bytes until it returns false.
    func forEachNAL(_ data: [UInt8], _ body: (ArraySlice<UInt8>) -> Bool) {
        if lengthSize > 0 {
            var i = 0
            while i + lengthSize <= data.count {
                var length = 0
                for k in 0..<lengthSize { length = length << 8 | Int(data[i + k]) }
                i += lengthSize
                guard length > 0, i + length <= data.count else { return }
                if !body(data[i..<i + length]) { return }
                i += length
            }
            return
        }
        // Annex B: a NAL starts after 00 00 01 and runs to the next start code.
        var starts: [Int] = []
        var i = 0
        while i + 2 < data.count {
            if data[i] == 0, data[i + 1] == 0, data[i + 2] == 1 {
                starts.append(i + 3)
                i += 3
            } else {
                i += 1
            }
        }
        for (n, start) in starts.enumerated() {
            var end = n + 1 < starts.count ? starts[n + 1] - 3 : data.count
            while end > start, data[end - 1] == 0 { end -= 1 }
            guard end > start else { continue }
            if !body(data[start..<end]) { return }
        }
    }

    /// SEI payload type 6 is the recovery point. Emulation-prevention bytes are not removed:
    /// only the payload-type bytes are needed and sizes that contain them are rare.
    static func seiHasRecoveryPoint(_ nal: ArraySlice<UInt8>) -> Bool {
        var i = nal.startIndex + 1
        while i < nal.endIndex, nal[i] != 0x80 {
            var type = 0
            while i < nal.endIndex, nal[i] == 0xFF { type += 255; i += 1 }
            guard i < nal.endIndex else { return false }
            type += Int(nal[i]); i += 1
            var size = 0
            while i < nal.endIndex, nal[i] == 0xFF { size += 255; i += 1 }
            guard i < nal.endIndex else { return false }
            size += Int(nal[i]); i += 1
            if type == 6 { return true }
            i += size
        }
        return false
    }
}
