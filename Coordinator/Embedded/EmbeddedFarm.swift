import Foundation
import RedactCoordinator
import RedactCore
import RedactWorker

/// `redactfarm run`: a coordinator and `workers` local workers in one process, talking over
/// inproc sockets: the same broker, store, protocol, verification, stitching and manifests as
/// the distributed farm, only without the network.
///
/// The state folder holds the source's unredacted segments, so it is a `PrivateFolder`
/// (0700, locked by this process) beside the output (segments can be as large as the
/// input, and the output's file system has room for them), removed when the job ends however
/// it ends: done, failed, or stopped by SIGINT/SIGTERM. After a SIGKILL the next `run` into
/// the same folder removes it.
public struct EmbeddedFarm: Sendable {
    public var options: JobOptions
    public var workers: Int
    public var identity: FarmIdentity
    /// role → SHA-256 of the models the local workers hold.
    public var models: [String: String]
    public var makeDetectors: SegmentTaskRunner.DetectorFactory
    /// Keep the state here instead of a temporary folder (and keep it afterwards).
    public var stateDirectory: String?
    public var log: @Sendable (String) -> Void = { _ in }
    /// Audits outputs of jobs that ask for it (`--audit`).
    public var auditor: LeakAudit.Runner?
    /// Redacts cover art.
    public var pictureRedactor: CoverArtRedactor.Runner?

    /// Local workers on `models`, with each job's detectors from `DetectorRegistry`.
    public init(options: JobOptions, workers: Int, identity: FarmIdentity, models: ModelSet) {
        self.init(options: options, workers: workers, identity: identity, models: models.map,
                  makeDetectors: { (job: RedactionJob) throws(MediaError) -> [any TargetDetector] in
                      try DetectorRegistry.detectors(for: job, models: models)
                  })
    }

    /// Local workers announcing `models` and building detectors with `makeDetectors`.
    public init(options: JobOptions, workers: Int, identity: FarmIdentity, models: [String: String],
                makeDetectors: @escaping SegmentTaskRunner.DetectorFactory) {
        self.options = options
        self.workers = max(1, workers)
        self.identity = identity
        self.models = models
        self.makeDetectors = makeDetectors
    }

    /// The prefix of every embedded state folder, for finding stale ones.
    public static let stateFolderPrefix = ".redactfarm-run-"

