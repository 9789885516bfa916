@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction

/// What tests compare between an input and an output.
enum MediaInspection {
    struct PacketKey: Equatable {
        var stream: Int
        var pts: Int64
        var dts: Int64
        var duration: Int64
        var data: [UInt8]
    }

    /// Every packet of every stream but the video, with its timing and bytes.
    static func nonVideoPackets(_ path: String) throws -> [PacketKey] {
        let input = try MediaInput(path: path)
        let video = try input.primaryVideoStream()
        input.selectStreams(Set(0..<input.streamCount).subtracting([video]))
        var packets: [PacketKey] = []
        while let (stream, p) = try input.readPacket() {
            packets.append(PacketKey(stream: stream, pts: p.pts, dts: p.dts, duration: p.duration, data: p.data))
        }
        return packets
    }

    /// ffmpeg's framemd5 lines for the video, reduced to (pts, duration): what must survive a
    /// re-encode unchanged.
    static func videoTimestamps(_ path: String) throws -> [String] {
        try FFmpegOracle.frameMD5(path, streams: "0:v").map { line in
            let f = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return "\(f[2]) \(f[3])"
        }
    }
}
