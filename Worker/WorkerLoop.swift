import CZMQ
import Foundation
import Logging
import RedactCore

public struct WorkerConfiguration: Sendable {
    public var endpoint: String
    public var security: PeerSecurity = .plain
    public var name: String
    /// Segments processed at once (one thread each).
    public var slots: Int = 1
    /// Tasks held beyond the running ones, so a worker never waits for the network.
    public var prefetch: Int = 1
    /// role → SHA-256 of the models this worker holds: the coordinator sends it only the
    /// jobs whose targets need no others.
    public var models: [String: String]
    public var makeDetectors: SegmentTaskRunner.DetectorFactory
    /// Where the worker says what it does (`LineLogHandler` in the CLI).
    public var log = Logger(label: "redactfarm.worker", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Heartbeat interval and liveness until the coordinator says otherwise in `welcome`.
    public var heartbeatMilliseconds = 1000
    public var livenessMilliseconds = 5000
    /// A coordinator that refuses this worker's key ends the worker (exit 1) unless this is
    /// set: then it keeps trying, backing off to a minute, for fleets whose allowlist is
    /// updated by automation after the worker starts.
    public var retryWhenRefused = false
    /// Said when a CURVE coordinator refuses this worker's key, so the operator can allow it.
    public var publicKey: String?
    /// Serve `/metrics`, `/healthz` and `/readyz` here (nil: not at all).
    public var metricsAddress: HTTPAddress?

    public init(endpoint: String, name: String, models: [String: String], makeDetectors: @escaping SegmentTaskRunner.DetectorFactory) {
        self.endpoint = endpoint
        self.name = name
        self.models = models
        self.makeDetectors = makeDetectors
    }

    /// `HOST-PID`, unique enough for the coordinator's listing.
    public static var defaultName: String {
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        return "\(String(cString: host))-\(getpid())"
    }
}

public struct WorkerError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// A worker: connect, announce, receive segments, run them through the redaction core on its
/// processing threads, send the results back, heartbeat both ways. If the coordinator goes
/// silent the worker reconnects and announces itself again (the ZeroMQ guide's Paranoid
/// Pirate); on a stop request it hands back what it has not started, finishes what it has,
/// says goodbye and returns. A second stop request hands back everything at once.
public final class WorkerLoop {
    private let config: WorkerConfiguration
    private let context: ZMQContext
    private let board: TaskBoard
    /// Polled beside the socket: a finished task's result or a stop request ends the wait at
    /// once instead of at its 50 ms timeout.
    private let wake: WakeSignal
    private var warnings = RepeatLimiter(intervalMilliseconds: 60_000)
    private let metrics = WorkerMetrics()
    private let loopBeat = LoopBeat()
    private let connection = ReadinessFlag(notYet: "not yet welcomed by the coordinator")
    /// Where `/metrics` is served once `run` has started it (port 0 resolved).
    public private(set) var boundMetricsAddress: HTTPAddress?

    /// `context`: share the coordinator's for inproc endpoints (the embedded farm).
    public init(_ config: WorkerConfiguration, context: ZMQContext? = nil) throws(ZMQError) {
        self.config = config
        wake = try WakeSignal()
        board = TaskBoard(waking: wake)
        if let context { self.context = context } else { self.context = try ZMQContext() }
    }

