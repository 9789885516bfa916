import ArgumentParser
import Foundation
import RedactCoordinator
import RedactCore

struct RerenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerender",
        abstract: "Make an output again with a reviewer's corrections, from its stored detections.",
        discussion: """
        Applies a corrections file (docs/corrections.md; the review page's "Save \
        corrections.json") to an existing output: tracks shown (not a face) or kept visible \
        (the data subject), boxes drawn by hand, zones added. No detector runs: what the \
        output's detections sidecar records is hidden again with the decisions applied and the \
        settings its manifest records, on the source split again exactly as before (each \
        segment must hash as recorded).

        Only the segments where the corrections hide anything else are redacted and \
        re-encoded; every other one is the earlier output's packets, bit for bit (or the \
        source's, where it was copied), and the new file is read back to prove it. The same \
        output, source and corrections always give the same file. The new manifest records \
        the corrections' SHA-256, the output it was made from and how each segment came to \
        be; `verify` prints it, and `approve` records the corrections in the release.

        The earlier output must verify against its signed manifest first. The source's \
        segments are worked on in a folder beside NEW (0700), removed however the command ends.
        """
    )

    @Argument(help: "The output to correct (its manifest and detections sidecar beside it).")
    var previous: String

    @Option(help: ArgumentHelp("The corrections to apply.", valueName: "file"))
    var corrections: String

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("The new output; not the one being corrected.", valueName: "new"))
    var output: String

    @Option(help: "The source, if it is no longer at the path the manifest records.")
    var source: String?

    @Option(help: "Secret key that signs the new manifest (default: this machine's, created on first use; see `keygen`).")
    var key: String?

    @Option(name: .customLong("coordinator-key"), help: "The public key file (.pub) the earlier manifest must be signed with (default: the key it names).")
    var coordinatorKey: String?

    @Flag(help: "Replace NEW (and its manifest and detections) if it exists.")
    var overwrite = false

    @OptionGroup var common: CommonOptions

    func run() throws {
        // Untyped: swiftc 6.3 cannot lower a typed-throws closure that returns a tuple.
        let read = try reportingErrors(verbose: common.verbose) { () throws -> (corrections: Corrections, sha256: String) in
            let old = URL(fileURLWithPath: previous).standardizedFileURL.path, new = URL(fileURLWithPath: output).standardizedFileURL.path
            guard old != new else { throw OptionError("-o", output, accepts: "is the output being corrected; name a new file") }
            if let source, URL(fileURLWithPath: source).standardizedFileURL.path == new {
                throw OptionError("-o", output, accepts: "is the source; name a new file")
            }
            do throws(MediaError) { return try Corrections.read(path: corrections) } catch {
                throw OptionError("--corrections", corrections, accepts: error.reason)
            }
        }
        let rerenderer = try reportingErrors(verbose: common.verbose) { () throws(MediaError) -> Rerenderer in
            if !overwrite { try OutputSidecars.refuseExisting(output) }
            let trusted = try coordinatorKey.map { (path) throws(MediaError) in try FarmPublicKey.read(path: path) }
            return Rerenderer(previousOutput: previous, corrections: read.corrections, correctionsSHA256: read.sha256, output: output,
                              source: source, identity: try KeyLocations.signingIdentity(key), trustedKey: trusted)
        }
        // Ctrl-C and SIGTERM stop between frames; the working folder and any partial output go.
        let stop = StopSignal()
        stop.installSignalHandlers()
        let bar = Terminal.stderrIsTerminal
        let result: Rerenderer.Result
        do {
            result = try reportingErrors(verbose: common.verbose) { () throws(MediaError) in
                try rerenderer.run(progress: { stage, fraction in
                    guard bar else { return }
                    FileHandle.standardError.write(Data("\r\u{1B}[2K\(stage) \(Int(fraction * 100))%".utf8))
                }, isCancelled: { stop.isRequested })
            }
        } catch {
            if bar { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
            if stop.isRequested { throw ExitCode(stop.exitStatus) }
            throw error
        }
        if bar { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        if common.json { return try Terminal.printJSON(result) }
        print("re-rendered \(result.output): \(result.frames) frames, \(result.segments) segment(s): \(result.reencodedSegments) redacted again, "
              + "\(result.reusedSegments) reused from \(URL(fileURLWithPath: previous).lastPathComponent) bit for bit, \(result.copiedSegments) copied from the source")
        Terminal.printNote("SHA-256 \(result.outputSHA256); check it with `redactfarm verify \(output)`")
    }
}
