import CZMQ
import Foundation
import Logging
import RedactCore

public struct CoordinatorConfiguration: Sendable {
    public var stateDirectory: String
    /// Where workers connect (tcp://HOST:PORT, ipc://PATH, inproc://NAME).
    public var workEndpoints: [String] = []
    /// Where clients connect. `ipc://STATE/control.sock` is always bound as well.
    public var controlEndpoints: [String] = []
    /// Where progress events are published. `ipc://STATE/events.sock` is always bound too.
    public var eventEndpoints: [String] = []
    /// Applied to tcp:// endpoints; ipc and inproc are local and rely on file permissions.
    public var tcpSecurity: ServerSecurity = .plain
    /// Public keys allowed in over CURVE (see `ZAPAuthenticator`).
    public var allowlist: String?
    /// Signs manifests.
    public var identity: FarmIdentity
    /// Audits outputs of jobs that ask for it; nil on a coordinator without the face model
    /// (such jobs then fail, saying so).
    public var auditor: LeakAudit.Runner?
    /// Redacts cover art; nil on a coordinator without the face model (files with cover
    /// art are then refused up front unless it is dropped).
    public var pictureRedactor: CoverArtRedactor.Runner?
    /// Failed or lost attempts after which a segment fails its file.
    public var maxFailures = 3
    public var heartbeatMilliseconds = 1000
    /// Silence after which a worker is taken for dead and its tasks requeued.
    public var livenessMilliseconds = 5000
    /// Largest message frame accepted from a worker; a peer sending more is disconnected.
    public var maxFrameBytes: Int64 = 1 << 30
    /// Where the coordinator says what it does (`LineLogHandler` in the CLI).
    public var log = Logger(label: "redactfarm.coordinator", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Serve `/metrics`, `/healthz` and `/readyz` here (nil: not at all).
    public var metricsAddress: HTTPAddress?
    /// Also bind `ipc://` control and event sockets in the state folder, so commands given
    /// `--state` on the same machine need no keys.
    public var bindLocalEndpoints = true

    public init(stateDirectory: String, identity: FarmIdentity) {
        self.stateDirectory = stateDirectory
        self.identity = identity
    }

    public var localControlEndpoint: String { "ipc://" + stateDirectory + "/control.sock" }
    public var localEventEndpoint: String { "ipc://" + stateDirectory + "/events.sock" }
}

/// The broker (the ZeroMQ guide's Majordomo, reduced to one service): one thread owns every
/// socket and all scheduling state; splitting and stitching run on background lanes and post
/// back. Everything it acts on is committed to the `JobStore` first.
public final class Coordinator {
    let config: CoordinatorConfiguration
    let context: ZMQContext
    let store: JobStore
    var workSockets: [ZMQSocket] = []
    var controlSockets: [ZMQSocket] = []
    /// XPUB, so the broker knows whether anyone listens: a status of a thousand workers is
    /// encoded only for someone to read.
    var eventSockets: [ZMQSocket] = []
    /// The topics subscribed to on each event socket (XPUB reports every subscribe, and a
    /// topic's unsubscribe when its last subscriber leaves).
    var eventTopics: [Set<[UInt8]>] = []
    private var authenticator: ZAPAuthenticator?
    /// Handshake events of the TCP endpoints, so refused peers are logged (once an hour each).
    private var monitors: [SocketMonitor] = []
    private var refusals = RepeatLimiter(intervalMilliseconds: 3_600_000)

