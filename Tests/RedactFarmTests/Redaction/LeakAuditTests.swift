import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

/// The leak audit looks at outputs with other detector settings than the redaction's: it
/// flags an output in which nothing was hidden and passes one that was redacted.
@Suite struct LeakAuditTests {
    @Test func flagsAnOutputMadeWithoutFaceDetection() throws {
        let source = Fixtures.corpus("groundtruth.mp4")
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/none.mp4"
            let made = try CLI.run("run", source, "-o", out, "--targets", "none", "--zone", "0,0,8,8", "--profile", "fast", "--audit")
            #expect(made.status == 1)
            #expect(made.stderr.contains("the audit found"), "\(made.stderr)")
            let m = try SignedManifest.open(try FileBytes.read(out + ".manifest.json"), path: out).manifest
            let audit = try #require(m.audit)
            // Four faces move through all 100 frames: nearly every frame has a possible miss.
            #expect(Set(audit.findings.map(\.pts)).count >= 80, "\(audit.findings.count) findings")
            #expect(try CLI.run("audit", out).status == 1)
            #expect(try CLI.run("verify", out).status == 0, "the record is intact, whatever the audit found")
            // Releasing it needs someone to say the possible misses were looked at.
            let refused = try CLI.run("approve", out, "--operator", "Alice")
            #expect(refused.status == 1 && refused.stderr.contains("--accept-audit-findings"), "\(refused.stderr)")
            #expect(try CLI.run("approve", out, "--operator", "Alice", "--accept-audit-findings").status == 0)
            #expect(try CLI.run("verify", out).stdout.contains("with the leak audit's possible misses accepted"))
        }
    }

    @Test func passesARedactedOutputAndRecordsIt() throws {
        let source = Fixtures.asset("carphone_pristine.mp4")
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/car.mp4"
            let made = try CLI.run("run", source, "-o", out, "--audit")
            #expect(made.status == 0, "\(made.stderr)")
            #expect(made.stdout.contains("audit: no possible misses in 120 frames"))
            let m = try SignedManifest.open(try FileBytes.read(out + ".manifest.json"), path: out).manifest
            #expect(m.audit?.passed == true && m.audit?.framesExamined == 120)
            #expect(m.audit?.threshold ?? 1 < m.parameters.detector.threshold)
            #expect(m.audit?.scales.contains(m.parameters.detector.inferenceScale) == false)

            let audited = try CLI.run("audit", out, "--source", source)
            #expect(audited.status == 0, "\(audited.stdout)\(audited.stderr)")
            #expect(audited.stdout.contains("(100.0%) inside hidden regions"), "\(audited.stdout)")

            // The audit trusts the sidecar only as far as the signed manifest vouches for it.
            try Data("{}".utf8).write(to: URL(fileURLWithPath: out + ".detections.json"))
            let tampered = try CLI.run("audit", out)
            #expect(tampered.status == 1)
            #expect(tampered.stderr.contains("does not match the SHA-256 its signed manifest records"))
        }
    }

    /// The ground truth's background footage has a real passer-by crossing the top of the
    /// picture in ten frames, between the default profile's full-frame passes. The audit found
    /// him visible (scores up to 0.78); followed from his first hit, he is hidden now, and no
    /// confident possible miss remains. "Confident" is 0.6. One finding is known not to be a
    /// face and is set aside by place and time: the cyclist's hand over his knee at 3.04-3.12 s
    /// (an 11x18 px box near 480,240; looked at, twice), which the audit's half-threshold
    /// detector scores 0.51-0.60 depending on the hidden blocks beside it.
    @Test func theDefaultProfileLeavesNoConfidentPossibleMissOnTheGroundTruth() throws {
        let source = Fixtures.corpus("groundtruth.mp4")
        try Fixtures.withTemporaryDirectory { dir in
            let out = dir + "/safe.mp4"
            _ = try CLI.run("run", source, "-o", out, "--audit")
            let m = try SignedManifest.open(try FileBytes.read(out + ".manifest.json"), path: out).manifest
            let audit = try #require(m.audit)
            #expect(audit.framesExamined == 100)
            let cyclistsHand = { (f: AuditSummary.Finding) in
                (3.0...3.16).contains(f.seconds) && f.box.count == 4 && abs(f.box[0] - 480) < 12 && abs(f.box[1] - 240) < 12
                    && f.box[2] < 16 && f.box[3] < 24
            }
            let confident = audit.findings.filter { $0.score >= 0.6 && !cyclistsHand($0) }
            #expect(confident.isEmpty, "\(confident)")
        }
    }

    @Test func coverageIsTheShareInsideHiddenRegions() {
        let face = Box(x0: 0, y0: 0, x1: 10, y1: 10)
        #expect(LeakAudit.share(of: face, inside: []) == 0)
        #expect(LeakAudit.share(of: face, inside: [Box(x0: -5, y0: -5, x1: 20, y1: 20)]) == 1)
        #expect(LeakAudit.share(of: face, inside: [Box(x0: 0, y0: 0, x1: 5, y1: 10), Box(x0: 5, y0: 0, x1: 10, y1: 5)]) == 0.75)
    }
}
