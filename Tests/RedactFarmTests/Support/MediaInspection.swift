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
        input.selectStreams(Set(0..<input.streamCount).subtracting(try input.videoStreams()))
        var packets: [PacketKey] = []
        while let (stream, p) = try input.readPacket() {
            packets.append(PacketKey(stream: stream, pts: p.pts, dts: p.dts, duration: p.duration, data: p.data))
        }
        return packets
    }

    /// ffmpeg's framemd5 lines for the video, reduced to (stream, pts, duration): what must
    /// survive a re-encode unchanged. Each video stream's frames in order, the streams in turn
    /// (how a file interleaves several is the muxer's choice).
    static func videoTimestamps(_ path: String) throws -> [String] {
        let lines = try FFmpegOracle.frameMD5(path, streams: "0:v").map { line in
            let f = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return (stream: Int(f[0]) ?? -1, line: "\(f[0]) \(f[2]) \(f[3])")
        }
        return lines.enumerated().sorted { ($0.element.stream, $0.offset) < ($1.element.stream, $1.offset) }.map(\.element.line)
    }
}