    var workers: [WorkerRoute: ConnectedWorker] = [:]
    /// Who holds what (see `LeaseTable`): the one truth dispatch, results and recovery share.
    var leases = LeaseTable()
    var queue = WorkQueue()
    var quarantine = Quarantine()
    /// Segments running when this coordinator started, not handed out again until their
    /// holders have had a moment to re-announce and carry on with them (`heldBackUntil`).
    var heldBack: Set<SegmentKey> = []
    var heldBackUntil: UInt64 = 0
    /// When each queued retry was requeued, to log how soon it ran again.
    var requeuedAt: [SegmentKey: UInt64] = [:]
    /// Unknown routes asked to announce themselves, and when (at most once a second each).
    var announceAsked: [WorkerRoute: UInt64] = [:]
    var repeatedWarnings = RepeatLimiter(intervalMilliseconds: 60_000)
    var lastAudit: UInt64 = 0
    var plans: [Int64: SegmentPlan] = [:]
    /// Results checked and not yet handed to a group commit (`startGroupCommit`).
    var staged: [StagedResult] = []
    /// The segments of every result checked and not yet taken back from its commit: staged
    /// or being recorded.
    var stagedKeys: Set<SegmentKey> = []
    /// Group commits run here, one at a time, their outcomes posted to `commits`.
    let commitLane = BackgroundLane(name: "commit")
    let commits: Inbox<GroupCommit>
    /// Polled beside the sockets: the background lanes' news (`Inbox`) wakes the loop at once.
    let loopWake: WakeSignal
    var commitInFlight = false
    /// Files being split (at most one split per file).
    var splittingFiles: Set<Int64> = []
    /// Files being stitched, each waiting at its gate for segments still to come.
    var gates: [Int64: SegmentGate] = [:]
    /// Complete files waiting for a stitch thread (at most `maxStitches` run at once).
    var stitchBacklog: [Int64] = []
    var jobOptionsCache: [String: (options: JobOptions, json: [UInt8])] = [:]
    /// What each file's job needs of a worker (capability routing).
    var requirementsByFile: [Int64: FileRequirements] = [:]
    /// Files whose queued segments no connected worker can serve, and why.
    var unservedFiles: [Int64: String] = [:]
    let splitLane = BackgroundLane(name: "split")
    let pipeline: Inbox<PipelineEvent>
    var meter = ThroughputMeter()
    var framesCompleted = 0
    /// The most frames shown done per unfinished file, so published progress is monotone.
    var progressShown: [Int64: Int] = [:]
    var statusDirty = true
    var lastPublished: UInt64 = 0
    var lastHeartbeat: UInt64 = 0
    let metrics = CoordinatorMetrics(registry: MetricsRegistry())
    /// Whether job counts changed since the metrics last read them from the store.
    var jobsChanged = true
    var lastMetricsUpdate: UInt64 = 0
    /// The job of each file with queued segments, for the per-job queue depth.
    var jobOfFile: [Int64: String] = [:]
    let loopBeat = LoopBeat()
    let readiness = ReadinessFlag(notYet: "recovering the store's jobs")
    private var observability: ObservabilityServer?

    enum PipelineEvent: Sendable {
        /// A segment is on disk; the plan's header (without segments) comes with it.
        case segmentReady(Int64, SegmentPlan.SegmentRecord, SegmentPlan)
        case planned(Int64, Result<SegmentPlan, MediaError>)
        case finished(Int64, Result<OutputFinisher.Finished, MediaError>)
    }

    /// Opens the store and binds every endpoint; the coordinator is reachable when this
    /// returns. `context`: share one with in-process workers (inproc endpoints).
    public init(_ config: CoordinatorConfiguration, context: ZMQContext? = nil) throws(MediaError) {
        self.config = config
        // The state folder holds the sources' segments until their files are done: 0700.
        do {
            for dir in [config.stateDirectory, config.stateDirectory + "/work"] {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                guard chmod(dir, 0o700) == 0 else { throw MediaError(path: dir, reason: "cannot make the state folder private") }
            }
        } catch let error as MediaError {
            throw error
        } catch {
            throw MediaError(path: config.stateDirectory, reason: "cannot create the state folder")
        }
        store = try JobStore(stateDirectory: config.stateDirectory)
        do {
            loopWake = try WakeSignal()
            commits = Inbox(waking: loopWake)
            pipeline = Inbox(waking: loopWake)
            self.context = try context ?? ZMQContext()
            if case .curve = config.tcpSecurity {
                guard let allowlist = config.allowlist else {
                    throw MediaError(path: config.stateDirectory, reason: "CURVE needs an allowlist of worker and client keys")
                }
                let log = config.log
                authenticator = try ZAPAuthenticator(context: self.context, allowlist: allowlist, log: { log.warning("\($0)") })
            }
            workSockets = try config.workEndpoints.map { try bind(.router, $0, worker: true) }
            let local = config.bindLocalEndpoints
            controlSockets = try ((local ? [config.localControlEndpoint] : []) + config.controlEndpoints).map { try bind(.router, $0, worker: false) }
            eventSockets = try ((local ? [config.localEventEndpoint] : []) + config.eventEndpoints).map { try bind(.xpub, $0, worker: false) }
            eventTopics = eventSockets.map { _ in [] }
            if let address = config.metricsAddress {
                observability = try ObservabilityServer(
                    address: address, metrics: metrics.registry,
                    liveness: [.turning("broker", loopBeat, stallMilliseconds: Self.stallMilliseconds)],
                    readiness: [.turning("broker", loopBeat, stallMilliseconds: Self.stallMilliseconds),
                                HealthCheck("store") { [readiness] in readiness.failure }])
            }
        } catch let error as ObservabilityError {
            throw MediaError(path: error.subject, reason: error.description)
        } catch let error as MediaError {
            throw error
        } catch {
            throw MediaError(path: config.stateDirectory, reason: "\(error)")
        }
    }

