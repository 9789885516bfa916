import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import RedactCoordinator
import Testing

/// The person target on a static scene: what moves is hidden in every frame, what stands
/// still is left as it was (up to re-encoding).
@Suite struct MotionRegionsTests {
    @Test func hidesTheMovingBlockInEveryFrameAndNothingStatic() throws {
        let source = Fixtures.corpus("mover.mp4")
        try Fixtures.withTemporaryDirectory { dir in
            var job = RedactionJob()
            job.targets = [.person]
            job.look = RedactionLook(style: .fill)
            let run = LocalFarm(job: job, segmentSeconds: 1, workers: 2, finder: NoFaces())
            let out = dir + "/out.mp4"
            _ = try run.redact(input: source, output: out)
            let before = try LumaFrames.read(source), after = try LumaFrames.read(out)
            #expect(before.count == 75 && after.count == 75)
            for n in 0..<75 {
                let x = 20 + Int((Double(n) / 25 * 80).rounded(.down))
                // Inside the block: white (235) became black (16).
                #expect(LumaFrames.meanAbsDiff(before[n], after[n], x: (x + 4)..<(x + 26), y: 104..<156) > 150, "frame \(n)")
                // A static stretch far from the block's path stays as it was.
                #expect(LumaFrames.meanAbsDiff(before[n], after[n], x: 0..<320, y: 200..<240) < 3, "frame \(n)")
            }
        }
    }

    struct NoFaces: FaceFinder {
        func detect(_ frame: VideoFrame) throws(MediaError) -> [Detection] { [] }
    }
}
