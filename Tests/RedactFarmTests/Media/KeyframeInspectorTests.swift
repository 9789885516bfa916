@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

@Suite struct KeyframeInspectorTests {
    static let h264 = 27 as UInt32  // AV_CODEC_ID_H264
    static let hevc = 173 as UInt32  // AV_CODEC_ID_HEVC

    func codec(_ id: UInt32, extradata: [UInt8] = []) -> CodecParameters {
        var c = try! SegmentFile.blankCodec()
        c.codecID = id
        c.extradata = extradata
        return c
    }

    @Test func annexBH264IDR() {
        let inspector = KeyframeInspector(codec: codec(Self.h264))
        let packet: [UInt8] = [0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 1, 0x65, 0x88, 0x84]
        #expect(inspector.kind(of: packet) == .idr)
    }

    @Test func h264RecoveryPointIsNotIDR() {
        let inspector = KeyframeInspector(codec: codec(Self.h264))
        // SEI with payload type 6 (recovery point), then a non-IDR slice.
        let packet: [UInt8] = [0, 0, 1, 0x06, 0x06, 0x01, 0x84, 0x80, 0, 0, 1, 0x41, 0x9a]
        #expect(inspector.kind(of: packet) == .recoveryPoint)
        let plain: [UInt8] = [0, 0, 1, 0x41, 0x9a, 0x10]
        #expect(inspector.kind(of: plain) == .nonIDR)
    }

    @Test func lengthPrefixedUsesTheAvcCLengthSize() {
        // avcC with lengthSizeMinusOne = 3 (4-byte lengths).
        let avcC: [UInt8] = [1, 0x64, 0, 0x1f, 0xff, 0xe1, 0]
        let inspector = KeyframeInspector(codec: codec(Self.h264, extradata: avcC))
        let packet: [UInt8] = [0, 0, 0, 2, 0x09, 0x10, 0, 0, 0, 3, 0x65, 0x88, 0x84]
        #expect(inspector.kind(of: packet) == .idr)
    }

    @Test func hevcCRAAndIDR() {
        let inspector = KeyframeInspector(codec: codec(Self.hevc))
        // VPS (32), then CRA (21) / IDR_W_RADL (19); type sits in bits 1-6 of the first byte.
        #expect(inspector.kind(of: [0, 0, 1, 32 << 1, 1, 0, 0, 1, 21 << 1, 1, 0xaf]) == .cra)
        #expect(inspector.kind(of: [0, 0, 1, 19 << 1, 1, 0xaf]) == .idr)
        #expect(inspector.kind(of: [0, 0, 1, 16 << 1, 1, 0xaf]) == .bla)
    }

    @Test func otherCodecsAreIntra() {
        let inspector = KeyframeInspector(codec: codec(12))  // MPEG-4 Part 2
        #expect(inspector.kind(of: [0, 0, 1, 0xb6, 0x10]) == .intra)
    }
}
