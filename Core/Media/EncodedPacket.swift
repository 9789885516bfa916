import CFFmpeg
import RedactSupport

/// One compressed packet as a value: its bytes, timing and flags exactly as the demuxer or
/// encoder gave them. Timestamps are in the time base of the stream (or segment) holding it.
public struct EncodedPacket: Equatable, Sendable {
    public struct SideData: Equatable, Sendable {
        public var type: UInt32
        public var bytes: [UInt8]
    }

    public var pts: Int64
    public var dts: Int64
    public var duration: Int64
    public var flags: Int32
    public var data: [UInt8]
    public var sideData: [SideData]

    public static let noTimestamp = rf_nopts()

    public var isKeyframe: Bool { flags & AV_PKT_FLAG_KEY != 0 }

    public init(pts: Int64, dts: Int64, duration: Int64, flags: Int32, data: [UInt8], sideData: [SideData] = []) {
        self.pts = pts
        self.dts = dts
        self.duration = duration
        self.flags = flags
        self.data = data
        self.sideData = sideData
    }

    /// Copies a demuxed or encoded packet.
    public init(_ pkt: UnsafePointer<AVPacket>) {
        let p = pkt.pointee
        pts = p.pts
        dts = p.dts
        duration = p.duration
        flags = p.flags
        data = p.data.map { Array(UnsafeBufferPointer(start: $0, count: Int(p.size))) } ?? []
        var side: [SideData] = []
        if let entries = p.side_data {
            for i in 0..<Int(p.side_data_elems) {
                let e = entries[i]
                side.append(SideData(type: numericCast(e.type.rawValue),
                                     bytes: Array(UnsafeBufferPointer(start: e.data, count: e.size))))
            }
        }
        sideData = side
    }

    /// Fills `pkt` (which must be blank) with a copy of this packet.
    public func fill(_ pkt: UnsafeMutablePointer<AVPacket>) throws(MediaError) {
        guard av_new_packet(pkt, Int32(data.count)) >= 0 else {
            throw MediaError(path: "", reason: "out of memory for a \(data.count)-byte packet")
        }
        if !data.isEmpty {
            data.withUnsafeBufferPointer { pkt.pointee.data.update(from: $0.baseAddress!, count: data.count) }
        }
        pkt.pointee.pts = pts
        pkt.pointee.dts = dts
        pkt.pointee.duration = duration
        pkt.pointee.flags = flags
        for entry in sideData {
            guard let dst = av_packet_new_side_data(pkt, AVPacketSideDataType(rawValue: numericCast(entry.type)), entry.bytes.count) else {
                throw MediaError(path: "", reason: "out of memory for packet side data")
            }
            if !entry.bytes.isEmpty {
                entry.bytes.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: entry.bytes.count) }
            }
        }
    }
}

/// An owned `AVPacket`, freed with its owner.
package final class PacketBuffer {
    package let pointer: UnsafeMutablePointer<AVPacket>

    package init() {
        guard let p = av_packet_alloc() else { fatalError("av_packet_alloc: out of memory") }
        pointer = p
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&p)
    }

    package func unref() { av_packet_unref(pointer) }
}
