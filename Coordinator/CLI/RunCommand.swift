import ArgumentParser
import Foundation
import RedactCoordinator
import RedactCore

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Redact files on this machine: split, redact with local workers, stitch.",
        discussion: """
        Every face is found (CenterFace), tracked across frames and segment cuts, hidden in \
        the decoded picture and re-encoded in the source's codec family; audio and every \
        other stream are copied bit for bit, and frame count and timestamps are kept. Beside \
        each output, OUT.detections.json lists what was hidden in which frame.

        With one input, -o names the output file. With several, -o names a folder and each \
        output keeps its input's name. A file that fails leaves no output; the others go on.
        """
    )

    @Argument(help: "Video files to redact.")
    var inputs: [String]

    @Option(name: [.customShort("o"), .long], help: "Output file (one input) or folder (several).")
    var output: String

    @Option(help: "What to hide, comma-separated: face (CenterFace), person (everything that moves against a static background, for wide CCTV). Zones given with --zone are always hidden.")
    var targets: String = "face"

    @Option(help: "How regions are hidden: \(RedactionStyle.allCases.map(\.rawValue).joined(separator: ", ")).")
    var style: RedactionStyle = .pixelate

    @Option(help: "Shape of each hidden region: box or ellipse.")
    var shape: RedactionShape = .box

    @Option(help: "Growth of each detected box about its centre (CenterFace boxes are tight).")
    var padding: Double = 1.3

    @Option(help: "Detection score threshold (0-1); lower hides more, with more false alarms.")
    var threshold: Double = 0.2

    @Option(help: "Speed against small-face recall: \(DetectionProfile.allCases.map(\.rawValue).joined(separator: ", ")) (see Benchmarks/README.md).")
    var profile: DetectionProfile = .safe

    @Option(help: "Override the profile: network input size relative to the source (2 finds faces from about 10 px, at 4x the cost of 1).")
    var inferenceScale: Double?

    @Option(help: "Override the profile: run the full-frame detector on every Nth frame; tracking and magnified re-detection of small faces cover the frames between.")
    var detectEvery: Int?

    @Option(name: .customLong("zone"), help: ArgumentHelp("A region always hidden, in source pixels: x,y,w,h or poly:x1,y1,x2,y2,x3,y3,... optionally followed by @FROM-UNTIL seconds. Repeat for more.", valueName: "zone"))
    var zones: [String] = []

    @Option(help: "Encoder quality (CRF, lower is better).")
    var crf: Int = 18

    @Option(help: "Encoder speed preset (x264/x265 names).")
    var preset: String = "fast"

    @Option(help: "Target segment length in seconds.")
    var segmentSeconds: Double = 10

    @Option(help: "Local workers (default: one per core).")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Path to centerface.onnx (default: the pinned copy fetched by ops/setup.sh).")
    var model: String?

    @OptionGroup var common: CommonOptions

    func run() throws {
        FFmpegLog.setQuiet(!common.verbose)
        var job = RedactionJob()
        job.targets = try reportingErrors(verbose: common.verbose) { () throws(MediaError) in
            var set = Set<TargetClass>()
            for name in targets.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let t = TargetClass(rawValue: name), t != .zone else {
                    throw MediaError(path: "--targets", reason: "unknown target '\(name)' (face, person)")
                }
                set.insert(t)
            }
            return set
        }
        job.look = RedactionLook(style: style, shape: shape, padding: padding)
        let base = profile.settings
        job.detector = DetectorSettings(threshold: threshold, inferenceScale: inferenceScale ?? base.inferenceScale,
                                        every: detectEvery ?? base.every)
        job.encoder = EncoderSettings(crf: crf, preset: preset)
        job.zones = try reportingErrors(verbose: common.verbose) { try zones.map { try PrivacyZone(parsing: $0) } }
        let loadedModel = try reportingErrors(verbose: common.verbose) { try CenterFaceModel.load(path: model) }
        CenterFaceDetector.setThreads(1)
        let runner = LocalRun(job: job, segmentSeconds: segmentSeconds, workers: workers, model: loadedModel)

        var failures = 0
        var reports: [RedactionReport] = []
        for input in inputs {
            let destination = inputs.count == 1 ? output : output + "/" + URL(fileURLWithPath: input).lastPathComponent
            let bar = Terminal.progressBar(label: URL(fileURLWithPath: input).lastPathComponent)
            let outcome = Result { () throws(MediaError) in
                try runner.redact(input: input, output: destination) { done, total in
                    if done % 5 == 0 || done == total { bar(Double(done) / Double(max(total, 1))) }
                }
            }
            switch outcome {
            case .success(let report):
                reports.append(report)
                if !common.json {
                    print("redacted \(report.input) -> \(report.output): \(report.frames) frames, \(report.tracks) tracks, \(report.framesWithRedaction) frames with something hidden")
                    print("output sha256 \(report.outputSHA256)")
                }
            case .failure(let error):
                Terminal.printError(error.description)
                failures += 1
            }
        }
        if common.json { try Terminal.printJSON(reports.map(RunSummary.init)) }
        if failures > 0 { throw ExitCode(1) }
    }

    /// The JSON result per file (the per-frame detail stays in the sidecar).
    struct RunSummary: Encodable {
        var input, output, outputSHA256: String
        var frames, tracks, detections, framesWithRedaction: Int
        init(_ r: RedactionReport) {
            input = r.input; output = r.output; outputSHA256 = r.outputSHA256
            frames = r.frames; tracks = r.tracks; detections = r.detections; framesWithRedaction = r.framesWithRedaction
        }
    }
}

extension RedactionStyle: ExpressibleByArgument {}
extension DetectionProfile: ExpressibleByArgument {}
extension RedactionShape: ExpressibleByArgument {}
