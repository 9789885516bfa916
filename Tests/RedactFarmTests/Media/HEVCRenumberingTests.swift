import Foundation
@testable import RedactMedia
@testable import RedactSupport
import Testing

/// x265's parameter sets and slices renumbered to id 15 decode to the same pictures, and
/// declare and name 15 only: the rewrite the copy of HEVC GOPs under one hvcC rests on.
@Suite struct HEVCRenumberingTests {
    /// x265 as the worker runs it (B-frames, wavefronts), with several slices a picture (each
    /// after the first names its PPS and its address) and with 10-bit 4:2:2, whose SPS is longer.
    @Test(arguments: [
        "bframes=3",
        "bframes=3:slices=3",
        "bframes=0:wpp=0:weightp=1",
    ], ["yuv420p", "yuv422p10le"])
    func renumberedStreamsDecodeToTheSamePictures(params: String, pixelFormat: String) throws {
        try Fixtures.withTemporaryDirectory { dir in
            let source = dir + "/x265.hevc", renumbered = dir + "/renumbered.hevc"
            _ = try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=352x288:rate=25",
                                                      "-t", "2", "-pix_fmt", pixelFormat, "-c:v", "libx265", "-x265-params",
                                                      "log-level=error:keyint=20:" + params, "-f", "hevc", source])
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: source)))
            let out = try HEVCRenumbering(label: source).annexB(bytes)
            try Data(out).write(to: URL(fileURLWithPath: renumbered))

            #expect(try FFmpegOracle.frameMD5(renumbered).map { $0.split(separator: ",").last! }
                == FFmpegOracle.frameMD5(source).map { $0.split(separator: ",").last! })
            #expect(try FFmpegOracle.frameMD5(source).count == 50)
            let before = HEVCParameterSets(extradata: bytes), after = HEVCParameterSets(extradata: out)
            #expect(before.ids == [0])
            #expect(after.ids == [HEVCRenumbering.id])
            #expect(after.sequence.compactMap(HEVCParameterSets.levelOfSequence) == before.sequence.compactMap(HEVCParameterSets.levelOfSequence))
            // Every slice names PPS 15.
            var slices = 0
            KeyframeInspector(family: .hevc, lengthSize: 0).forEachNAL(out) { nal in
                let type = HEVCParameterSets.type(nal)
                guard (0...9).contains(type) || (16...21).contains(type) else { return true }
                var reader = BitReader(RBSP.unescaped(nal.dropFirst(2)))
                _ = reader.bits((16...23).contains(type) ? 2 : 1)
                #expect(reader.ue() == HEVCRenumbering.id)
                slices += 1
                return true
            }
            #expect(slices >= 50)
        }
    }

    @Test func escapingGivesBackWhatAnEncoderWrote() {
        let raw: [UInt8] = [0, 0, 0, 1, 0, 0, 2, 5, 0, 0, 3, 0, 0]
        let escaped = RBSP.escaped(raw)
        #expect(escaped == [0, 0, 3, 0, 1, 0, 0, 3, 2, 5, 0, 0, 3, 3, 0, 0, 3])
        #expect(RBSP.unescaped(escaped) == raw)
    }

    @Test func aSetNotNumberedZeroIsRefusedNotGuessed() throws {
        // A PPS numbered 1 (ue "010"), SPS 0, then the stop bit.
        let pps: [UInt8] = [0x44, 0x01, 0b0101_1000]
        #expect(throws: MediaError.self) { try HEVCRenumbering(label: "x").renumbered(pps[...]) }
    }

    @Test func theMergedRecordListsOursFirstAndKeepsTheSourcesHeader() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let mp4 = dir + "/source.mp4"
            _ = try FFmpegOracle.run("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
                                                      "-t", "0.2", "-c:v", "libx265", "-x265-params", "log-level=error", "-tag:v", "hvc1", mp4])
            let input = try MediaInput(path: mp4)
            let hvcC = CodecParameters(input.stream(0).pointee.codecpar).extradata
            let source = HEVCParameterSets(extradata: hvcC)
            var ours = HEVCParameterSets()
            for (sets, kind) in [(source.video, 0), (source.sequence, 1), (source.picture, 2)] {
                for nal in sets {
                    let renumbered = try HEVCRenumbering(label: mp4).renumbered(nal[...])
                    switch kind {
                    case 0: ours.video.append(renumbered)
                    case 1: ours.sequence.append(renumbered)
                    default: ours.picture.append(renumbered)
                    }
                }
            }
            let merged = try #require(HEVCParameterSets.mergedHVCC(ours, source: hvcC))
            #expect(Array(merged[0..<22]) == Array(hvcC[0..<22]))
            let sets = HEVCParameterSets(extradata: merged)
            #expect(sets.video == ours.video + source.video)
            #expect(sets.sequence == ours.sequence + source.sequence)
            #expect(sets.picture == ours.picture + source.picture)
            #expect(HEVCParameterSets.arrays(ofHVCC: merged)?.map(\.type) == [32, 33, 34] + (HEVCParameterSets.arrays(ofHVCC: hvcC)?.map(\.type).filter { $0 > 34 } ?? []))
        }
    }
}
