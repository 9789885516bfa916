import Foundation
import RedactCore

/// The work channel: hellos, heartbeats and leases, dispatch under credit, and results that
/// are accepted once per attempt and only when they check out.
extension Coordinator {
    func handleWorkMessage(_ frames: [[UInt8]], socket: Int) {
        guard frames.count >= 2 else { return drop("a message without a routing envelope") }
        let route = frames[0]
        let message: WireMessage
        switch Result(catching: { () throws(ProtocolError) in try WireCodec.decode(Array(frames.dropFirst())) }) {
        case .success(let m): message = m
        case .failure(let error): return drop("from \(String(decoding: route, as: UTF8.self)): \(error)")
        }
        if case .hello(let hello) = message { return welcome(hello, route: route, socket: socket) }
        guard var worker = workers[route] else {
            // A worker this coordinator does not know (it restarted, or gave up on the
            // worker): ask it to announce itself. Its results still count if still wanted.
            if case .result(let result, let segment, let coverage) = message {
                accept(result, segment: segment, coverage: coverage, from: nil)
            }
            send(.announceAgain, to: route, socket: socket)
            return
        }
        worker.lastHeard = MonotonicClock.now
        workers[route] = worker
        switch message {
        case .heartbeat(let held):
            for p in held where worker.tasks.values.contains(p.id) { workers[route]?.progress[p.id] = p.framesDone }
            statusDirty = true
        case .result(let result, let segment, let coverage):
            accept(result, segment: segment, coverage: coverage, from: route)
        case .failure(let id, let kind, let reason):
            release(id, from: route, reason: "failed on \(worker.hello.name): \(reason)", counts: true, permanent: kind == .permanent)
        case .bye(let handedBack):
            for id in handedBack { release(id, from: route, reason: "handed back by \(worker.hello.name)", counts: false) }
            // A worker that is stopping hands back what it has not started, finishes what it
            // has and says bye again: it leaves once it holds nothing.
            workers[route]?.draining = true
            if workers[route]?.tasks.isEmpty == true {
                if let leaving = workers.removeValue(forKey: route) {
                    for id in leaving.tasks.values { returnToQueue(id, reason: "\(leaving.hello.name) left", counts: false) }
                    config.log("worker \(leaving.hello.name) left")
                }
            }
            statusDirty = true
        case .hello, .welcome, .refuse, .task, .cancel, .announceAgain:
            drop("\(message.kind) from worker \(worker.hello.name): not a worker's message")
        }
    }

    private func welcome(_ hello: WorkerHello, route: [UInt8], socket: Int) {
        let ours = "redactfarm \(RedactFarmVersion.current)"
        var refusal: String?
        if hello.software != ours { refusal = "runs \(hello.software); this coordinator needs \(ours) (segments must stitch bit-compatibly)" }
        if hello.modelSHA256 != CenterFaceModel.sha256 { refusal = "has face model \(hello.modelSHA256.prefix(12))…, the pinned one is \(CenterFaceModel.sha256.prefix(12))…" }
        if hello.credit < 1 || hello.credit > 64 { refusal = "asked for a credit of \(hello.credit) (1-64)" }
        if let refusal {
            config.log("refused worker \(hello.name): \(refusal)")
            send(.refuse(reason: refusal), to: route, socket: socket)
            return
        }
        // A second hello on the same connection (answering an `announceAgain` that crossed
        // the first) is the same worker still holding the same tasks: keep them.
        var entry = ConnectedWorker(route: route, socket: socket, hello: hello, connectedAt: MonotonicClock.now, lastHeard: MonotonicClock.now)
        if let previous = workers[route] {
            entry.tasks = previous.tasks
            entry.progress = previous.progress
            entry.segmentsDone = previous.segmentsDone
            entry.framesDone = previous.framesDone
            entry.busyMilliseconds = previous.busyMilliseconds
        }
        workers[route] = entry
        send(.welcome(Welcome(heartbeatMilliseconds: config.heartbeatMilliseconds, livenessMilliseconds: config.livenessMilliseconds)),
             to: route, socket: socket)
        config.log("worker \(hello.name) joined (\(hello.cores) cores, \(hello.slots) slot(s), credit \(hello.credit))")
        statusDirty = true
    }

