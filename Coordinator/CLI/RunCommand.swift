import ArgumentParser
import Foundation
import RedactCoordinator
import RedactCore
import RedactEmbedded

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Redact files on this machine: a coordinator and local workers in one process.",
        discussion: """
        Every face is found (CenterFace), tracked across frames and segment cuts, hidden in \
        the decoded picture and re-encoded in the source's codec family; audio and every \
        other stream are copied bit for bit, and frame count and timestamps are kept. Beside \
        each output go OUT.detections.json (what was hidden in which frame) and \
        OUT.manifest.json (hashes of everything, signed; check it with `redactfarm verify`).

        This is the farm in embedded mode: the same coordinator, protocol and workers as \
        `coordinator` + `worker`, over in-process sockets.

        With one input, -o names the output file. With several (or a folder, or a glob), -o \
        names a folder and each output keeps its input's name. A file that fails leaves no \
        output; the others go on.
        """
    )

    @Argument(help: "Video files, folders or glob patterns to redact.")
    var inputs: [String]

    @Option(name: [.customShort("o"), .long], help: "Output file (one input) or folder (several).")
    var output: String

    @OptionGroup var redaction: RedactionOptions

    @Option(help: "Local workers (default: one per core).")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Path to centerface.onnx (default: the pinned copy fetched by ops/setup.sh).")
    var model: String?

    @Option(help: "Path to the licence-plate (text) model, \(PinnedModel.textDetector.fileName) (default: the pinned copy made by ops/setup.sh).")
    var plateModel: String?

    @Option(help: "Secret key that signs the manifests (default: this machine's, created on first use; see `keygen`).")
    var key: String?

    @OptionGroup var common: CommonOptions

    func run() throws {
        let options = try reportingErrors(verbose: common.verbose) { try redaction.jobOptions() }
        let loadedModel = try reportingErrors(verbose: common.verbose) { try CenterFaceModel.load(path: model) }
        // Only a job that asks for plates needs (and fails here without) the plate model.
        let plates = options.job.targets.contains(.plate)
            ? try reportingErrors(verbose: common.verbose) { try PinnedModel.textDetector.load(path: plateModel) } : nil
        let identity = try reportingErrors(verbose: common.verbose) { try KeyLocations.signingIdentity(key) }
        CenterFaceDetector.setThreads(1)
        let farm = EmbeddedFarm(options: options, workers: workers, identity: identity, makeDetector: EmbeddedFarm.centerFace(loadedModel, plateModel: plates))
        let single = inputs.count == 1 && !FileManager.default.isDirectory(inputs[0]) && !inputs[0].contains("*")
        let bar = Terminal.progressBar(label: single ? URL(fileURLWithPath: inputs[0]).lastPathComponent : "\(inputs.count) inputs")
        let job = try reportingErrors(verbose: common.verbose) {
            try farm.run(inputs: inputs, output: output, outputIsFile: single) { job in
                bar(Double(job.framesDone) / Double(max(job.frameCount, 1)))
            }
        }
        FileOutcomes.print(job, json: common.json)
        if job.files.contains(where: { $0.state != .done }) { throw ExitCode(1) }
    }
}

extension FileManager {
    func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
