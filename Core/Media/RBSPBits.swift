/// A NAL unit's payload as the raw byte sequence its syntax is written in (RBSP): the
/// emulation-prevention bytes taken out to read or rewrite fields, and put back after.
enum RBSP {
    /// `escaped` without its emulation-prevention bytes (the 03 of each 00 00 03).
    static func unescaped<C: Collection>(_ escaped: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(escaped.count)
        var zeros = 0
        for byte in escaped {
            if zeros >= 2, byte == 3 {
                zeros = 0
                continue
            }
            zeros = byte == 0 ? zeros + 1 : 0
            out.append(byte)
        }
        return out
    }

    /// `raw` with an emulation-prevention byte wherever two zeros would be followed by a byte
    /// of 3 or less, and after a final zero (a trailing cabac_zero_word), as H.264 and HEVC
    /// encoders write them: for bytes an encoder escaped, the same bytes back.
    static func escaped(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count + raw.count / 64 + 1)
        var zeros = 0
        for byte in raw {
            if zeros >= 2, byte <= 3 {
                out.append(3)
                zeros = 0
            }
            out.append(byte)
            zeros = byte == 0 ? zeros + 1 : 0
        }
        if out.last == 0 { out.append(3) }
        return out
    }
}

/// Reads bits and unsigned Exp-Golomb codes, most significant bit first.
struct BitReader {
    let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var bitsLeft: Int { bytes.count * 8 - position }

    mutating func bit() -> Int? {
        guard position < bytes.count * 8 else { return nil }
        defer { position += 1 }
        return Int(bytes[position / 8] >> (7 - position % 8)) & 1
    }

    mutating func bits(_ n: Int) -> Int? {
        var value = 0
        for _ in 0..<n {
            guard let b = bit() else { return nil }
            value = value << 1 | b
        }
        return value
    }

    mutating func skip(_ n: Int) -> Bool {
        guard n <= bitsLeft else { return false }
        position += n
        return true
    }

    mutating func ue() -> Int? {
        var leading = 0
        while true {
            guard let b = bit() else { return nil }
            if b == 1 { break }
            leading += 1
            if leading > 31 { return nil }
        }
        guard let rest = bits(leading) else { return nil }
        return (1 << leading) - 1 + rest
    }
}

/// Writes bits and unsigned Exp-Golomb codes, most significant bit first.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    var isByteAligned: Bool { count % 8 == 0 }

    mutating func bit(_ b: Int) {
        if count % 8 == 0 { bytes.append(0) }
        if b != 0 { bytes[bytes.count - 1] |= UInt8(0x80 >> (count % 8)) }
        count += 1
    }

    mutating func bits(_ value: Int, _ n: Int) {
        for k in stride(from: n - 1, through: 0, by: -1) { bit((value >> k) & 1) }
    }

    mutating func ue(_ value: Int) {
        let code = value + 1
        let length = Int.bitWidth - code.leadingZeroBitCount
        bits(0, length - 1)
        bits(code, length)
    }

    /// Whole bytes, written once the writer is byte-aligned.
    mutating func append<C: Collection>(bytes more: C) where C.Element == UInt8 {
        precondition(isByteAligned)
        bytes += more
        count += more.count * 8
    }
}
