import CFFmpeg
import Foundation
import RedactSupport

/// One GOP-aligned piece of a video stream, as a self-contained value: the codec parameters
/// needed to decode it, its time base, and its packets in decode order. The first
/// `decodePrefixCount` packets are a decode-only prefix (the previous GOP, carried where the
/// segment starts at an open-GOP point whose leading pictures reference it, or so a worker can
/// look back across the cut); the last `contextSuffixCount` are the first frames of the next
/// GOP, carried so a worker can look a little past its end (a face first found just after
/// a cut is then hidden in the frames before it too). Neither is ever output; the packets in
/// between are the ones the segment owns.
///
/// RedactFarm keeps segments in its own small format (`.rfseg`, documented in
/// docs/segment-format.md) rather than in MP4/MKV/NUT: each of those rewrites something on a
/// round trip (Matroska rounds to milliseconds, MP4 adds edit lists, NUT rebuilds DTS), and
/// frame-exactness is the one property this layer exists for.
public struct SegmentFile: Equatable, Sendable {
    public static let magic: [UInt8] = Array("RFSEG\u{0}\u{0}".utf8) + [2]
    public static let fileExtension = "rfseg"

    public var codec: CodecParameters
    public var timeBase: Rational
    public var decodePrefixCount: Int
    public var contextSuffixCount: Int
    public var packets: [EncodedPacket]

    public init(codec: CodecParameters, timeBase: Rational, decodePrefixCount: Int, contextSuffixCount: Int = 0,
                packets: [EncodedPacket]) {
        self.codec = codec
        self.timeBase = timeBase
        self.decodePrefixCount = decodePrefixCount
        self.contextSuffixCount = contextSuffixCount
        self.packets = packets
    }

    /// The packets this segment contributes to the output.
    public var ownedPackets: ArraySlice<EncodedPacket> { packets[decodePrefixCount..<(packets.count - contextSuffixCount)] }
    /// The owned packets whose frames are shown: not those an MP4 edit list leaves unshown
    /// (flagged discard), which are decoded for reference only. The segment's frames.
    public var shownPackets: [EncodedPacket] { ownedPackets.filter { $0.flags & AV_PKT_FLAG_DISCARD == 0 } }

    /// Everything up to the last owned packet: what must be decoded to get the owned frames.
    public var packetsThroughOwned: ArraySlice<EncodedPacket> { packets[..<(packets.count - contextSuffixCount)] }

    /// The trailing context: the first frames of the next GOP, never output.
    public var contextSuffix: ArraySlice<EncodedPacket> { packets[(packets.count - contextSuffixCount)...] }

    /// The latest presentation timestamp among the owned packets.
    public var lastOwnedPts: Int64 { ownedPackets.map(\.pts).max() ?? .min }

    public func encoded() -> [UInt8] {
        var w = BinaryWriter(reservingCapacity: packets.reduce(256) { $0 + $1.data.count + 40 })
        serialize(into: &w)
        return w.bytes
    }

    /// Writes the segment to `path` atomically and returns its size and SHA-256, computed
    /// from the bytes as they are written.
    public func write(to path: String, durable: Bool) throws(MediaError) -> (byteSize: Int, sha256: String) {
        // 0600: a segment holds footage before (or after) redaction and is for this user only.
        try AtomicOutput.writeHashed(to: path, durable: durable, mode: 0o600) { serialize(into: &$0) }
    }

    public func serialize<Sink: ByteSink>(into w: inout Sink) {
        w.write(Self.magic)
        Self.write(codec, to: &w)
        w.write(timeBase.num)
        w.write(timeBase.den)
        w.write(UInt32(decodePrefixCount))
        w.write(UInt32(contextSuffixCount))
        w.write(UInt32(packets.count))
        for p in packets {
            w.write(p.pts)
            w.write(p.dts)
            w.write(p.duration)
            w.write(p.flags)
            w.writeBlob(p.data)
            w.write(UInt16(p.sideData.count))
            for s in p.sideData {
                w.write(s.type)
                w.writeBlob(s.bytes)
            }
        }
    }

    /// Parses a segment; `path` only names it in errors.
    public init(decoding bytes: UnsafeRawBufferPointer, path: String) throws(MediaError) {
        try self.init(decoding: bytes, path: path, payloads: true)
    }

    /// A segment's structure only: every packet's timing and flags, with no payload or side
    /// data (a check of counts and timestamps need not copy a re-encoded segment's megabytes).
    /// Not decodable: every packet is empty.
    public init(timingOnly bytes: [UInt8], path: String) throws(MediaError) {
        try self.init(bytes, path: path, payloads: false)
    }