    private func bind(_ kind: ZMQSocket.Kind, _ endpoint: String, worker: Bool) throws -> ZMQSocket {
        let socket = try ZMQSocket(context, kind)
        if kind == .router {
            // An unroutable send fails instead of vanishing, so a task for a worker that has
            // just gone is requeued at once.
            try socket.set(ZMQ_ROUTER_MANDATORY, 1)
            try socket.set(ZMQ_ROUTER_HANDOVER, 1)
        }
        // Every subscribe reaches the broker (not only a topic's first), so each new watcher
        // is answered with a status at once.
        if kind == .xpub { try socket.set(ZMQ_XPUB_VERBOSE, 1) }
        if worker { try socket.set(ZMQ_MAXMSGSIZE, int64: config.maxFrameBytes) }
        if endpoint.hasPrefix("tcp://") {
            try config.tcpSecurity.apply(to: socket)
            monitors.append(try SocketMonitor(watching: socket, context: context))
        }
        if endpoint.hasPrefix("ipc://") {
            let path = String(endpoint.dropFirst(6))
            guard path.utf8.count < 100 else {
                throw MediaError(path: path, reason: "socket path is too long for a Unix socket (keep the state folder's path under about 80 characters)")
            }
            unlink(path)  // a stale socket file from a killed run
        }
        do {
            try socket.bind(endpoint)
        } catch {
            throw MediaError(path: endpoint, reason: "cannot listen: \(error)")
        }
        return socket
    }

    /// What the ZAP handler does not see: a peer speaking plain ZeroMQ on a CURVE port, or one
    /// with the wrong server key. (Refused keys are logged by the ZAP handler, with the key.)
    private func logRefusedHandshakes() {
        let now = MonotonicClock.now
        for monitor in monitors {
            for event in monitor.events() {
                let line: String?
                switch event {
                case .mechanismMismatch(let endpoint):
                    line = refusals.line("mechanism \(endpoint)", "refused a connection on \(endpoint): the peer does not use the same security (plain TCP on a CURVE port, or CURVE on a plain one)", now: now)
                case .cryptographicFailure(let endpoint):
                    line = refusals.line("crypto \(endpoint)", "refused a connection on \(endpoint): its CURVE handshake failed (the peer has another server key)", now: now)
                case .handshakeFailed(let code, let endpoint):
                    // libzmq often gives no detail: the peer hung up when the mechanisms met.
                    line = refusals.line("failed \(endpoint)", "refused a connection on \(endpoint): its handshake failed (libzmq code \(code)): a peer using plain TCP on this CURVE port, or another server key", now: now)
                case .handshakeSucceeded, .refusedByAuthentication:
                    line = nil
                }
                if let line { config.log.warning("\(line)") }
            }
        }
    }

    /// The endpoints as bound (tcp://…:0 resolved to its port).
    public var boundWorkEndpoints: [String] { workSockets.map(\.lastEndpoint) }
    public var boundControlEndpoints: [String] { controlSockets.map(\.lastEndpoint) }
    public var boundEventEndpoints: [String] { eventSockets.map(\.lastEndpoint) }
    /// Where `/metrics` is served, with the port picked for port 0.
    public var boundMetricsAddress: HTTPAddress? { observability?.address }

    /// A broker loop that has not turned for this long fails `/healthz`: every step of a turn
    /// is bounded (a poll of 100 ms, store writes, at most 64 messages a socket), so this is
    /// a loop stuck, not a busy one.
    static let stallMilliseconds = 30_000

