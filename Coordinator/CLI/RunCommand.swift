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

    @Option(parsing: .unconditional, help: "Local workers, 1 to 256 (default: one per core).")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Replace an output (and its manifest and detections) that already exists.")
    var overwrite = false

    @OptionGroup var models: ModelOptions

    @Option(help: "Secret key that signs the manifests (default: this machine's, created on first use; see `keygen`).")
    var key: String?

    @OptionGroup var record: ProvenanceOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        // Before the options: `--precision auto` times inference with the threads a slot gets.
        let budget = ThreadBudget(cores: ProcessInfo.processInfo.activeProcessorCount, slots: workers)
        InferenceThreads.set(budget.inferenceThreadsPerSlot)
        let single = inputs.count == 1 && !FileManager.default.isDirectory(inputs[0]) && !inputs[0].contains(where: { "*?[".contains($0) })
        var options = try reportingErrors(verbose: common.verbose) { () throws(OptionError) -> JobOptions in
            try JobLimits.check("--workers", workers, in: JobLimits.workers)
            if !single { try OutputTarget.checkFolder(output, inputs: inputs.count) }
            let provenance = try record.provenance()
            var options = try redaction.jobOptions(defaultPrecision: .auto) { allowed in
                AutoPrecision.choice(among: allowed, model: models.model, int8Model: models.int8Model, verbose: common.verbose)
            }
            options.provenance = provenance
            return options
        }
        options.provenance?.commandLine = CommandLine.arguments
        // What the job's targets need (and the face model, which the leak audit uses): a job
        // that asks for plates fails here without the plate model.
        let needed = DetectorRegistry.models(for: options.job).keys.compactMap(ModelRole.init(rawValue:))
        let held = try reportingErrors(verbose: common.verbose) { try models.load(required: needed + [.face]) }
        let identity = try reportingErrors(verbose: common.verbose) { try KeyLocations.signingIdentity(key) }
        var farm = EmbeddedFarm(options: options, workers: workers, identity: identity, models: held)
        farm.log = { message in if common.verbose { Terminal.printNote(message) } }
        if common.verbose { Terminal.printNote("threads: \(budget)") }
        farm.auditor = LeakAudit.runner(models: held)
        farm.pictureRedactor = CoverArtRedactor.runner(models: held)
        // Ctrl-C and SIGTERM end the job and remove its working files (the source's
        // segments) before the process exits; a second signal is not needed.
        let stop = StopSignal()
        stop.installSignalHandlers()
        let progress = RunProgress()
        let job: JobStatus
        do {
            job = try farm.run(inputs: inputs, output: output, outputIsFile: single, overwrite: overwrite, stop: stop) { job, fps in
                progress.show(job, framesPerSecond: fps)
            }
        } catch {
            Terminal.printError(error.description)
            throw ExitCode(stop.isRequested ? stop.exitStatus : 1)
        }
        FileOutcomes.print(job, json: common.json)
        if !FileOutcomes.allClean(job) { throw ExitCode(1) }
    }
}

/// What `-o` may name when it must be a folder (several inputs, a folder or a glob).
enum OutputTarget {
    static func checkFolder(_ output: String, inputs: Int) throws(OptionError) {
        let ext = URL(fileURLWithPath: output).pathExtension.lowercased()
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory)
        if (exists && !isDirectory.boolValue) || (!exists && JobIntake.videoExtensions.contains(ext)) {
            throw OptionError("-o", output, accepts: "names a file, but \(inputs == 1 ? "the input is a folder or pattern" : "\(inputs) inputs were given"); name a folder")
        }
    }
}

extension FileManager {
    func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