    public func run(until stop: StopSignal) throws(WorkerError) {
        let wake = self.wake
        stop.whenRequested { wake.signal() }
        let observability = try startObservability()
        let threads = (0..<max(1, config.slots)).map { _ in startProcessingThread() }
        defer {
            board.close()
            for t in threads { t.wait() }
            observability?.stop()
        }
        var heartbeat = config.heartbeatMilliseconds
        var liveness = config.livenessMilliseconds
        var (socket, monitor) = try connect()
        var lastHeard = MonotonicClock.now, lastBeat = MonotonicClock.now, connectedAt = MonotonicClock.now
        var leaving = false
        var drained = false
        var welcomed = false
        var reconnectDelay = 250

        while true {
            loopBeat.turned()
            let isConnected = welcomed && MonotonicClock.since(lastHeard) <= liveness
            connection.set(ready: isConnected && !leaving, otherwise: leaving ? "leaving: finishing its segments" : welcomed ? "the coordinator is silent" : "not yet welcomed by the coordinator at \(config.endpoint)")
            metrics.connected.set(isConnected ? 1 : 0)
            metrics.slotsBusy.set(board.runningCount)
            if (stop.isRequested || drained) && !leaving {
                leaving = true
                let handedBack = stop.isUrgent ? board.heldIDs : board.dropPending()
                send(.bye(handedBack), on: socket)
                config.log.info("\(drained && !stop.isRequested ? "drained by the coordinator" : "stopping"): handed back \(handedBack.count) task(s), finishing \(board.runningCount)")
            }
            if leaving && (board.runningCount == 0 || stop.isUrgent) {
                flushOutbox(socket)
                send(.bye(stop.isUrgent ? board.heldIDs : []), on: socket)
                // Give the goodbye a moment to leave before the socket closes (linger is 0). An
                // in-process worker stops only when its embedded farm's job is over and the
                // coordinator stops with it: nobody waits for that goodbye, and the run would
                // wait a tenth of a second for nothing.
                if !config.endpoint.hasPrefix("inproc://") { Thread.sleep(forTimeInterval: 0.1) }
                return
            }
            if let refusal = checkHandshakes(monitor) {
                guard config.retryWhenRefused else { throw WorkerError(reason: refusal) }
                if let line = warnings.line("refused", refusal + "; trying again (--retry-when-refused)", now: MonotonicClock.now) { config.log.warning("\(line)") }
            }
            if !welcomed, MonotonicClock.since(connectedAt) > 10_000,
               let line = warnings.line("no answer", "no answer from the coordinator at \(config.endpoint) yet: is it running there, with the same security (--server-key, or --insecure on both)?", now: MonotonicClock.now) {
                config.log.warning("\(line)")
            }
            let readable = (try? ZMQPoller.poll([socket], wake: wake, timeoutMilliseconds: 50))?.first ?? false
            if readable, let frames = try? socket.receive(timeoutMilliseconds: 0) {
                lastHeard = MonotonicClock.now
                switch Result(catching: { () throws(ProtocolError) in try WireCodec.decode(frames) }) {
                case .failure(let error):
                    config.log.warning("dropped a message from the coordinator: \(error)")
                case .success(let message):
                    switch message {
                    case .welcome(let w):
                        heartbeat = max(100, w.heartbeatMilliseconds)
                        liveness = max(3 * heartbeat, w.livenessMilliseconds)
                        reconnectDelay = 250
                        if !welcomed { config.log.info("connected to \(config.endpoint)") }
                        welcomed = true
                    case .refuse(let reason):
                        throw WorkerError(reason: "the coordinator at \(config.endpoint) refused this worker: \(reason)")
                    case .task(let task, let segment):
                        if leaving { send(.bye([task.id]), on: socket) } else { board.add(task, segment: segment) }
                    case .cancel(let id):
                        board.cancel(id)
                    case .announceAgain:
                        // A worker on its way out never joins again (a coordinator that
                        // dropped it on `bye` asks, since heartbeats still arrive).
                        if !leaving { send(.hello(hello), on: socket) }
                    case .heartbeat:
                        break
                    case .drain:
                        drained = true
                    case .hello, .result, .failure, .bye:
                        config.log.warning("dropped a \(message.kind) message: workers do not accept it")
                    }
                }
            }
            flushOutbox(socket)
            if MonotonicClock.since(lastBeat) >= heartbeat {
                send(.heartbeat(board.held), on: socket)
                lastBeat = MonotonicClock.now
            }
            if !leaving, MonotonicClock.since(lastHeard) > liveness {
                config.log.warning("coordinator silent for \(liveness) ms; reconnecting in \(reconnectDelay) ms")
                Thread.sleep(forTimeInterval: Double(reconnectDelay) / 1000)
                reconnectDelay = min(reconnectDelay * 2, 8000)
                // Tasks not started were requeued by the coordinator when this worker went
                // quiet; running ones finish and are offered, accepted if still wanted.
                _ = board.dropPending()
                (socket, monitor) = try connect()
                lastHeard = MonotonicClock.now
                // "No answer yet" counts from the last time this worker was let in, however
                // many times it reconnected since.
                if welcomed { connectedAt = MonotonicClock.now }
                welcomed = false
            }
        }
    }

    /// `/metrics`, `/healthz` (the network loop is turning) and `/readyz` (models loaded,
    /// welcomed by a coordinator that is heard from, not leaving).
    private func startObservability() throws(WorkerError) -> ObservabilityServer? {
        metrics.slots.set(max(1, config.slots))
        guard let address = config.metricsAddress else { return nil }
        let models = config.models
        let beat = loopBeat, connection = connection
        do {
            let server = try ObservabilityServer(
                address: address, metrics: metrics.registry,
                liveness: [.turning("loop", beat, stallMilliseconds: 30_000)],
                readiness: [.turning("loop", beat, stallMilliseconds: 30_000),
                            HealthCheck("models") { models.isEmpty ? "no model loaded" : nil },
                            HealthCheck("coordinator") { connection.failure }])
            boundMetricsAddress = server.address
            config.log.info("metrics and health: http://\(server.address)/metrics, /healthz, /readyz")
            return server
        } catch {
            throw WorkerError(reason: "\(error.subject): \(error.description)")
        }
    }

    private var hello: WorkerHello {
        WorkerHello(name: config.name, software: "redactfarm \(RedactFarmVersion.current)", models: config.models,
                    inference: CenterFaceDetector.engineOnThisMachine,
                    precisions: InferencePrecision.allCases.filter(\.isAvailable).map(\.rawValue), cores: ProcessInfo.processInfo.activeProcessorCount, slots: max(1, config.slots),
                    credit: max(1, config.slots) + max(0, config.prefetch))
    }

