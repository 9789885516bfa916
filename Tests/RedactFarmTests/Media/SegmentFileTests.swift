@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

@Suite struct SegmentFileTests {
    func sample() throws -> SegmentFile {
        var codec = try SegmentFile.blankCodec()
        codec.codecID = 27
        codec.width = 320
        codec.height = 240
        codec.extradata = [1, 2, 3, 4, 5]
        codec.sampleAspectRatio = Rational(num: 4, den: 3)
        let packets = (0..<7).map { i in
            EncodedPacket(pts: Int64(i * 3), dts: Int64(i * 3 - 6), duration: 3, flags: i == 0 ? 1 : 0,
                          data: Array(repeating: UInt8(i), count: 10 + i),
                          sideData: i == 2 ? [.init(type: 7, bytes: [9, 9])] : [])
        }
        return SegmentFile(codec: codec, timeBase: Rational(num: 1, den: 90000), decodePrefixCount: 2, contextSuffixCount: 2, packets: packets)
    }

    @Test func roundTripsEveryField() throws {
        let segment = try sample()
        let bytes = segment.encoded()
        let decoded = try bytes.withUnsafeBytes { try SegmentFile(decoding: $0, path: "mem") }
        #expect(decoded == segment)
        #expect(decoded.ownedPackets.map(\.pts) == [6, 9, 12])
        #expect(decoded.contextSuffix.map(\.pts) == [15, 18])
    }

    @Test func everyTruncationIsAnErrorNotACrash() throws {
        let bytes = try sample().encoded()
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: MediaError.self) {
                try Array(bytes.prefix(cut)).withUnsafeBytes { try SegmentFile(decoding: $0, path: "cut") }
            }
            #expect(throws: MediaError.self) { try SegmentFile(timingOnly: Array(bytes.prefix(cut)), path: "cut") }
        }
        #expect(throws: MediaError.self) { try SegmentFile(timingOnly: bytes + [0], path: "long") }
    }

    /// What the coordinator checks a returned segment with: the same structure and timing as
    /// the full parse, no payload.
    @Test func timingOnlyIsTheFullParseWithoutPayloads() throws {
        let segment = try sample()
        let timing = try SegmentFile(timingOnly: segment.encoded(), path: "mem")
        #expect(timing.codec == segment.codec && timing.timeBase == segment.timeBase)
        #expect(timing.decodePrefixCount == 2 && timing.contextSuffixCount == 2)
        #expect(timing.packets.map { [$0.pts, $0.dts, $0.duration, Int64($0.flags)] } == segment.packets.map { [$0.pts, $0.dts, $0.duration, Int64($0.flags)] })
        #expect(timing.packets.allSatisfy { $0.data.isEmpty && $0.sideData.isEmpty })
        #expect(timing.ownedPackets.map(\.pts) == [6, 9, 12])
    }

    @Test func trailingBytesAndBadMagicAreRefused() throws {
        let bytes = try sample().encoded()
        #expect(throws: MediaError.self) {
            try (bytes + [0]).withUnsafeBytes { try SegmentFile(decoding: $0, path: "long") }
        }
        var wrong = bytes
        wrong[0] = UInt8(ascii: "X")
        let error = #expect(throws: MediaError.self) { try wrong.withUnsafeBytes { try SegmentFile(decoding: $0, path: "x.rfseg") } }
        #expect(error?.description == "x.rfseg: not a RedactFarm segment (bad magic)")
    }
}
