import ArgumentParser
import Foundation
import Logging
import RedactCoordinator
import RedactCore

struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run the farm's coordinator: job intake, scheduling, verification, stitching, manifests.",
        discussion: """
        Jobs, files, segments and attempts are kept in SQLite in the state folder; a \
        coordinator killed at any moment and started again on the same folder resumes every \
        job without redoing finished segments. Workers join and leave at any time \
        (`redactfarm worker --connect`); one that goes silent for --liveness-ms has its \
        segments requeued.

        TCP endpoints use CurveZMQ: the coordinator's key is --key (made on first use), and \
        only workers and clients whose public key is in the --allow file get in (the file is \
        re-read when it changes). Plain TCP needs --insecure. Commands on this machine reach \
        the coordinator through ipc sockets in the state folder (`--state DIR`), no keys \
        needed. SIGTERM or Ctrl-C stops it cleanly.
        """
    )

    @Option(help: "State folder (SQLite store, segments in flight, local sockets).")
    var state: String

    @Option(help: "Endpoint workers connect to.")
    var listen: String = "tcp://0.0.0.0:7460"

    @Option(help: "TCP endpoint for clients on other machines (submit/status/... --connect).")
    var control: String?

    @Option(help: "TCP endpoint publishing progress events for remote `watch`.")
    var events: String?

    @Option(help: "Coordinator secret key (default: STATE/coordinator.key, made on first use).")
    var key: String?

    @Option(help: "Allowlist of worker and client CURVE public keys, one per line (default: STATE/allowed_keys).")
    var allow: String?

    @Flag(help: "Accept plain, unauthenticated TCP (only on a network you trust).")
    var insecure = false

    @Option(help: "Failed or lost attempts after which a segment fails its file.")
    var maxAttempts: Int = 3

    @Option(help: "Silence (ms) after which a worker is taken for dead and its segments requeued.")
    var livenessMs: Int = 5000

    @Option(help: "Largest message frame (bytes) accepted from a worker; a peer sending more is disconnected.")
    var maxMessageBytes: Int64 = 1 << 30

    @OptionGroup var service: ServiceOptions

    @OptionGroup var common: CommonOptions

    func run() throws {
        let metricsAddress = try reportingErrors(verbose: common.verbose) { () throws(OptionError) -> HTTPAddress? in
            try JobLimits.check("--max-attempts", maxAttempts, in: 1...100)
            try JobLimits.check("--liveness-ms", livenessMs, in: 1000...3_600_000, "a worker silent this long is taken for dead")
            try JobLimits.check("--max-message-bytes", Int(clamping: maxMessageBytes), in: (1 << 20)...(1 << 32))
            return try service.parsedMetricsAddress()
        }
        let log = LineLogHandler.logger(source: "coordinator", format: service.logFormat)
        let coordinator = try reportingErrors(verbose: common.verbose) { () throws(MediaError) -> Coordinator in
            let stateDir = JobIntake.absolutePath(state)
            try? FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
            let identity = try FarmIdentity.read(orCreate: key, default: stateDir + "/coordinator.key")
            var config = CoordinatorConfiguration(stateDirectory: stateDir, identity: identity)
            config.workEndpoints = [listen]
            config.controlEndpoints = control.map { [$0] } ?? []
            config.eventEndpoints = events.map { [$0] } ?? []
            config.maxFailures = max(1, maxAttempts)
            config.livenessMilliseconds = max(1000, livenessMs)
            config.maxFrameBytes = max(1 << 20, maxMessageBytes)
            config.log = log
            config.metricsAddress = metricsAddress
            // The face model (and plate model, where present) lets this coordinator audit
            // outputs for jobs that ask for it; without it such jobs fail, saying why.
            var auditModels = ModelSet()
            try? auditModels.loadIfPresent(.face)
            try? auditModels.loadIfPresent(.text)
            if auditModels[.face] != nil {
                config.auditor = LeakAudit.runner(models: auditModels)
                config.pictureRedactor = CoverArtRedactor.runner(models: auditModels)
            } else {
                log.warning("no face model found: jobs submitted with --audit will fail on this coordinator, and files with cover art are refused unless it is dropped")
            }
            let usesTCP = (config.workEndpoints + config.controlEndpoints + config.eventEndpoints).contains { $0.hasPrefix("tcp://") }
            if usesTCP && !insecure {
                let allowlist = allow.map(JobIntake.absolutePath) ?? stateDir + "/allowed_keys"
                if !FileManager.default.fileExists(atPath: allowlist) {
                    try AtomicOutput.write(Array("# CURVE public keys of workers and clients allowed in, one per line (redactfarm keygen)\n".utf8), to: allowlist)
                }
                config.tcpSecurity = .curve(identity.curve)
                config.allowlist = allowlist
                log.info("CURVE on; server key \(identity.curve.publicKey) (give \(stateDir)/coordinator.pub to workers); allowlist \(allowlist)")
            } else if usesTCP {
                log.warning("--insecure: TCP endpoints are unencrypted and anyone who can reach them gets in")
            }
            let coordinator = try Coordinator(config)
            let metrics = coordinator.boundMetricsAddress.map { "; metrics and health: http://\($0)/metrics" } ?? ""
            log.info("workers: \(coordinator.boundWorkEndpoints.joined(separator: ", ")); control: \(coordinator.boundControlEndpoints.joined(separator: ", "))\(metrics)")
            return coordinator
        }
        let stop = StopSignal()
        stop.installSignalHandlers()
        try reportingErrors(verbose: common.verbose) { try coordinator.run(until: stop) }
    }
}
