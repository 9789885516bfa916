import Foundation
import RedactCore
@testable import RedactCoordinator
import Testing

/// The detections sidecar is written segment by segment, so an hour's frames are never all in
/// memory: its bytes must be exactly those of the whole report encoded at once.
@Suite struct DetectionsSidecarTests {
    func report(_ frames: [ProcessedSegment.FrameCoverage]) -> RedactionReport {
        RedactionReport(software: "redactfarm test", input: "/in/\"quoted\" perFrame.mp4", inputSHA256: "a", output: "/out.mp4", outputSHA256: "b",
                        models: ["face": "c"], job: RedactionJob(), timeBase: Rational(num: 1, den: 90000), frames: frames.count,
                        segments: 3, detections: 2, tracks: 1, framesWithRedaction: frames.filter { !$0.covered.isEmpty }.count,
                        perFrame: frames)
    }

    @Test(arguments: [[2, 0, 3], [0, 0, 0], [0, 4, 0], [1, 1, 1]])
    func theStreamedSidecarIsTheWholeReportByteForByte(_ framesPerSegment: [Int]) throws {
        var pts: Int64 = 0
        let segments: [[ProcessedSegment.FrameCoverage]] = framesPerSegment.map { n in
            (0..<n).map { i in
                pts += 3600
                let box = Box(x0: Double(i), y0: 1.5, x1: 20.25, y1: 30)
                return ProcessedSegment.FrameCoverage(pts: pts, covered: i % 2 == 0 ? [.init(track: 7, target: .face, box: box, score: 0.75)] : [],
                                                      damage: i == 1 ? .concealed : nil)
            }
        }
        let whole = report(segments.flatMap { $0 })
        let expected = Array(try DetectionsSidecar.encoder.encode(whole))
        try Fixtures.withTemporaryDirectory { work in
            try Fixtures.withTemporaryDirectory { dir in
                var header = whole
                header.perFrame = []
                let spool = try DetectionsSpool(path: work + "/detections.jsonl")
                for (index, frames) in segments.enumerated() { try spool.append(frames, ofSegment: index) }
                try spool.close()
                let path = dir + "/out.mp4.detections.json"
                let sha = try DetectionsSidecar.write(to: path, report: header, frames: spool)
                let written = try FileBytes.read(path)
                #expect(written == expected, "\(String(decoding: written, as: UTF8.self))")
                #expect(sha == SHA256Hex.of(expected))
                #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.mp4.detections.json"], "no temporary left")
            }
        }
    }

    /// A spool that cannot be read back (its work area went) leaves no sidecar behind.
    @Test func aSidecarNotFinishedLeavesNothing() throws {
        try Fixtures.withTemporaryDirectory { (work) throws in
            try Fixtures.withTemporaryDirectory { (dir) throws in
                let spool = try DetectionsSpool(path: work + "/detections.jsonl")
                try spool.append([ProcessedSegment.FrameCoverage(pts: 1, covered: [])], ofSegment: 0)
                try spool.close()
                unlink(work + "/detections.jsonl")
                #expect(throws: MediaError.self) {
                    try DetectionsSidecar.write(to: dir + "/out.mp4.detections.json", report: report([]), frames: spool)
                }
                #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
            }
        }
    }
}
