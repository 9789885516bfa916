import ArgumentParser
import Foundation
import Logging
import RedactCoordinator
import RedactCore
import RedactEmbedded
import RedactWorker

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Redact segments for a coordinator, on this machine.",
        discussion: """
        Connects to the coordinator, announces its cores, software version and face-model \
        hash, and redacts the segments it is sent, in memory only: no footage is written to \
        this machine's disk. Start and stop workers at any time; the coordinator needs no \
        configuration for them. It holds at most --slots + --prefetch segments.

        Over TCP it uses CurveZMQ with --key (default: this machine's worker key, made on \
        first use; its public key is printed so it can be added to the coordinator's \
        allowlist) and --server-key, the coordinator's .pub file. --insecure for plain TCP. \
        A coordinator that refuses the key (or speaks another security) ends the worker with \
        one line saying why and exit status 1; --retry-when-refused keeps it trying instead.

        SIGTERM or Ctrl-C: hand back segments not started, finish the running ones, leave. \
        A second signal hands back everything at once.
        """
    )

    @Option(help: "The coordinator's worker endpoint, e.g. tcp://farm-01:7460.")
    var connect: String

    @Option(help: "The coordinator's public key file (.pub), for CURVE.")
    var serverKey: String?

    @Option(help: "This worker's secret key (default: REDACTFARM_HOME/worker.key, made on first use).")
    var key: String?

    @Flag(help: "Connect over plain TCP (the coordinator must run with --insecure).")
    var insecure = false

    @Flag(help: "Keep trying (backing off to a minute) when the coordinator refuses this worker's key, for allowlists updated by automation.")
    var retryWhenRefused = false

    @Option(help: "Name shown in `redactfarm workers` (default: HOST-PID).")
    var name: String = WorkerConfiguration.defaultName

    @Option(parsing: .unconditional, help: """
        Cores this worker may use (default: all of this machine's). Several workers on one \
        machine share its cores: give each its part, or they oversubscribe them.
        """)
    var cores: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(parsing: .unconditional, help: """
        Segments processed at once (default: one per core of --cores). The cores are shared \
        between them: each slot decodes and encodes on one thread and runs inference on \
        cores/slots.
        """)
    var slots: Int?

    @Option(parsing: .unconditional, help: "Segments held beyond the running ones, so the worker never waits for the network.")
    var prefetch: Int = 1

    @OptionGroup var models: ModelOptions

    @OptionGroup var service: ServiceOptions

    @OptionGroup var common: CommonOptions

    func run() throws {
        let slots = try reportingErrors(verbose: common.verbose) { () throws(OptionError) -> Int in
            try JobLimits.check("--cores", cores, in: 1...4096, "cores this worker may use")
            try JobLimits.check("--slots", self.slots ?? cores, in: JobLimits.slots, "segments processed at once")
            try JobLimits.check("--prefetch", prefetch, in: JobLimits.prefetch, "segments held beyond the running ones")
            return self.slots ?? cores
        }
        let metricsAddress = try reportingErrors(verbose: common.verbose) { () throws(OptionError) -> HTTPAddress? in
            try service.parsedMetricsAddress()
        }
        var log = LineLogHandler.logger(source: "worker", format: service.logFormat)
        log[metadataKey: "worker"] = "\(name)"
        // The plate model is optional unless named: without it the coordinator sends this
        // worker no job that hides plates.
        let held = try reportingErrors(verbose: common.verbose) { try models.load(required: [.face], optional: [.faceInt8, .text]) }
        if held[.text] == nil { log.warning("no licence-plate model found: this worker takes no jobs with --targets plate") }
        let shownKey = LockedBox<String?>(nil)
        let security = try reportingErrors(verbose: common.verbose) {
            try KeyLocations.peerSecurity(endpoint: connect, insecure: insecure, serverKey: serverKey, key: key, role: "worker") { publicKey in
                shownKey.withLock { $0 = publicKey }
                log.info("CURVE public key \(publicKey) (must be in the coordinator's allowlist)")
            }
        }
        let budget = ThreadBudget(cores: cores, slots: slots)
        InferenceThreads.set(budget.inferenceThreadsPerSlot)
        log.info("threads: \(budget)")
        var config = WorkerConfiguration(endpoint: connect, name: name, models: held.map,
                                         makeDetectors: { (job: RedactionJob) throws(MediaError) -> [any TargetDetector] in
                                             try DetectorRegistry.detectors(for: job, models: held)
                                         })
        config.security = security
        config.slots = max(1, slots)
        config.prefetch = max(0, prefetch)
        config.log = log
        config.retryWhenRefused = retryWhenRefused
        config.metricsAddress = metricsAddress
        config.publicKey = shownKey.withLock { $0 }
        let stop = StopSignal()
        stop.installSignalHandlers()
        do {
            try WorkerLoop(config).run(until: stop)
        } catch let error as WorkerError {
            Terminal.printError(error.reason)
            throw ExitCode(1)
        } catch {
            Terminal.printError("\(connect): \(error)")
            throw ExitCode(1)
        }
    }
}
