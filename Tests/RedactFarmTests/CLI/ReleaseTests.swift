import Foundation
@testable import RedactIntegrity
@testable import RedactSupport
import Testing

/// `approve` records who released an output to whom and why, signed, chained from the
/// manifest's signature; `verify` lists the releases and fails on any altered, removed or
/// reordered one, and nothing that does not verify can be approved.
@Suite struct ReleaseTests {
    /// A small redacted output with its manifest (zones only: no detection needed).
    func redactedOutput(in dir: String) throws -> String {
        let out = dir + "/out.mp4"
        let made = try CLI.run("run", Fixtures.corpus("groundtruth.mp4"), "-o", out, "--targets", "none", "--zone", "0,0,32,32")
        try #require(made.status == 0, "\(made.stderr)")
        return out
    }

    func releases(_ out: String) throws -> [[String: Any]] {
        let file = try #require(try JSONSerialization.jsonObject(with: Data(FileBytes.read(out + ".manifest.json"))) as? [String: Any])
        return file["releases"] as? [[String: Any]] ?? []
    }

    func rewriteReleases(_ out: String, _ change: (inout [[String: Any]]) -> Void) throws {
        let path = out + ".manifest.json"
        var file = try #require(try JSONSerialization.jsonObject(with: Data(FileBytes.read(path))) as? [String: Any])
        var list = file["releases"] as? [[String: Any]] ?? []
        change(&list)
        file["releases"] = list
        try JSONSerialization.data(withJSONObject: file, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    @Test func releasesAreSignedChainedAndListedByVerify() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let out = try redactedOutput(in: dir)
            let before = try CLI.run("verify", out)
            #expect(before.status == 0 && before.stderr.contains("no release is recorded"), "\(before.stderr)")

            #expect(try CLI.run("keygen", dir + "/alice").status == 0)
            let first = try CLI.run("approve", out, "--operator", "Alice Example", "--recipient", "data subject (SAR 2026-114)",
                                    "--reason", "subject access request", "--key", dir + "/alice.key")
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("approved \(out): released by Alice Example at ") && first.stdout.contains(" to data subject (SAR 2026-114) (subject access request)"),
                    "\(first.stdout)")
            #expect(try CLI.run("keygen", dir + "/bob").status == 0)
            let second = try CLI.run("approve", out, "--operator", "Bob", "--recipient", "court", "--key", dir + "/bob.key", "--json")
            #expect(second.status == 0, "\(second.stderr)")

            let verified = try CLI.run("verify", out)
            #expect(verified.status == 0, "\(verified.stderr)")
            #expect(verified.stdout.contains("release chain of 2 signed release(s)"), "\(verified.stdout)")
            let lines = verified.stdout.split(separator: "\n").filter { $0.hasPrefix("released by ") }
            #expect(lines.count == 2 && lines[0].contains("Alice Example") && lines[1].contains("Bob") && lines[1].contains("to court"), "\(lines)")
            #expect(!verified.stderr.contains("no release is recorded"))
            // The releases carry the approvers' own keys, and the output's hash.
            let manifest = try SignedManifest.open(try FileBytes.read(out + ".manifest.json"), path: out)
            #expect(manifest.signatureValid, "appending releases leaves the manifest's own signature valid")
            let alice = try FarmPublicKey.read(path: dir + "/alice.pub"), bob = try FarmPublicKey.read(path: dir + "/bob.pub")
            let chain = try ReleaseChain.releases(in: try FileBytes.read(out + ".manifest.json"), path: out)
            #expect(chain.map(\.publicKey) == [alice.signing, bob.signing])
            #expect(chain.allSatisfy { $0.record.outputSHA256 == manifest.manifest.output.sha256 })
            let json = try #require(try JSONSerialization.jsonObject(with: Data(CLI.run("verify", out, "--json").stdout.utf8)) as? [String: Any])
            #expect((json["releases"] as? [[String: Any]])?.map { $0["operator"] as? String } == ["Alice Example", "Bob"])

            // Who approved can be required: both keys pass, Alice's alone does not.
            #expect(try CLI.run("verify", out, "--approver-key", dir + "/alice.pub", "--approver-key", dir + "/bob.pub").status == 0)
            let onlyAlice = try CLI.run("verify", out, "--approver-key", dir + "/alice.pub")
            #expect(onlyAlice.status == 1 && onlyAlice.stderr.contains("release 2 (by Bob) is signed by key"), "\(onlyAlice.stderr)")

            // An altered record, a removed release and reordered releases are each caught.
            let intact = try FileBytes.read(out + ".manifest.json")
            try rewriteReleases(out) { list in
                var record = list[0]["release"] as! [String: Any]
                record["recipient"] = "the press"
                list[0]["release"] = record
            }
            let altered = try CLI.run("verify", out)
            #expect(altered.status == 1 && altered.stderr.contains("release 1's signature does not match its record"), "\(altered.stderr)")
            try Data(intact).write(to: URL(fileURLWithPath: out + ".manifest.json"))
            try rewriteReleases(out) { list in list.removeFirst() }
            let removed = try CLI.run("verify", out)
            #expect(removed.status == 1 && removed.stderr.contains("release 1 does not follow the manifest's signature"), "\(removed.stderr)")
            try Data(intact).write(to: URL(fileURLWithPath: out + ".manifest.json"))
            try rewriteReleases(out) { list in list.reverse() }
            #expect(try CLI.run("verify", out).status == 1)
            try Data(intact).write(to: URL(fileURLWithPath: out + ".manifest.json"))
            #expect(try CLI.run("verify", out).status == 0)
        }
    }

    @Test func nothingThatFailsVerificationIsApproved() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let out = try redactedOutput(in: dir)
            let manifestBefore = try FileBytes.read(out + ".manifest.json")
            // A usage error: nobody named.
            let nameless = try CLI.run("approve", out, "--operator", " ")
            #expect(nameless.status == 64, "\(nameless.stderr)")
            #expect(try CLI.run("approve", out, "--operator", "A", "--reason", "two\nlines").status == 64)
            // An output changed after its manifest was signed.
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
            handle.seekToEndOfFile()
            handle.write(Data([0]))
            try handle.close()
            let refused = try CLI.run("approve", out, "--operator", "Alice")
            #expect(refused.status == 1 && refused.stderr.contains(out) && refused.stderr.contains("bytes, the manifest says"), "\(refused.stderr)")
            #expect(try FileBytes.read(out + ".manifest.json") == manifestBefore, "a refused approval records nothing")
        }
    }
}