    private init(decoding bytes: UnsafeRawBufferPointer, path: String, payloads: Bool) throws(MediaError) {
        var r = BinaryReader(bytes)
        do {
            let magic = Array(try r.readSlice(count: Self.magic.count))
            guard magic == Self.magic else {
                throw MediaError(path: path, reason: "not a RedactFarm segment (bad magic)")
            }
            codec = try Self.readCodec(&r)
            timeBase = Rational(num: try r.read(), den: try r.read())
            guard timeBase.num > 0, timeBase.den > 0 else {
                throw MediaError(path: path, reason: "segment has an invalid time base \(timeBase)")
            }
            decodePrefixCount = Int(try r.read(UInt32.self))
            contextSuffixCount = Int(try r.read(UInt32.self))
            let count = Int(try r.read(UInt32.self))
            guard decodePrefixCount + contextSuffixCount <= count, count <= r.remaining / 34 else {
                throw MediaError(path: path, reason: "segment header claims \(count) packets, which the file cannot hold")
            }
            var packets: [EncodedPacket] = []
            packets.reserveCapacity(count)
            func blob() throws -> [UInt8] {
                guard payloads else { try r.skipBlob(maxCount: r.remaining); return [] }
                return try r.readBlob(maxCount: r.remaining)
            }
            for _ in 0..<count {
                var p = EncodedPacket(pts: try r.read(), dts: try r.read(), duration: try r.read(), flags: try r.read(), data: try blob())
                let sideCount = Int(try r.read(UInt16.self))
                for _ in 0..<sideCount {
                    let type: UInt32 = try r.read()
                    let bytes = try blob()
                    if payloads { p.sideData.append(.init(type: type, bytes: bytes)) }
                }
                packets.append(p)
            }
            guard r.isAtEnd else {
                throw MediaError(path: path, reason: "\(r.remaining) unexpected bytes after the last packet")
            }
            self.packets = packets
        } catch let error as MediaError {
            throw error
        } catch {
            throw MediaError(path: path, reason: "segment is damaged: \(error)")
        }
    }

    /// Decodes a segment held in memory (a worker's, received over the network).
    public init(bytes: [UInt8], path: String) throws(MediaError) {
        try self.init(bytes, path: path, payloads: true)
    }

    private init(_ bytes: [UInt8], path: String, payloads: Bool) throws(MediaError) {
        let parsed = bytes.withUnsafeBytes { raw in
            Result { () throws(MediaError) in try SegmentFile(decoding: raw, path: path, payloads: payloads) }
        }
        self = try parsed.get()
    }

    public static func read(path: String) throws(MediaError) -> (segment: SegmentFile, sha256: String) {
        let bytes = try FileBytes.read(path)
        return (try SegmentFile(bytes: bytes, path: path), SHA256Hex.of(bytes))
    }

    private static func write<Sink: ByteSink>(_ c: CodecParameters, to w: inout Sink) {
        w.write(c.mediaType); w.write(c.codecID); w.write(c.codecTag); w.writeBlob(c.extradata)
        w.write(c.format); w.write(c.bitRate); w.write(c.bitsPerCodedSample); w.write(c.bitsPerRawSample)
        w.write(c.profile); w.write(c.level); w.write(c.width); w.write(c.height)
        w.write(c.sampleAspectRatio.num); w.write(c.sampleAspectRatio.den)
        w.write(c.fieldOrder); w.write(c.colorRange); w.write(c.colorPrimaries); w.write(c.colorTransfer)
        w.write(c.colorSpace); w.write(c.chromaLocation); w.write(c.videoDelay)
    }

    /// FFmpeg's defaults for every field, as a starting point.
    static func blankCodec() throws(MediaError) -> CodecParameters {
        guard let par = avcodec_parameters_alloc() else { throw MediaError(path: "", reason: "out of memory") }
        var owned: UnsafeMutablePointer<AVCodecParameters>? = par
        defer { avcodec_parameters_free(&owned) }
        return CodecParameters(par)
    }

    private static func readCodec(_ r: inout BinaryReader) throws -> CodecParameters {
        var c = try blankCodec()
        c.mediaType = try r.read(); c.codecID = try r.read(); c.codecTag = try r.read()
        c.extradata = try r.readBlob(maxCount: 1 << 24)
        c.format = try r.read(); c.bitRate = try r.read(); c.bitsPerCodedSample = try r.read()
        c.bitsPerRawSample = try r.read(); c.profile = try r.read(); c.level = try r.read()
        c.width = try r.read(); c.height = try r.read()
        c.sampleAspectRatio = Rational(num: try r.read(), den: try r.read())
        c.fieldOrder = try r.read(); c.colorRange = try r.read(); c.colorPrimaries = try r.read()
        c.colorTransfer = try r.read(); c.colorSpace = try r.read(); c.chromaLocation = try r.read()
        c.videoDelay = try r.read()
        return c
    }
}