    /// Redacts `inputs` into `output` (a file for one input with `outputIsFile`, else a
    /// folder) and returns the job's final status. `progress` sees every published status.
    /// `stop`: a request ends the job at once, leaving no output and no working files.
    public func run(inputs: [String], output: String, outputIsFile: Bool, overwrite: Bool = true,
                    stop: StopSignal = StopSignal(),
                    progress: @escaping (JobStatus, _ framesPerSecond: Double) -> Void = { _, _ in }) throws(MediaError) -> JobStatus {
        // The local workers are the only ones: a job needing a model they lack would wait
        // for a worker that never comes.
        let lacking = DetectorRegistry.models(for: options.job).filter { models[$0.key] != $0.value }.keys.sorted()
        guard lacking.isEmpty else {
            let named = lacking.map { ModelRole(rawValue: $0)?.pinned.role ?? "\($0) model" }
            throw MediaError(path: inputs.first ?? output, reason: "the job needs the " + named.joined(separator: " and the ")
                             + ", which this machine does not have (run ops/setup.sh or pass its path)")
        }
        // Nor would a job computing in an arithmetic this CPU lacks.
        let precision = options.job.detector.effectivePrecision
        guard DetectorRegistry.models(for: options.job).isEmpty || precision.isAvailable else {
            throw MediaError(path: inputs.first ?? output, reason: "--precision \(precision.rawValue) was asked for, but this CPU has no bf16 arithmetic (AVX-512 BF16 or AMX) and the local workers are the only ones; use --precision f32 or auto")
        }
        let outputFolder = outputIsFile ? (JobIntake.absolutePath(output) as NSString).deletingLastPathComponent : JobIntake.absolutePath(output)
        // Folders this run makes and leaves empty (every file failed) go again, up to the
        // first that was already there.
        var made: [String] = []
        var ancestor = outputFolder
        while !FileManager.default.fileExists(atPath: ancestor), ancestor != "/" {
            made.append(ancestor)
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        if !outputIsFile { try? FileManager.default.createDirectory(atPath: outputFolder, withIntermediateDirectories: true) }
        defer {
            for folder in made where (try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty == true {
                try? FileManager.default.removeItem(atPath: folder)
            }
        }
        // What a killed run left here: its unredacted segments and half-written outputs.
        for stale in PrivateFolder.removeStale(in: outputFolder, prefix: Self.stateFolderPrefix) + AtomicOutput.removeStaleTemporaries(in: outputFolder) {
            log("removed \(stale), left by a run that was killed")
        }
        let privateState = stateDirectory == nil ? try PrivateFolder(path: outputFolder + "/" + Self.stateFolderPrefix + "\(getpid())") : nil
        let state = stateDirectory ?? privateState!.path
        defer { privateState?.remove() }

        let context: ZMQContext
        do { context = try ZMQContext() } catch { throw MediaError(path: output, reason: "cannot start the local farm: \(error.description)") }
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var config = CoordinatorConfiguration(stateDirectory: state, identity: identity)
        config.auditor = auditor
        config.pictureRedactor = pictureRedactor
        config.workEndpoints = ["inproc://work-\(tag)"]
        config.controlEndpoints = ["inproc://control-\(tag)"]
        config.eventEndpoints = ["inproc://events-\(tag)"]
        config.bindLocalEndpoints = false
        config.log = MessageLogHandler.logger("redactfarm.coordinator", log)
        let coordinator = try Coordinator(config, context: context)
        let client = try FarmClient(control: config.controlEndpoints[0], events: config.eventEndpoints[0], context: context)

        let stopCoordinator = StopSignal(), stopWorkers = StopSignal()
        let finished = DispatchGroup()
        let failure = LockedBox<MediaError?>(nil)
        let coordinatorBox = UncheckedBox(coordinator)
        runThread("coordinator", finished) {
            do throws(MediaError) { try coordinatorBox.value.run(until: stopCoordinator) } catch { failure.withLock { $0 = error } }
        }
        for n in 0..<workers {
            var worker = WorkerConfiguration(endpoint: config.workEndpoints[0], name: "local-\(n + 1)", models: models,
                                             makeDetectors: makeDetectors)
            worker.log = MessageLogHandler.logger("redactfarm.worker", log)
            guard let loop = try? WorkerLoop(worker, context: context) else { continue }
            let loopBox = UncheckedBox(loop)
            runThread("worker-\(n + 1)", finished) {
                do throws(WorkerError) { try loopBox.value.run(until: stopWorkers) } catch { failure.withLock { $0 = MediaError(path: output, reason: "a local worker stopped: \(error.reason)") } }
            }
        }
        defer {
            stopWorkers.request()
            stopWorkers.request()  // nothing to hand back to: stop now
            stopCoordinator.request()
            finished.wait()
        }

        let submission = SubmitRequest(inputs: inputs, output: output, outputIsFile: outputIsFile, overwrite: overwrite, options: options)
        let (jobID, _) = try Self.naming(output) { () throws(MediaError) in try client.expectStatus(ControlRequest(op: .submit, submit: submission)) }
        guard let jobID else { throw MediaError(path: output, reason: "the coordinator accepted the job without an id") }
        while true {
            if let error = failure.withLock({ $0 }) { throw error }
            if stop.isRequested {
                _ = try? client.request(ControlRequest(op: .cancel, job: jobID))
                throw MediaError(path: output, reason: "stopped by \(stop.signalName ?? "request") before the job ended; nothing was written and the working files were removed")
            }
            if let status = client.nextStatus(timeoutMilliseconds: 500), let job = status.jobs.first(where: { $0.id == jobID }) {
                progress(job, status.framesPerSecond)
                if job.state.isFinal { break }
            }
        }
        let (_, status) = try Self.naming(output) { () throws(MediaError) in try client.expectStatus(ControlRequest(op: .status, job: jobID)) }
        guard let job = status.jobs.first else { throw MediaError(path: jobID, reason: "job vanished") }
        return job
    }

    /// The in-process sockets are this run's business, not the user's: an error that names
    /// one names the output instead.
    private static func naming<T>(_ output: String, _ body: () throws(MediaError) -> T) throws(MediaError) -> T {
        do throws(MediaError) {
            return try body()
        } catch where error.path.hasPrefix("inproc://") {
            throw MediaError(path: output, reason: error.reason.replacingOccurrences(of: " (is it running, and is this client's key allowed?)", with: ""))
        }
    }

    private func runThread(_ name: String, _ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread {
            body()
            group.leave()
        }
        thread.name = name
        thread.start()
    }
}
