import ArgumentParser
import Foundation
import RedactCoordinator
import RedactCore

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a redaction job to a coordinator; prints the job id.",
        discussion: """
        Inputs are files, folders (searched for video files) or glob patterns, as the \
        coordinator's machine sees them (quote globs). Each output keeps its input's name in \
        the -o folder, with OUT.detections.json and OUT.manifest.json beside it. With --wait, \
        progress goes to stderr and the command exits 1 if any file failed.
        """
    )

    @Argument(help: "Video files, folders or glob patterns.")
    var inputs: [String]

    @Option(name: [.customShort("o"), .long], help: "Output folder.")
    var output: String

    @Flag(help: "Replace outputs that already exist.")
    var overwrite = false

    @Flag(help: "Block until the job ends, showing progress.")
    var wait = false

    @Option(parsing: .unconditional, help: "Priority from -100 to 100: segments of higher jobs go to workers first (retries always go first). Change it later with `redactfarm prioritize`.")
    var priority: Int = 0

    @OptionGroup var redaction: RedactionOptions
    @OptionGroup var record: ProvenanceOptions
    @OptionGroup var farm: ClientOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        var options = try reportingErrors(verbose: common.verbose) { () throws(OptionError) -> JobOptions in
            try OutputTarget.checkFolder(output, inputs: inputs.count)
            try JobLimits.check("--priority", priority, in: JobPriority.range, "higher goes first")
            var options = try redaction.jobOptions(defaultPrecision: .f32) { allowed in
                AutoPrecision.choice(among: allowed, model: nil, int8Model: nil, verbose: common.verbose)
            }
            options.provenance = try record.provenance()
            return options
        }
        options.provenance?.commandLine = CommandLine.arguments
        let client = try reportingErrors(verbose: common.verbose) { try farm.client(watching: wait) }
        let request = SubmitRequest(inputs: inputs.map(JobIntake.absolutePath), output: JobIntake.absolutePath(output),
                                    overwrite: overwrite, options: options, priority: priority)
        let (job, _) = try reportingErrors(verbose: common.verbose) { try client.expectStatus(ControlRequest(op: .submit, submit: request)) }
        guard let job else { throw ExitCode(1) }
        if !wait {
            if common.json { try Terminal.printJSON(["job": job]) } else { print(job) }
            return
        }
        FileHandle.standardError.write(Data("job \(job) submitted\n".utf8))
        let final = try Watcher(client: client, job: job, mode: .lines(toStderr: true)).untilFinished()
        FileOutcomes.print(final, json: common.json)
        if final.state != .done || !FileOutcomes.allClean(final) { throw ExitCode(1) }
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a job (or every job) with per-file progress.")

    @Argument(help: "Job id (or a unique prefix); all jobs when omitted.")
    var job: String?

    @OptionGroup var farm: ClientOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        let (_, status) = try reportingErrors(verbose: common.verbose) {
            try farm.client(watching: false).expectStatus(ControlRequest(op: .status, job: job))
        }
        if common.json { return try Terminal.printJSON(job == nil ? status.jobs : status.jobs.first.map { [$0] } ?? []) }
        if status.jobs.isEmpty { print("no jobs") }
        for j in status.jobs { StatusView.jobLines(j, fps: status.framesPerSecond).forEach { print($0) } }
    }
}

struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "jobs", abstract: "List jobs, one line each.")

    @OptionGroup var farm: ClientOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        let (_, status) = try reportingErrors(verbose: common.verbose) {
            try farm.client(watching: false).expectStatus(ControlRequest(op: .status))
        }
        if common.json { return try Terminal.printJSON(status.jobs.map(JobLine.init)) }
        for j in status.jobs { print(StatusView.jobLines(j, fps: nil)[0]) }
    }
}

/// One job as `jobs --json` lists it: counts are numbers, the share done a fraction.
struct JobLine: Encodable {
    var id: String
    var state: String
    var files: Int
    var filesDone: Int
    var filesFailed: Int
    var framesDone: Int
    var frameCount: Int
    var fractionDone: Double
    var priority: Int

    init(_ job: JobStatus) {
        id = job.id
        state = job.state.rawValue
        files = job.files.count
        filesDone = job.files.filter { $0.state == .done }.count
        filesFailed = job.files.filter { $0.state == .failed }.count
        framesDone = job.framesDone
        frameCount = job.frameCount
        fractionDone = job.fractionDone
        priority = job.priority ?? 0
    }
}

struct WorkersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "workers", abstract: "List connected workers with state, current tasks and throughput.")

    @OptionGroup var farm: ClientOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        let (_, status) = try reportingErrors(verbose: common.verbose) {
            try farm.client(watching: false).expectStatus(ControlRequest(op: .workers))
        }
        if common.json { return try Terminal.printJSON(status.workers) }
        StatusView.workerLines(status.workers).forEach { print($0) }
    }
}

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a job: its queued and running segments are dropped; files already finished stay.")

    @Argument(help: "Job id.")
    var job: String

    @OptionGroup var farm: ClientOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        _ = try reportingErrors(verbose: common.verbose) { try farm.client(watching: false).expectStatus(ControlRequest(op: .cancel, job: job)) }
        if common.json { try Terminal.printJSON(["job": job, "state": "cancelled"]) } else { print("cancelled \(job)") }
    }
}