    /// Checks a result against the plan and stores it durably before counting it done.
    func accept(_ result: TaskResult, segment: [UInt8], coverage: [UInt8], from route: [UInt8]?) {
        let key = SegmentKey(file: result.id.file, index: Int(result.id.segment))
        let workerName = route.flatMap { workers[$0]?.hello.name } ?? "a worker not (yet) announced"
        // Only the attempt this result is for leaves the worker's holdings: a late result for
        // an older attempt must not erase the newer one it holds for the same segment, or that
        // attempt would have no holder to be requeued from when the worker is lost.
        if let route, workers[route]?.tasks[key] == result.id {
            workers[route]?.tasks[key] = nil
            workers[route]?.progress[result.id] = nil
        }
        do throws(MediaError) {
            guard let file = try store.file(key.file), file.jobID == result.id.job, file.state == .processing || file.state == .splitting,
                  let record = try store.segment(key),
                  record.state != .done, record.dispatches == Int(result.id.attempt)
            else {
                config.log("ignored a late or duplicate result for \(result.id)")
                return
            }
            if let flight = inFlight[key], flight.id != result.id { return config.log("ignored a superseded result for \(result.id)") }
            let plan = try plan(for: key.file)
            guard key.index < plan.segments.count else { throw MediaError(path: "\(result.id)", reason: "no such segment in the plan") }
            try verify(result, segment: segment, coverage: coverage, against: plan.segments[key.index])
            let area = FileWorkArea(stateDirectory: config.stateDirectory, fileID: key.file)
            try AtomicOutput.write(segment, to: area.directory + "/" + area.outputSegmentName(plan.segments[key.index]))
            try AtomicOutput.write(coverage, to: area.coveragePath(key.index))
            let doneBy = try store.finishAttempt(key, attempt: Int(result.id.attempt), outputSHA256: result.outputSHA256,
                                                 outputBytes: segment.count, detections: result.detections)
            gates[key.file]?.publish(key.index, .init(
                output: .init(file: area.outputSegmentName(plan.segments[key.index]), sha256: result.outputSHA256,
                              byteSize: segment.count, frameCount: result.frameCount),
                worker: doneBy.worker, workerHost: doneBy.host, detections: result.detections))
            inFlight[key] = nil
            failedOn[key] = nil
            queue.removeAll { $0 == key }
            framesCompleted += result.frameCount
            if let route {
                workers[route]?.segmentsDone += 1
                workers[route]?.framesDone += result.frameCount
                workers[route]?.busyMilliseconds += result.milliseconds
            }
            statusDirty = true
            try startStitchIfReady(key.file)
        } catch {
            config.log("rejected the result for \(result.id) from \(workerName): \(error.reason)")
            returnToQueue(result.id, reason: "result rejected: \(error.reason)", counts: true, failedBy: route.flatMap { workers[$0]?.hello.name })
        }
    }

    /// The frame count, timestamps and hashes must be the plan's; anything else is refused.
    private func verify(_ result: TaskResult, segment bytes: [UInt8], coverage: [UInt8],
                        against record: SegmentPlan.SegmentRecord) throws(MediaError) {
        let label = "\(result.id)"
        guard result.inputSHA256 == record.sha256 else { throw MediaError(path: label, reason: "worker redacted a different input segment") }
        let sha = SHA256Hex.of(bytes)
        guard sha == result.outputSHA256 else { throw MediaError(path: label, reason: "segment arrived damaged (SHA-256 mismatch)") }
        let segment = try SegmentFile(bytes: bytes, path: label)
        let owned = segment.ownedPackets
        guard owned.count == record.frameCount, segment.decodePrefixCount == 0, segment.contextSuffixCount == 0 else {
            throw MediaError(path: label, reason: "has \(owned.count) frames, the plan says \(record.frameCount)")
        }
        guard segment.timeBase == record.timeBase, owned.map(\.pts).min() == record.ptsFirst, owned.map(\.pts).max() == record.ptsLast else {
            throw MediaError(path: label, reason: "covers other timestamps than the plan's \(record.ptsFirst)…\(record.ptsLast)")
        }
        guard let frames = try? JSONDecoder().decode([ProcessedSegment.FrameCoverage].self, from: Data(coverage)),
              frames.count == record.frameCount
        else { throw MediaError(path: label, reason: "its detections do not list every frame") }
    }

