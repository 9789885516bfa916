import Foundation
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactVision
@testable import Redaction
import Testing

/// A segment whose decoded frames fit the budget is decoded once and comes out exactly as when
/// it is decoded twice; one that outgrows it is decoded again, with the same result.
@Suite struct DecodedFrameCacheTests {
    /// A face in every frame, so every frame is redacted and encoded.
    struct FaceEverywhere: FaceFinder, Sendable {
        func detect(_ frame: VideoFrame) throws(MediaError) -> [Detection] {
            [Detection(target: .face, box: Box(x0: 40, y0: 30, x1: 100, y1: 100), score: 0.9, pts: frame.pts)]
        }
    }

    func lumaFrames(_ segment: SegmentFile) throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        try SegmentDecoder.decodeOwnedFrames(of: segment, label: "out") { (frame, _) throws(MediaError) in
            let luma = PlaneView(frame: frame, plane: 0, shiftX: 0, shiftY: 0)
            var pixels: [UInt8] = []
            for y in 0..<Int(frame.pointee.height) { for x in 0..<Int(frame.pointee.width) { pixels.append(UInt8(luma[x, y])) } }
            frames.append(pixels)
        }
        return frames
    }

    func meanDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        Double(zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(max(1, a.count))
    }

    @Test func theRedactingPassTakesTheExaminingPassesFramesWhereTheyFit() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let plan = try Splitter.split(input: Fixtures.corpus("h264_bframes.mp4"), segmentSeconds: 2, into: dir + "/seg")
            let (segment, _) = try SegmentFile.read(path: dir + "/seg/" + plan.segments[1].file)
            let job = RedactionJob()
            let frameBytes = Int(segment.codec.width) * Int(segment.codec.height) * 3 / 2
            func process(budget: Int) throws -> ProcessedSegment {
                let detectors = try TestDetectors.faces(FaceEverywhere())(job)
                return try SegmentProcessor(job: job, detectors: detectors, muxer: "mp4", frameRate: nil, frameCacheBytes: budget)
                    .process(segment, label: "seg")
            }
            let twice = try process(budget: 0)
            let once = try process(budget: SegmentProcessor.defaultFrameCacheBytes)
            let outgrown = try process(budget: frameBytes * segment.shownPackets.count / 2)
            #expect(!twice.decodedOnce && once.decodedOnce && !outgrown.decodedOnce)
            #expect(segment.shownPackets.count > 20 && once.frames.allSatisfy { !$0.covered.isEmpty })
            #expect(once.frames == twice.frames && outgrown.frames == twice.frames)
            // The same pictures, redacted the same way, in the same order. (Not compared byte
            // for byte: two x264 encoders of the same frames in one process were seen to
            // differ by a few bytes a picture, decoded twice both times.)
            let reference = try lumaFrames(try #require(twice.segment))
            for result in [once, outgrown] {
                let frames = try lumaFrames(try #require(result.segment))
                #expect(frames.count == reference.count)
                for (n, (a, b)) in zip(frames, reference).enumerated() {
                    #expect(meanDifference(a, b) < 1, "frame \(n)")
                }
            }
            // The comparison sees a frame out of place: neighbours differ by far more.
            #expect(meanDifference(reference[10], reference[11]) > 2)
        }
    }
}