struct PrioritizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prioritize",
        abstract: "Change a running job's priority.",
        discussion: "Its queued segments move ahead of (or behind) other jobs' at once; segments already running finish where they are. Retries always go first.")

    @Argument(help: "Job id (a unique prefix is enough).")
    var job: String

    @Option(parsing: .unconditional, help: "The new priority, from -100 to 100; 0 is the default.")
    var priority: Int

    @OptionGroup var farm: ClientOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        _ = try reportingErrors(verbose: common.verbose) { () throws(OptionError) -> Int in
            try JobLimits.check("--priority", priority, in: JobPriority.range, "higher goes first")
            return priority
        }
        let (id, _) = try reportingErrors(verbose: common.verbose) {
            try farm.client(watching: false).expectStatus(ControlRequest(op: .prioritize, job: job, priority: priority))
        }
        let named = id ?? job
        if common.json { try Terminal.printJSON(JobPriorityLine(job: named, priority: priority)) } else { print("\(named) priority \(priority)") }
    }

    struct JobPriorityLine: Encodable {
        var job: String
        var priority: Int
    }
}

struct DrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract: "Let a worker finish its running segments and leave.",
        discussion: """
        The worker gets no new segments, hands back the ones it holds but has not started \
        (they go to other workers at once), finishes the running ones, says goodbye and exits \
        with status 0, as on SIGTERM. For a machine going down for maintenance; on Kubernetes \
        scale the Deployment down instead (a drained pod would be restarted).
        """)

    @Argument(help: "The worker's name, as `redactfarm workers` lists it.")
    var worker: String

    @OptionGroup var farm: ClientOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        _ = try reportingErrors(verbose: common.verbose) { try farm.client(watching: false).expectStatus(ControlRequest(op: .drain, worker: worker)) }
        if common.json { try Terminal.printJSON(["worker": worker, "state": "leaving"]) } else { print("draining \(worker)") }
    }
}

struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow a job (or the whole farm) live, from the coordinator's progress events.",
        discussion: "On a terminal the view is redrawn in place; otherwise one line per file is printed whenever something changes. Ends when the job ends (Ctrl-C for the whole farm).")

    @Argument(help: "Job id; the whole farm when omitted.")
    var job: String?

    @OptionGroup var farm: ClientOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        let client = try reportingErrors(verbose: common.verbose) { try farm.client(watching: true) }
        var jobID = job
        if let prefix = job {
            let (id, _) = try reportingErrors(verbose: common.verbose) { try client.expectStatus(ControlRequest(op: .status, job: prefix)) }
            jobID = id
        }
        let final = try Watcher(client: client, job: jobID, mode: isatty(STDOUT_FILENO) == 1 ? .redraw : .lines(toStderr: false)).untilFinished()
        if final.state == .failed { throw ExitCode(1) }
    }
}

/// Follows the event stream: redraws a terminal in place, or prints changed lines.
struct Watcher {
    enum Mode: Equatable {
        /// A terminal: the whole view redrawn in place.
        case redraw
        /// Lines that changed, on stdout (watch into a pipe) or stderr (submit --wait).
        case lines(toStderr: Bool)
    }
    let client: FarmClient
    let job: String?
    let mode: Mode

    func untilFinished() throws -> JobStatus {
        var lastLines: [String] = []
        var last: JobStatus?
        while true {
            guard let status = client.nextStatus(timeoutMilliseconds: 5000) else {
                // No event for a while: ask directly (the coordinator may have restarted).
                if let job, let (_, s) = try? client.expectStatus(ControlRequest(op: .status, job: job)), let j = s.jobs.first, j.state.isFinal {
                    return j
                }
                continue
            }
            let jobs = job.map { id in status.jobs.filter { $0.id == id } } ?? status.jobs
            var lines = jobs.flatMap { StatusView.jobLines($0, fps: status.framesPerSecond) }
            if job == nil || mode == .redraw { lines += [""] + StatusView.workerLines(status.workers) }
            switch mode {
            case .redraw:
                print("\u{1B}[H\u{1B}[2J" + lines.joined(separator: "\n"))
            case .lines(let toStderr):
                for line in lines where !lastLines.contains(line) {
                    if toStderr { FileHandle.standardError.write(Data((line + "\n").utf8)) } else { print(line) }
                }
            }
            lastLines = lines
            if let job, let j = jobs.first(where: { $0.id == job }) {
                last = j
                if j.state.isFinal { return j }
            }
            if job != nil, jobs.isEmpty, let last { return last }
        }
    }
}