    /// Serves until `stop` is requested. Work in flight is left to the store: on the next
    /// start it is requeued, and finished segments are never redone.
    public func run(until stop: StopSignal) throws(MediaError) {
        let wake = loopWake
        stop.whenRequested { wake.signal() }
        try recover()
        readiness.set(ready: true, otherwise: "")
        defer {
            // A result being recorded finishes first, so what was made durable is taken in.
            try? settleGroupCommit()
            readiness.set(ready: false, otherwise: "the coordinator is stopping")
            observability?.stop()
            for gate in gates.values { gate.fail(MediaError(path: config.stateDirectory, reason: "the coordinator is stopping")) }
            splitLane.stop()
            commitLane.stop()
            authenticator?.stop()
        }
        let sockets = workSockets + controlSockets
        while !stop.isRequested {
            loopBeat.turned()
            // Background news wakes the loop: a group commit recorded (its workers wait for their
            // results to count), a segment split, a file stitched.
            let ready = (try? ZMQPoller.poll(sockets, wake: loopWake, timeoutMilliseconds: 100)) ?? []
            for (i, isReady) in ready.enumerated() where isReady {
                // Drain a bounded number per socket so one busy peer cannot starve the rest.
                for _ in 0..<64 {
                    guard let (frames, peer) = try? sockets[i].receiveWithPeer(timeoutMilliseconds: 0) else { break }
                    if i < workSockets.count {
                        handleWorkMessage(frames, socket: i, peerAddress: peer)
                    } else {
                        handleControlMessage(frames, socket: sockets[i])
                    }
                }
            }
            try finishGroupCommits()
            startGroupCommit()
            readSubscriptions()
            logRefusedHandshakes()
            try handlePipelineEvents()
            reapSilentWorkers()
            sendHeartbeats()
            try dispatch()
            try auditLeasesIfDue()
            publishStatusIfDue()
            updateMetricsIfDue()
        }
        config.log.info("stopping; \(leases.count) task(s) in flight will be requeued on the next start")
    }

    /// Picks up where the last run stopped: requeue what was in flight, redo interrupted
    /// splits and stitches, and queue the segments still to do.
    private func recover() throws(MediaError) {
        let wasRunning = try store.recoverAfterRestart()
        removeLeftovers()
        var unfinished = 0
        for file in try store.files() where !file.state.isFinal {
            unfinished += 1
            switch file.state {
            case .pending: startSplit(file)
            case .processing:
                guard (try? plan(for: file.id)) != nil else {
                    config.log.warning("file \(file.id): plan unreadable; splitting again", metadata: ["file": "\(file.id)", "job": "\(file.jobID)"])
                    try store.setFileState(file.id, .pending)
                    startSplit(file)
                    continue
                }
                try startStitchIfReady(file.id)
            default: break
            }
        }
        queue = WorkQueue(try store.queuedSegments(), ranks: try store.filePriorities())
        // What was running may still be running: its workers re-announce within a heartbeat
        // or two and carry on (`heard`); only then is it handed out again.
        heldBack = Set(wasRunning.filter(queue.contains))
        for key in heldBack { queue.push(key, .retry) }
        heldBackUntil = MonotonicClock.now + UInt64(2 * config.heartbeatMilliseconds + 1000)
        if unfinished > 0 {
            config.log.info("resuming: \(unfinished) unfinished file(s), \(queue.count) segment(s) queued, \(heldBack.count) of them running at the stop")
        }
    }

    /// What a killed coordinator can leave: the work folders (source segments) of files that
    /// have ended, and half-written outputs beside the outputs of files still to do.
    private func removeLeftovers() {
        guard let files = try? store.files() else { return }
        let live = Set(files.filter { !$0.state.isFinal }.map { "file-\($0.id)" })
        let work = config.stateDirectory + "/work"
        // Work areas taken out of the way but not yet deleted when the last run ended.
        try? FileManager.default.removeItem(atPath: FileWorkArea.trash(config.stateDirectory))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: work)) ?? [] where !live.contains(name) {
            try? FileManager.default.removeItem(atPath: work + "/" + name)
            config.log.info("removed \(work)/\(name), the working folder of a file that has ended")
        }
        let folders = Set(files.filter { !$0.state.isFinal }.map { ($0.output as NSString).deletingLastPathComponent })
        for folder in folders {
            for path in AtomicOutput.removeStaleTemporaries(in: folder) { config.log.info("removed \(path), left by a stitch that was killed") }
        }
    }

    func plan(for fileID: Int64) throws(MediaError) -> SegmentPlan {
        if let plan = plans[fileID] { return plan }
        let plan = try PlanStore.read(directory: FileWorkArea(stateDirectory: config.stateDirectory, fileID: fileID).directory)
        plans[fileID] = plan
        return plan
    }

    func jobOptions(_ jobID: String) throws(MediaError) -> (options: JobOptions, json: [UInt8]) {
        if let cached = jobOptionsCache[jobID] { return cached }
        guard let options = try store.job(jobID)?.options else { throw MediaError(path: jobID, reason: "job has no readable options") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = Array((try? encoder.encode(options.job)) ?? Data())
        jobOptionsCache[jobID] = (options, json)
        return (options, json)
    }
}

/// What a file's job needs of a worker: the models its task names, and everything the
/// scheduler matches against a worker's offer (`JobCapabilities`).
struct FileRequirements: Sendable, Equatable {
    var models: [String: String]
    var capabilities: [String: String]
}