    /// A task the worker no longer holds (failed, handed back).
    private func release(_ id: TaskID, from route: [UInt8], reason: String, counts: Bool, permanent: Bool = false) {
        let key = SegmentKey(file: id.file, index: Int(id.segment))
        guard workers[route]?.tasks[key] == id else { return config.log("ignored a message about \(id), which that worker does not hold") }
        let name = workers[route]?.hello.name
        workers[route]?.tasks[key] = nil
        workers[route]?.progress[id] = nil
        returnToQueue(id, reason: reason, counts: counts, permanent: permanent, failedBy: name)
    }

    /// Ends an attempt without a result: back to the queue, or after `maxFailures` counted
    /// ones, the segment fails and with it the file. A permanent failure (the footage or the
    /// options, not the moment) fails the file at once: every attempt would end the same way.
    /// `failedBy`: the worker a counted failure is held against, so retries go elsewhere.
    func returnToQueue(_ id: TaskID, reason: String, counts: Bool, permanent: Bool = false, failedBy worker: String? = nil) {
        let key = SegmentKey(file: id.file, index: Int(id.segment))
        guard inFlight[key]?.id == id else { return }
        if counts, let worker { failedOn[key, default: []].insert(worker) }
        inFlight[key] = nil
        statusDirty = true
        do throws(MediaError) {
            let state = try store.abandonAttempt(key, attempt: Int(id.attempt), reason: reason, counts: counts,
                                                 maxFailures: config.maxFailures, permanent: permanent)
            if state == .failed {
                try failFile(key.file, reason: permanent ? "\(segmentPlace(key)): \(reason)"
                                                         : "\(segmentPlace(key)) failed \(config.maxFailures) times; last: \(reason)")
            } else {
                queue.insert(key, at: 0)  // retries first, so a file is not held up by one segment
                config.log("requeued \(key) (\(reason))")
            }
        } catch {
            config.log("cannot record the end of \(id): \(error)")
        }
    }

    /// "segment N (from 12.34 s)", as a file's error names where it went wrong.
    func segmentPlace(_ key: SegmentKey) -> String {
        guard let plan = plans[key.file], key.index < plan.segments.count else { return "segment \(key.index)" }
        let record = plan.segments[key.index]
        return "segment \(key.index) (from \(String(format: "%.2f", Double(record.ptsFirst) * record.timeBase.doubleValue)) s)"
    }

    func reapSilentWorkers() {
        let now = MonotonicClock.now
        for (route, worker) in workers where Int(now - worker.lastHeard) > config.livenessMilliseconds {
            workers[route] = nil
            config.log("worker \(worker.hello.name) silent for \(now - worker.lastHeard) ms; requeuing its \(worker.tasks.count) task(s)")
            for id in worker.tasks.values { returnToQueue(id, reason: "worker \(worker.hello.name) went silent", counts: true, failedBy: worker.hello.name) }
            statusDirty = true
        }
    }

    func sendHeartbeats() {
        let now = MonotonicClock.now
        guard Int(now - lastHeartbeat) >= config.heartbeatMilliseconds else { return }
        lastHeartbeat = now
        for (route, worker) in workers { send(.heartbeat([]), to: route, socket: worker.socket) }
    }

