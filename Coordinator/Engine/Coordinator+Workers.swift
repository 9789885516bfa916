import Foundation
import Logging
import RedactCore

/// The work channel's peers: hellos, heartbeats both ways, goodbyes, and the one place a
/// worker is removed (Majordomo's `worker_delete`): its leases end there and nowhere else.
extension Coordinator {
    func handleWorkMessage(_ frames: [[UInt8]], socket: Int, peerAddress: String? = nil) {
        guard frames.count >= 2 else { return drop("a message without a routing envelope") }
        let route = frames[0]
        let message: WireMessage
        switch Result(catching: { () throws(ProtocolError) in try WireCodec.decode(Array(frames.dropFirst())) }) {
        case .success(let m): message = m
        case .failure(let error): return drop("from \(peerName(route)): \(error)")
        }
        if case .hello(let hello) = message { return welcome(hello, route: route, socket: socket, address: peerAddress) }
        guard workers[route] != nil else {
            // A worker this coordinator does not know (it restarted, or gave up on the
            // worker): its result still counts if it checks out; then it is asked, once a
            // second at most, to announce itself.
            if case .result(let result, let segment, let coverage) = message {
                accept(result, segment: segment, coverage: coverage, from: nil)
            }
            // A worker's last goodbye after it was removed (it said bye holding nothing, then
            // bye again on its way out): it never joins again, and its socket may be gone.
            if case .bye = message { return }
            let now = MonotonicClock.now
            if now - (announceAsked[route] ?? 0) >= 1000 {
                announceAsked[route] = now
                send(.announceAgain, to: route, socket: socket)
            }
            return
        }
        workers[route]?.lastHeard = MonotonicClock.now
        switch message {
        case .heartbeat(let held):
            heard(held, from: route)
        case .result(let result, let segment, let coverage):
            accept(result, segment: segment, coverage: coverage, from: route)
        case .failure(let id, let kind, let reason):
            guard let lease = leases.lease(id), lease.worker == route, let name = workers[route]?.hello.name else {
                return config.log.info("ignored a failure report for \(id), which that worker does not hold", metadata: id.logMetadata)
            }
            leases.end(id)
            countFailure(id, of: name, reason: "failed on \(name): \(reason)", as: kind == .permanent ? .failedPermanently : .failed)
        case .bye(let handedBack):
            let name = workers[route]?.hello.name ?? peerName(route)
            for id in handedBack where leases.lease(id)?.worker == route {
                leases.end(id)
                returnToQueue(id, reason: "handed back by \(name)", as: .handedBack, counts: false)
            }
            // A worker that is stopping hands back what it has not started, finishes what it
            // has and says bye again: it leaves once it holds nothing.
            workers[route]?.draining = true
            workers[route]?.saidBye = true
            if leases.heldCount(by: route) == 0 { removeWorker(route, because: "worker \(name) left", as: .handedBack, counts: false) }
            statusDirty = true
        case .hello, .welcome, .refuse, .task, .cancel, .announceAgain, .drain:
            drop("\(message.kind) from worker \(workers[route]?.hello.name ?? ""): not a worker's message")
        }
    }

    private func welcome(_ hello: WorkerHello, route: [UInt8], socket: Int, address: String?) {
        let ours = "redactfarm \(RedactFarmVersion.current)"
        var refusal: String?
        if hello.software != ours { refusal = "runs \(hello.software); this coordinator needs \(ours) (segments must stitch bit-compatibly)" }
        // This build pins one file per role: a worker holding another file for a role runs
        // something else (a worker simply without a model is welcome, and gets no job that
        // needs it).
        for (role, sha) in hello.models.sorted(by: { $0.key < $1.key }) {
            guard let known = ModelRole(rawValue: role) else { refusal = "announces a model for the unknown role \(role)"; break }
            if sha != known.pinned.sha256 { refusal = "has \(role) model \(sha.prefix(12))…, the pinned one is \(known.pinned.sha256.prefix(12))…"; break }
        }
        if hello.credit < 1 || hello.credit > 64 { refusal = "asked for a credit of \(hello.credit) (1-64)" }
        if let refusal {
            config.log.warning("refused worker \(hello.name): \(refusal)", metadata: ["worker": "\(hello.name)", "host": "\(hello.host)"])
            send(.refuse(reason: refusal), to: route, socket: socket)
            return
        }
        send(.welcome(Welcome(heartbeatMilliseconds: config.heartbeatMilliseconds, livenessMilliseconds: config.livenessMilliseconds)),
             to: route, socket: socket)
        // A second hello on the same connection (answering an `announceAgain` that crossed
        // the first) is the same worker: its leases and counts stay, and it joined only once.
        guard workers[route] == nil else { return }
        workers[route] = ConnectedWorker(route: route, socket: socket, hello: hello, address: address, connectedAt: MonotonicClock.now, lastHeard: MonotonicClock.now)
        announceAsked[route] = nil
        config.log.info("worker \(hello.name) joined (\(hello.cores) cores, \(hello.slots) slot(s), credit \(hello.credit), models: \(hello.models.keys.sorted().joined(separator: ", ")), \(hello.inference))",
                        metadata: ["worker": "\(hello.name)", "host": "\(hello.host)"])
        statusDirty = true
    }

