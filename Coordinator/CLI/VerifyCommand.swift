import ArgumentParser
import Foundation
import RedactCore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a redacted output against its signed manifest.",
        discussion: """
        Checks the manifest's Ed25519 signature (against --key when given), the output's \
        size and SHA-256, the chain over the segment records, the output's video frame \
        count, that each segment recorded as copied holds the packets recorded and, when the \
        input is at its recorded path (or --source), the input's SHA-256 and that the \
        copied segments are byte for byte the input's, and the chain of releases `approve` \
        recorded (each signed by its approver, in order, for this output), which it lists. \
        Exits 1 naming the first mismatch.
        """
    )

    @Argument(help: "The redacted output file.")
    var output: String

    @Option(help: "The manifest (default: OUTPUT.manifest.json).")
    var manifest: String?

    @Option(help: "The coordinator's public key file (.pub) the manifest must be signed with.")
    var key: String?

    @Option(help: "The input, if it is no longer at the path the manifest records: its hash and the copied segments are checked against it.")
    var source: String?

    @Option(name: .customLong("approver-key"), help: "A public key file (.pub) releases may be signed with; repeat for several. Every release must be signed by one of them.")
    var approverKeys: [String] = []

    @OptionGroup var common: CommonOptions

    func run() throws {
        let report = try reportingErrors(verbose: common.verbose) { () throws(MediaError) in
            let publicKey = try key.map { (path) throws(MediaError) in try FarmPublicKey.read(path: path) }
            var approvers: [FarmPublicKey] = []
            for path in approverKeys { approvers.append(try FarmPublicKey.read(path: path)) }
            return try ManifestVerifier.verify(output: output, manifestPath: manifest, key: publicKey, source: source, approvers: approvers)
        }
        if common.json { return try Terminal.printJSON(report) }
        print("verified \(report.output): " + report.checks.joined(separator: ", "))
        for release in report.releases {
            print("released by \(release.operatorName) at \(release.approvedAt)" + (release.recipient.map { " to \($0)" } ?? "")
                  + (release.reason.map { " (\($0))" } ?? "") + " (key \(release.publicKey.prefix(12))…)"
                  + (release.auditPassed == false ? ", with the leak audit's possible misses accepted" : "")
                  + (release.correctionsSHA256.map { ", with the corrections \($0.prefix(12))…" } ?? ""))
        }
        for note in report.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
    }
}