    /// Hands queued segments to workers with free credit, least loaded first.
    func dispatch() throws(MediaError) {
        while !queue.isEmpty {
            let free = workers.values.filter { $0.freeCredit > 0 }
            guard !free.isEmpty else { return }
            let key = queue.removeFirst()
            guard inFlight[key] == nil, let file = try store.file(key.file), file.state == .processing || file.state == .splitting else { continue }
            // A retry goes to a worker that has not failed this segment, when one has room:
            // one bad worker alone must not use up every attempt.
            let failed = failedOn[key] ?? []
            let fresh = free.filter { !failed.contains($0.hello.name) }
            let route = (fresh.isEmpty ? free : fresh).min { $0.tasks.count < $1.tasks.count }!.route
            try assign(key, file: file, to: route)
        }
        moveWaitingTaskToAnIdleWorker()
    }

    /// At the end of a queue, a segment waiting in one worker's prefetch slot moves to a
    /// worker with nothing to do; otherwise the last segments run one after another on one
    /// worker while another idles. Only a task the worker reports as not started is moved (if
    /// it starts meanwhile, the worker drops it on `cancel`: some work is repeated, none lost).
    private func moveWaitingTaskToAnIdleWorker() {
        guard queue.isEmpty, let idle = workers.values.first(where: { $0.tasks.isEmpty && $0.freeCredit > 0 }) else { return }
        for worker in workers.values where worker.route != idle.route && worker.tasks.count > 1 {
            guard let (_, id) = worker.tasks.first(where: { worker.progress[$0.value] == -1 }) else { continue }
            workers[worker.route]?.tasks = worker.tasks.filter { $0.value != id }
            workers[worker.route]?.progress[id] = nil
            send(.cancel(id), to: worker.route, socket: worker.socket)
            returnToQueue(id, reason: "moved from \(worker.hello.name) to idle \(idle.hello.name)", counts: false)
            return  // dispatched on the next turn of the loop
        }
    }

    private func assign(_ key: SegmentKey, file: FileRecord, to route: [UInt8]) throws(MediaError) {
        guard let worker = workers[route] else { return }
        let plan = try plan(for: key.file)
        let record = plan.segments[key.index]
        let area = FileWorkArea(stateDirectory: config.stateDirectory, fileID: key.file)
        let bytes: [UInt8]
        do throws(MediaError) {
            bytes = try FileBytes.read(area.directory + "/" + record.file)
        } catch {
            return try failFile(key.file, reason: "segment \(key.index) is missing from the state folder: \(error.reason)")
        }
        let (_, json) = try jobOptions(file.jobID)
        let attempt = try store.startAttempt(key, worker: worker.hello.name, host: worker.hello.host)
        let id = TaskID(job: file.jobID, file: key.file, segment: Int32(key.index), attempt: Int32(attempt))
        let task = TaskAssignment(id: id, muxer: plan.input.muxer, frameRate: plan.video.averageFrameRate,
                                  firstTrackID: Int64(key.index) * 1_000_000, segmentSHA256: record.sha256, jobJSON: json)
        inFlight[key] = (id, route)
        workers[route]?.tasks[key] = id
        statusDirty = true
        if !send(.task(task, segment: bytes), to: route, socket: worker.socket) {
            workers[route] = nil
            returnToQueue(id, reason: "\(worker.hello.name) is unreachable", counts: false)
            for other in worker.tasks.values where other != id { returnToQueue(other, reason: "\(worker.hello.name) is unreachable", counts: false) }
        }
    }

    @discardableResult
    func send(_ message: WireMessage, to route: [UInt8], socket: Int) -> Bool {
        do {
            try workSockets[socket].send([route] + WireCodec.encode(message), dontWait: true)
            return true
        } catch {
            config.log("cannot send \(message.kind) to \(String(decoding: route, as: UTF8.self)): \(error)")
            return false
        }
    }

    func drop(_ what: String) {
        config.log("dropped \(what)")
    }
}
