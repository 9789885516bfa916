import ArgumentParser
import RedactCore

struct StitchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stitch",
        abstract: "Rebuild a file from a plan's segments and the source's other streams.",
        discussion: """
        Checks the source and every segment against plan.json (SHA-256, frame count, \
        presentation range) before use, copies audio, subtitles and data from the source bit \
        for bit, and writes OUT in the source's container type. OUT appears only when complete; \
        its SHA-256 is printed and recorded in DIR/stitch.json.
        """
    )

    @Argument(help: "A folder written by `split`.")
    var directory: String

    @Option(name: [.customShort("o"), .long], help: "The file to write.")
    var output: String

    @OptionGroup var common: CommonOptions

    func run() throws {
        let report = try reportingErrors(verbose: common.verbose) {
            try Stitcher.stitch(directory: directory, output: output, progress: Terminal.progressBar(label: "stitch"))
        }
        if common.json { return try Terminal.printJSON(report) }
        print("stitched \(report.segments) segments (\(report.videoFrames) frames) into \(report.output)")
        print("output sha256 \(report.sha256)")
        for s in report.streams where s.stream.action != .redacted {
            let what = s.stream.action == .copied ? "copied, \(s.packets ?? 0) packets, payload sha256 \(s.payloadSHA256 ?? "")" : s.stream.action.rawValue
            print("stream \(s.stream.index) (\(s.stream.type) \(s.stream.codec)): \(what)\(s.stream.reason.map { " (\($0))" } ?? "")")
        }
    }
}