    private func connect() throws(WorkerError) -> (ZMQSocket, SocketMonitor?) {
        do {
            let socket = try ZMQSocket(context, .dealer)
            // A fresh identity per connection: the coordinator never confuses a reconnected
            // worker with the one it already gave up on.
            try socket.set(ZMQ_ROUTING_ID, "\(config.name)/\(UInt32.random(in: 0...UInt32.max))")
            // Refused or unreachable: libzmq reconnects, backing off to a minute.
            try socket.set(ZMQ_RECONNECT_IVL_MAX, 60_000)
            try config.security.apply(to: socket)
            let monitor = config.endpoint.hasPrefix("tcp://") ? try SocketMonitor(watching: socket, context: context) : nil
            try socket.connect(config.endpoint)
            // Never a blocking send: after a refused handshake libzmq closes the connection's
            // pipe, and a DEALER with no pipe would wait forever instead of reaching the loop
            // that reads why it was refused. An unsent hello is repeated when the coordinator
            // asks (announceAgain) or the worker reconnects.
            _ = try socket.offer(WireCodec.encode(.hello(hello)))
            return (socket, monitor)
        } catch {
            throw WorkerError(reason: "cannot connect to \(config.endpoint): \(error)")
        }
    }

    /// Why the coordinator would not let this worker in, if libzmq says it did not.
    private func checkHandshakes(_ monitor: SocketMonitor?) -> String? {
        guard let refusal = monitor?.refusal() else { return nil }
        let at = "the coordinator at \(config.endpoint)"
        switch refusal {
        case .keyNotAllowed(400):
            return "\(at) refused this worker: its CURVE public key\(config.publicKey.map { " \($0)" } ?? "") is not on the coordinator's allowlist"
        case .keyNotAllowed(let status):
            return "\(at) refused this worker (ZAP status \(status)): its key could not be checked"
        case .securityMismatch:
            return "\(at) refused this worker: one side uses CURVE and the other plain TCP (give both the same: --server-key here and keys there, or --insecure on both)"
        case .wrongServerKey:
            return "\(at) refused this worker: the CURVE handshake failed (is --server-key that coordinator's public key?)"
        case .hungUp(let code):
            // The coordinator hangs up mid-handshake every time: it does not accept how this
            // worker speaks.
            if case .plain = config.security {
                return "\(at) refused this worker during the handshake: it requires CURVE and this worker uses plain TCP (give --server-key, or run the coordinator with --insecure)"
            }
            return "\(at) refused this worker during the handshake (libzmq code \(code)): is --server-key that coordinator's public key, and does it use CURVE?"
        }
    }

    private func send(_ message: WireMessage, on socket: ZMQSocket) {
        do throws(ZMQError) { try socket.send(WireCodec.encode(message), dontWait: true) } catch {
            if let line = warnings.line("send \(message.kind) \(error)", "cannot send \(message.kind) to \(config.endpoint): \(error)", now: MonotonicClock.now) {
                config.log.info("\(line)")
            }
        }
    }

    private func flushOutbox(_ socket: ZMQSocket) {
        for message in board.takeOutbox() { send(message, on: socket) }
    }

    private func startProcessingThread() -> DispatchSemaphore {
        let done = DispatchSemaphore(value: 0)
        let makeDetectors = config.makeDetectors
        let held = config.models
        let board = self.board
        let log = config.log
        let metrics = self.metrics
        let thread = Thread {
            let runner = SegmentTaskRunner(makeDetectors: makeDetectors)
            defer { done.signal() }
            while let (task, segment) = board.take() {
                let started = MonotonicClock.now
                // The coordinator routes by models; a task that needs one this worker lacks
                // (a coordinator of another mind) goes back to be run elsewhere.
                let missing = JobCapabilities.describe(task.models, lackedBy: held)
                let message = missing.isEmpty
                    ? runner.run(task, segment: segment, onFrameStep: { board.frameStepDone(task.id) }, isCancelled: { board.isAbandoned(task.id) })
                    : .failure(task.id, .transient, reason: "this worker lacks " + missing.joined(separator: " and "))
                var outcome = "failed", frames = 0
                if case .result(let result, _, _) = message { (outcome, frames) = (result.copied ? "copied" : "redacted", result.frameCount) }
                if board.isAbandoned(task.id) {
                    outcome = "abandoned"
                    log.info("abandoned task \(task.id) (cancelled or stopping)", metadata: task.id.logMetadata)
                } else if case .failure(_, _, let reason) = message {
                    log.warning("task \(task.id) failed: \(reason)", metadata: task.id.logMetadata)
                } else if let times = runner.lastTimes {
                    log.info("task \(task.id) done: \(times)", metadata: task.id.logMetadata)
                }
                metrics.finished(outcome: outcome, frames: frames, sourceBytes: segment.count,
                                 milliseconds: MonotonicClock.since(started), times: runner.lastTimes)
                board.complete(task.id, with: message)
            }
        }
        thread.name = "segment"
        thread.start()
        return done
    }
}
