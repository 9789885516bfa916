import Foundation
import RedactCoordinator
import RedactCore
import Testing

/// The detections sidecar is for a person and a program checking the work: every box lies in
/// the picture, every frame carries its time in seconds beside its pts, and every tracked
/// box says whether the detector found it (with its score) or the tracker placed it, one box
/// per track per frame.
@Suite struct DetectionsRecordTests {
    @Test func boxesAreClippedTimedAndSayWhereTheyCameFrom() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let output = dir + "/out.mp4"
            // Four faces walk in and out of the picture; the default profile detects on every
            // 12th frame, so the tracker interpolates and extends between.
            let made = try CLI.run("run", Fixtures.corpus("groundtruth.mp4"), "-o", output, "--zone", "600,0,100,40")
            #expect(made.status == 0, "\(made.stderr)")
            let report = try OutputRecord.detections(of: output)
            let (w, h) = (640.0, 360.0)
            let boxes = report.perFrame.flatMap(\.covered)
            #expect(!boxes.isEmpty)
            #expect(boxes.allSatisfy { $0.box.x0 >= 0 && $0.box.y0 >= 0 && $0.box.x1 <= w && $0.box.y1 <= h },
                    "\(boxes.filter { $0.box.x0 < 0 || $0.box.y0 < 0 || $0.box.x1 > w || $0.box.y1 > h }.prefix(3))")
            let first = try #require(report.perFrame.map(\.pts).min())
            for frame in report.perFrame {
                let seconds = try #require(frame.seconds)
                #expect(abs(seconds - Double(frame.pts - first) * report.timeBase.doubleValue) < 1e-6)
            }
            for frame in report.perFrame {
                let ids = frame.covered.compactMap(\.track)
                #expect(Set(ids).count == ids.count, "one box per track per frame: \(frame.pts) has \(ids)")
            }
            let tracked = boxes.filter { $0.track != nil }
            #expect(tracked.allSatisfy { $0.origin != nil })
            #expect(tracked.allSatisfy { ($0.origin == .detected) == ($0.score != nil) })
            let origins = Set(tracked.compactMap(\.origin))
            #expect(origins == [.detected, .interpolated, .extended], "\(origins)")
            let zones = boxes.filter { $0.target == .zone }
            #expect(zones.count == report.frames && zones.allSatisfy { $0.origin == nil && $0.box == Box(x0: 600, y0: 0, x1: 640, y1: 40) },
                    "the zone reaches past the picture's right edge and is recorded as clipped")
        }
    }
}