    /// A heartbeat lists what the worker holds. Its own leases get their progress; a task it
    /// holds that no lease names is adopted when it is the segment's latest attempt and queued
    /// (a restart or a reconnect came between dispatch and result), and cancelled when nobody
    /// needs it any more. Anything else it holds is an older attempt that may still win.
    private func heard(_ held: [TaskProgress], from route: WorkerRoute) {
        // A lease its holder no longer lists (it dropped the task, or never got it) would
        // otherwise wait for a result that cannot come, however alive the worker is. A task
        // granted within the liveness period may still be on its way, and is left alone.
        let listed = Set(held.map(\.id)), now = MonotonicClock.now
        for lease in leases.held(by: route) where !listed.contains(lease.id) && Int(now - lease.grantedAt) > config.livenessMilliseconds {
            leases.end(lease.id)
            config.log.info("\(workers[route]?.hello.name ?? peerName(route)) no longer holds \(lease.id)")
            returnToQueue(lease.id, reason: "its worker no longer held it", as: .handedBack, counts: false)
        }
        var strays: Set<TaskID> = []
        for task in held {
            if leases.lease(task.id)?.worker == route {
                leases.recordProgress(task.id, framesDone: task.framesDone, from: route)
            } else if adopt(task, from: route) {
                leases.recordProgress(task.id, framesDone: task.framesDone, from: route)
            } else {
                strays.insert(task.id)
                if workers[route]?.strays.contains(task.id) != true, isUnwanted(task.id) { cancel(task.id, on: route) }
            }
        }
        workers[route]?.strays = strays
        // A cancelled task it no longer lists has been dropped: no later heartbeat can bring it back.
        workers[route]?.cancelled.formIntersection(listed)
        statusDirty = true
    }

    private func adopt(_ task: TaskProgress, from route: WorkerRoute) -> Bool {
        let key = SegmentKey(file: task.id.file, index: Int(task.id.segment))
        guard leases.lease(for: key) == nil, queue.contains(key), let worker = workers[route], !worker.draining,
              !worker.cancelled.contains(task.id) else { return false }
        do throws(MediaError) {
            guard let file = try store.file(key.file), file.jobID == task.id.job, !file.state.isFinal,
                  try store.adoptAttempt(key, attempt: Int(task.id.attempt))
            else { return false }
        } catch {
            config.log.info("cannot adopt \(task.id): \(error)")
            return false
        }
        queue.remove(key)
        leases.grant(task.id, to: route, priority: .retry, at: MonotonicClock.now)
        config.log.info("\(worker.hello.name) still holds \(task.id): it carries on (not dispatched again)")
        return true
    }

    /// Whether no result of this attempt can be used: its segment is done or its file ended.
    private func isUnwanted(_ id: TaskID) -> Bool {
        let key = SegmentKey(file: id.file, index: Int(id.segment))
        guard let file = try? store.file(key.file), file.jobID == id.job, !file.state.isFinal,
              let segment = try? store.segment(key) else { return true }
        return segment.state == .done || segment.state == .failed
    }

    /// An operator's drain: no new work for it, and it is told to finish what it runs, hand
    /// back what it only holds and leave (its `bye` ends its leases as on SIGTERM).
    func drainWorker(_ route: WorkerRoute) {
        guard let worker = workers[route] else { return }
        workers[route]?.draining = true
        config.log.info("draining worker \(worker.hello.name) at an operator's request", metadata: ["worker": "\(worker.hello.name)"])
        if send(.drain, to: route, socket: worker.socket) == .unroutable {
            removeWorker(route, because: "worker \(worker.hello.name) disconnected", as: .workerLost, counts: true)
        }
        statusDirty = true
    }

