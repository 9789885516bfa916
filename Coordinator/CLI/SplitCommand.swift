import ArgumentParser
import RedactCore

struct SplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Cut a video into GOP-aligned segments by stream copy.",
        discussion: """
        Writes DIR/seg-NNNNN.rfseg and DIR/plan.json. Cuts fall only between GOPs; a GOP \
        longer than the target makes a longer segment. Where a cut lands on an open-GOP point \
        the segment carries the previous GOP as a decode-only prefix, so every frame decodes \
        exactly as in the whole file. Audio, subtitles and data stay in the source for \
        `stitch`. DIR must be new or empty.
        """
    )

    @Argument(help: "The video file to split.")
    var file: String

    @Option(help: "Target segment length in seconds.")
    var segmentSeconds: Double = 10

    @Option(name: [.customShort("o"), .long], help: "Folder for the segments and plan.json.")
    var output: String

    @Option(help: ArgumentHelp("The frame rate of a raw video stream whose header states none, as `run --fps` takes it.", valueName: "rate"))
    var fps: String?

    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors(verbose: common.verbose) { try checkSegmentSeconds(segmentSeconds) }
        let rate = try reportingErrors(verbose: common.verbose) { () throws(OptionError) -> Rational? in try fps.map { (text) throws(OptionError) in try FrameRateArgument.parse(text) } }
        let plan = try reportingErrors(verbose: common.verbose) {
            try Splitter.split(input: file, segmentSeconds: segmentSeconds, frameRate: rate, into: output,
                               progress: Terminal.progressBar(label: "split"))
        }
        if common.json { return try Terminal.printJSON(plan) }
        let prefixed = plan.segments.filter { $0.decodePrefixPackets > 0 }.count
        print("split \(plan.input.path) into \(plan.segments.count) segments (\(plan.frameCount) frames, \(prefixed) with a decode-only prefix) in \(output)")
        print("input sha256 \(plan.input.sha256)")
    }
}
