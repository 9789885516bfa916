import ArgumentParser
import Foundation
import RedactCoordinator
import RedactCore

struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Record that a person checked a redacted output and released it, signed.",
        discussion: """
        Verifies the output against its manifest first (as `verify` does) and refuses one \
        that does not verify. Then appends a release record to the manifest file: who \
        approved it (--operator), when (UTC), to whom (--recipient) and why (--reason), over \
        the output's SHA-256, signed with the approver's Ed25519 key. Each release names the \
        signature before it, so `verify` can tell a release removed, reordered or altered. \
        The output itself is not touched.

        An output whose leak audit recorded possible misses is refused unless \
        --accept-audit-findings says they were looked at; the release records that.

        The key is --key (a secret key from `redactfarm keygen`), else this machine's \
        operator.key in the redactfarm home, made on first use; give its .pub to whoever \
        checks releases.
        """
    )

    @Argument(help: "The redacted output file.")
    var output: String

    @Option(name: .customLong("operator"), help: "The name of the person approving the release (recorded).")
    var operatorName: String

    @Option(help: "To whom the output is released, e.g. 'data subject (SAR 2026-114)' (recorded).")
    var recipient: String?

    @Option(help: "Why it is released, e.g. 'subject access request' (recorded).")
    var reason: String?

    @Option(help: "The approver's secret key file (default: operator.key in the redactfarm home, made on first use).")
    var key: String?

    @Option(help: "The manifest (default: OUTPUT.manifest.json).")
    var manifest: String?

    @Option(name: .customLong("coordinator-key"), help: "The coordinator's public key file (.pub) the manifest must be signed with.")
    var coordinatorKey: String?

    @Option(help: "The input, if it is no longer at the path the manifest records.")
    var source: String?

    @Flag(help: "Release an output whose leak audit recorded possible misses (they were looked at).")
    var acceptAuditFindings = false

    @OptionGroup var common: CommonOptions

    func run() throws {
        let path = manifest ?? OutputSidecars.manifestPath(output)
        let (release, signer) = try reportingErrors(verbose: common.verbose) { () throws -> (ReleaseRecord, String) in
            let coordinator = try coordinatorKey.map { (path) throws(MediaError) in try FarmPublicKey.read(path: path) }
            _ = try ManifestVerifier.verify(output: output, manifestPath: path, key: coordinator, source: source)
            let bytes = try FileBytes.read(path)
            let opened = try SignedManifest.open(bytes, path: path)
            if let audit = opened.manifest.audit, !audit.passed, !acceptAuditFindings {
                throw MediaError(path: output, reason: "its leak audit recorded \(audit.findings.count) possible miss(es) in \(audit.framesWithFindings) frame(s): look at them (redactfarm audit), then approve with --accept-audit-findings")
            }
            let record = ReleaseRecord(operatorName: operatorName, recipient: recipient, reason: reason,
                                       outputSHA256: opened.manifest.output.sha256,
                                       follows: try ReleaseChain.nextLink(in: bytes, path: path),
                                       auditPassed: opened.manifest.audit?.passed,
                                       correctionsSHA256: opened.manifest.correctionsSHA256)
            try record.validate()
            let identity = try FarmIdentity.read(orCreate: key, default: KeyLocations.home + "/operator.key")
            try AtomicOutput.write(try ReleaseChain.append(record, to: bytes, signedBy: identity, path: path), to: path)
            return (record, identity.publicKey.signing)
        }
        if common.json {
            return try Terminal.printJSON(ManifestVerifier.Release(release, publicKey: signer))
        }
        print("approved \(output): released by \(release.operatorName) at \(release.approvedAt)"
              + (release.recipient.map { " to \($0)" } ?? "") + (release.reason.map { " (\($0))" } ?? ""))
        Terminal.printNote("signed with key \(signer.prefix(12))…; the release is recorded in \(path)")
    }
}