    /// Tells a worker to drop a task, and remembers that it did.
    func cancel(_ id: TaskID, on route: WorkerRoute) {
        guard let worker = workers[route] else { return }
        workers[route]?.cancelled.insert(id)
        send(.cancel(id), to: route, socket: worker.socket)
    }

    /// Removes a worker and ends every lease it holds, requeuing their segments. The only place
    /// a worker leaves the broker. `counts`: whether the loss counts against its segments'
    /// attempts (a crash, silence or a dropped connection does; a goodbye does not).
    func removeWorker(_ route: WorkerRoute, because why: String, as kind: SegmentSetback, counts: Bool) {
        guard let worker = workers.removeValue(forKey: route) else { return }
        let lost = leases.endAll(heldBy: route)
        config.log.log(level: kind == .workerLost ? .warning : .info, "\(lost.isEmpty ? why : "\(why); requeuing its \(lost.count) task(s)")",
                       metadata: ["worker": "\(worker.hello.name)", "host": "\(worker.hello.host)", "reason": "\(kind.rawValue)"])
        for lease in lost { returnToQueue(lease.id, reason: "worker \(worker.hello.name): \(why)", as: kind, counts: counts) }
        statusDirty = true
    }

    /// Silent workers leave, their segments requeued. Silence from most of the fleet at once
    /// (more than half of two or more workers unheard for two heartbeats) is this coordinator's
    /// own network, or its own stall, rather than anything its segments did: those attempts
    /// are not counted, so a partition cannot use up a segment's attempts and fail its file.
    /// One worker going quiet while the others talk still counts (a segment that kills its
    /// worker is failed after the allowed attempts).
    func reapSilentWorkers() {
        let now = MonotonicClock.now
        let silent = workers.filter { Int(now - $0.value.lastHeard) > config.livenessMilliseconds }
        guard !silent.isEmpty else { return }
        let quiet = workers.values.filter { Int(now - $0.lastHeard) > 2 * config.heartbeatMilliseconds }.count
        let fleet = workers.count
        let ours = Self.silenceIsOurs(quiet: quiet, of: fleet)
        for (route, worker) in silent {
            let why = "worker \(worker.hello.name) silent for \(now - worker.lastHeard) ms"
            removeWorker(route, because: ours ? "\(why) (\(quiet) of \(fleet) workers quiet at once: taken for this coordinator's own network, not counted against its segments)" : why,
                         as: .workerLost, counts: !ours)
        }
    }

    static func silenceIsOurs(quiet: Int, of workers: Int) -> Bool { workers >= 2 && quiet * 2 > workers }

    /// A heartbeat that cannot be routed means the connection is gone (ROUTER_MANDATORY): the
    /// worker is removed at once rather than when its lease runs out, and is not warned about
    /// again each second.
    func sendHeartbeats() {
        let now = MonotonicClock.now
        guard Int(now - lastHeartbeat) >= config.heartbeatMilliseconds else { return }
        lastHeartbeat = now
        for (route, worker) in workers where send(.heartbeat([]), to: route, socket: worker.socket) == .unroutable {
            removeWorker(route, because: "worker \(worker.hello.name) disconnected", as: .workerLost, counts: true)
        }
        announceAsked = announceAsked.filter { now - $0.value < 10_000 }
    }

    enum SendOutcome { case sent, unroutable, failed }

    /// Sends without waiting; a failure is logged (a repeated one once a minute).
    @discardableResult
    func send(_ message: WireMessage, to route: [UInt8], socket: Int) -> SendOutcome {
        do throws(ZMQError) {
            try workSockets[socket].send([route] + WireCodec.encode(message), dontWait: true)
            return .sent
        } catch {
            let name = workers[route]?.hello.name ?? peerName(route)
            if let line = repeatedWarnings.line("send \(name) \(error)", "cannot send \(message.kind) to \(name): \(error)", now: MonotonicClock.now) {
                config.log.info("\(line)")
            }
            return error.isUnroutable ? .unroutable : .failed
        }
    }

    /// A peer's routing id as a log may show it (it is peer-controlled).
    func peerName(_ route: WorkerRoute) -> String { LogText.escaped(String(decoding: route, as: UTF8.self)) }

    func drop(_ what: String) {
        if let line = repeatedWarnings.line("drop " + what, "dropped \(what)", now: MonotonicClock.now) { config.log.info("\(line)") }
    }
}
