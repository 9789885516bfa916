@testable import RedactCore
import Testing

/// The split invariant: decoding each segment on its own and concatenating the frames it owns
/// gives exactly the input's decoded frames, timestamps included.
@Suite struct SplitInvariantTests {
    @Test(arguments: CorpusClip.all)
    func segmentsDecodedAloneReproduceEveryFrame(clip: CorpusClip) throws {
        let source = Fixtures.media(clip.name)
        try Fixtures.withTemporaryDirectory { dir in
            let plan = try Splitter.split(input: source, segmentSeconds: clip.segmentSeconds, into: dir + "/seg")
            #expect(plan.segments.count >= clip.minSegments)
            if clip.expectsDecodePrefix {
                #expect(plan.segments.contains { $0.decodePrefixPackets > 0 })
            }
            var stitched: [FrameDigest] = []
            for record in plan.segments {
                let (segment, sha) = try SegmentFile.read(path: dir + "/seg/" + record.file)
                #expect(sha == record.sha256)
                let frames = try FrameDigest.ofSegment(segment, label: record.file)
                #expect(frames.count == record.frameCount)
                #expect(frames.first?.pts == record.ptsFirst)
                #expect(frames.last?.pts == record.ptsLast)
                stitched += frames
            }
            let whole = try FrameDigest.ofVideo(at: source)
            #expect(whole.count == plan.frameCount)
            #expect(stitched == whole)
        }
    }

    /// Our per-frame digest is ffmpeg's framemd5, so the two tools can vouch for each other.
    @Test(arguments: ["hevc_opengop.mkv", "mjpeg.mov", "vfr.mp4"])
    func frameDigestsMatchFFmpegFramemd5(name: String) throws {
        let path = Fixtures.corpus(name)
        let ours = try FrameDigest.ofVideo(at: path).map(\.md5)
        let reference = try FFmpegOracle.frameMD5(path, streams: "0:v").map { String($0.split(separator: ",").last!.trimmingCharacters(in: .whitespaces)) }
        #expect(!ours.isEmpty)
        #expect(ours == reference)
    }

    /// Without its prefix, an open-GOP segment cannot produce its leading pictures, and the
    /// segment decoder must say so rather than hand back fewer frames.
    @Test func openGOPSegmentWithoutItsPrefixFailsClosed() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let plan = try Splitter.split(input: Fixtures.corpus("hevc_opengop.mkv"), segmentSeconds: 1, into: dir + "/seg")
            let record = try #require(plan.segments.first { $0.decodePrefixPackets > 0 })
            var (segment, _) = try SegmentFile.read(path: dir + "/seg/" + record.file)
            segment.packets.removeFirst(segment.decodePrefixCount)
            segment.decodePrefixCount = 0
            #expect(throws: MediaError.self) { try FrameDigest.ofSegment(segment, label: record.file) }
        }
    }
}
