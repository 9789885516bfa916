import Foundation
import Logging
import RedactCore

/// Dispatch under credit as the `Scheduler` decides, the end of an attempt without a result,
/// and the periodic `LeaseAudit` that repairs anything the rest got wrong.
extension Coordinator {
    func dispatch() throws(MediaError) {
        let now = MonotonicClock.now
        if !heldBack.isEmpty, now >= heldBackUntil {
            heldBack = []
        }
        // Nothing queued, work moves only from a worker holding two or more (its strays
        // counted, as the scheduler counts them) to an idle one.
        guard !queue.isEmpty || (workers.values.contains(where: { leases.heldCount(by: $0.route) == 0 })
                                 && workers.values.contains(where: { leases.heldCount(by: $0.route) + $0.strays.count >= 2 })) else { return }
        func accepting(_ w: ConnectedWorker) -> Bool { !w.draining && !quarantine.isQuarantined(w.hello.name, now: now) }
        // With no free credit anywhere only a retry can be placed (in a waiting task's stead):
        // the common state of a busy farm costs nothing more here, with a thousand workers too.
        guard !queue.retries.isEmpty
              || workers.values.contains(where: { accepting($0) && leases.heldCount(by: $0.route) + $0.strays.count < $0.hello.credit })
        else { return }
        let candidates = workers.values.map { w in
            Scheduler.Candidate(route: w.route, name: w.hello.name, credit: w.hello.credit, accepting: accepting(w),
                                leases: leases.held(by: w.route), strays: w.strays.count, offers: w.offers)
        }
        var avoid: [SegmentKey: Set<String>] = [:]
        for key in queue.retries { avoid[key] = try store.failedWorkers(key) }
        var needs: [Int64: [String: String]] = [:]
        for file in queue.countByFile.keys { needs[file] = try requirements(ofFile: file).capabilities }
        let decision = Scheduler.decide(queue: queue, workers: candidates, avoid: avoid, heldBack: heldBack, needs: needs,
                                        resultsInHand: stagedKeys)
        let waiting = Set(decision.unservable.map(\.file))
        if waiting != Set(unservedFiles.keys) {
            unservedFiles = [:]
            for file in waiting {
                // What no connected worker offers (one may hold the face model, another the
                // text model: the job needs one worker with both).
                let needed = needs[file] ?? [:]
                let offers = candidates.map(\.offers)
                let lacking = needed.filter { entry in !offers.contains { $0[entry.key] == entry.value } }
                unservedFiles[file] = lacking.isEmpty
                    ? "no connected worker has all of " + JobCapabilities.describe(needed).joined(separator: ", ")
                    : "no connected worker has " + JobCapabilities.describe(lacking).joined(separator: " or ")
                config.log.warning("file \(file) waits: \(unservedFiles[file]!)", metadata: ["file": "\(file)"])
            }
            statusDirty = true
        }
        for revocation in decision.revocations {
            let lease = revocation.lease
            guard leases.end(lease.id) != nil else { continue }
            if let holder = workers[lease.worker] {
                cancel(lease.id, on: lease.worker)
                config.log.info("took \(lease.id) back from \(holder.hello.name): \(revocation.why)", metadata: lease.id.logMetadata(worker: holder.hello.name))
            }
            _ = try store.abandonAttempt(lease.key, attempt: Int(lease.id.attempt), reason: revocation.why, counts: false,
                                         maxFailures: config.maxFailures)
            metrics.setback(.revoked)
            if revocation.requeue { queue.push(lease.key, lease.priority, front: true) }
        }
        for assignment in decision.assignments { queue.remove(assignment.key) }
        try assign(decision.assignments)
    }

    /// What a file's job needs of a worker (its models, and its arithmetic), remembered while
    /// the file is worked on.
    func requirements(ofFile fileID: Int64) throws(MediaError) -> FileRequirements {
        if let known = requirementsByFile[fileID] { return known }
        guard let file = try store.file(fileID) else { return FileRequirements(models: [:], capabilities: [:]) }
        let job = try jobOptions(file.jobID).options.job
        let needed = FileRequirements(models: DetectorRegistry.models(for: job), capabilities: JobCapabilities.needed(by: job))
        requirementsByFile[fileID] = needed
        return needed
    }

    /// Sends the turn's assignments, their attempts started in one transaction first: a task
    /// goes out only once its attempt is on record.
    private func assign(_ assignments: [Scheduler.Assignment]) throws(MediaError) {
        var ready: [ReadyTask] = []
        var failedFiles: Set<Int64> = []
        for assignment in assignments {
            let key = assignment.key
            guard let worker = workers[assignment.worker] else {
                queue.push(key, assignment.priority, front: true)
                continue
            }
            guard !failedFiles.contains(key.file), let file = try store.file(key.file), file.state == .processing || file.state == .splitting else { continue }
            let plan = try plan(for: key.file)
            let record = plan.segments[key.index]
            let area = FileWorkArea(stateDirectory: config.stateDirectory, fileID: key.file)
            do throws(MediaError) {
                let bytes = try FileBytes.read(area.directory + "/" + record.file)
                ready.append(ReadyTask(assignment: assignment, worker: worker, jobID: file.jobID, plan: plan, record: record, bytes: bytes))
            } catch {
                failedFiles.insert(key.file)
                try failFile(key.file, reason: "segment \(key.index) is missing from the state folder: \(error.reason)")
            }
        }
        ready.removeAll { failedFiles.contains($0.assignment.key.file) }
        let attempts = try store.startAttempts(ready.map { ($0.assignment.key, $0.worker.hello.name, $0.worker.hello.host) })
        for (task, attempt) in zip(ready, attempts) { try send(task, attempt: attempt) }
    }

    private func send(_ ready: ReadyTask, attempt: Int) throws(MediaError) {
        let key = ready.assignment.key, route = ready.assignment.worker, plan = ready.plan
        let (options, json) = try jobOptions(ready.jobID)
        let id = TaskID(job: ready.jobID, file: key.file, segment: Int32(key.index), attempt: Int32(attempt))
        let video = try plan.video(of: ready.record)
        var task = TaskAssignment(id: id, muxer: plan.input.muxer, frameRate: SourceFrameRate(video), view: try plan.view(of: ready.record),
                                  firstTrackID: Int64(TrackIDs.first(ofSegment: key.index)), segmentSHA256: ready.record.sha256, jobJSON: json,
                                  models: try requirements(ofFile: key.file).models,
                                  copyParameterSetID: options.job.copiesUnchanged ? video.copying?.parameterSetID : nil)
        // Always set: while a file's first stream is split, its plan does not list the others yet.
        task.videoStream = video.streamIndex
        let name = ready.worker.hello.name
        guard workers[route] != nil else {
            // Gone since the turn's assignments were made (an earlier send to it failed).
            return returnToQueue(id, reason: "worker \(name) is unreachable", as: .workerLost, counts: false)
        }
        leases.grant(id, to: route, priority: ready.assignment.priority, at: MonotonicClock.now)
        if let since = requeuedAt.removeValue(forKey: key) {
            config.log.info("re-dispatched \(key) to \(name) \(MonotonicClock.now - since) ms after it was requeued",
                            metadata: id.logMetadata(worker: name))
        }
        statusDirty = true
        if send(.task(task, segment: ready.bytes), to: route, socket: ready.worker.socket) != .sent {
            removeWorker(route, because: "worker \(name) is unreachable", as: .workerLost, counts: false)
        }
    }

    /// A failed attempt (its lease has already ended): it counts against the segment and, for
    /// quarantine, against its worker.
    func countFailure(_ id: TaskID, of worker: String?, reason: String, as kind: SegmentSetback) {
        if let worker, quarantine.recordFailure(worker, reason: reason, now: MonotonicClock.now) {
            config.log.warning("worker \(worker) quarantined: \(quarantine.reason(worker, now: MonotonicClock.now) ?? reason)")
        }
        returnToQueue(id, reason: reason, as: kind, counts: true)
    }

    /// Ends an attempt without a result (its lease has already ended): back to the queue, or
    /// after `maxFailures` counted ones, the segment fails and with it the file. A permanent
    /// failure (the footage or the options, not the moment) fails the file at once: every
    /// attempt would end the same way. A counted failure is recorded against the attempt's
    /// worker in the store, so retries go elsewhere.
    func returnToQueue(_ id: TaskID, reason: String, as kind: SegmentSetback, counts: Bool) {
        let key = SegmentKey(file: id.file, index: Int(id.segment))
        let permanent = kind == .failedPermanently
        statusDirty = true
        // A result for the segment is in hand and about to be recorded: it decides.
        guard !stagedKeys.contains(key) else { return }
        do throws(MediaError) {
            guard let segment = try store.segment(key), segment.state == .running, segment.dispatches == Int(id.attempt) else { return }
            // Counted only for an attempt that really ends here, not for a stale one.
            metrics.setback(kind)
            let state = try store.abandonAttempt(key, attempt: Int(id.attempt), reason: reason, counts: counts,
                                                 maxFailures: config.maxFailures, permanent: permanent)
            if state == .failed {
                config.log.warning("\(segmentPlace(key)) of file \(key.file) failed: \(reason)", metadata: id.logMetadata(reason: kind.rawValue))
                try failFile(key.file, reason: permanent ? "\(segmentPlace(key)): \(reason)"
                                                         : "\(segmentPlace(key)) failed \(config.maxFailures) times; last: \(reason)")
            } else {
                queue.push(key, .retry)  // retries first, so a file is not held up by one segment
                requeuedAt[key] = MonotonicClock.now
                config.log.info("requeued \(key) (\(reason))", metadata: id.logMetadata(reason: kind.rawValue))
            }
        } catch {
            config.log.error("cannot record the end of \(id): \(error)", metadata: id.logMetadata)
        }
    }

    /// "segment N (from 12.34 s)", as a file's error names where it went wrong.
    func segmentPlace(_ key: SegmentKey) -> String {
        guard let plan = plans[key.file], key.index < plan.segments.count else { return "segment \(key.index)" }
        let record = plan.segments[key.index]
        return "segment \(key.index) (from \(String(format: "%.2f", Double(record.ptsFirst) * record.timeBase.doubleValue)) s)"
    }

    /// Checks the invariant (`LeaseAudit`) every few seconds and repairs what it finds, saying
    /// so: a segment nobody holds goes back to the queue, a lease nobody needs ends, and a file
    /// whose segments are all done is stitched.
    func auditLeasesIfDue() throws(MediaError) {
        let now = MonotonicClock.now
        guard now - lastAudit >= Self.auditIntervalMilliseconds else { return }
        lastAudit = now
        // A commit being recorded has changed the store and not yet the leases: taken in
        // first, so the audit compares one truth with itself. Results that arrived meanwhile
        // wait for the next commit, their segments still running in the store; a worker lost
        // since took its leases with it (`removeWorker`), and the result in hand decides.
        try settleGroupCommit()
        let open = try store.openSegments().map { LeaseAudit.OpenSegment(key: $0.key, state: $0.state, dispatches: $0.dispatches) }
        let findings = LeaseAudit.check(open: open, leases: leases, queue: queue, connected: Set(workers.keys),
                                        resultsInHand: stagedKeys)
        for finding in findings {
            config.log.warning("invariant broken: \(finding); repairing")
            switch finding {
            case .strayLease(let lease, _):
                leases.end(lease.id)
                cancel(lease.id, on: lease.worker)
                returnToQueue(lease.id, reason: "its lease was stray", as: .repaired, counts: false)
            case .runningWithoutLease(let key, let attempt):
                guard leases.lease(for: key) == nil, let file = try store.file(key.file) else { continue }
                returnToQueue(TaskID(job: file.jobID, file: key.file, segment: Int32(key.index), attempt: Int32(attempt)),
                              reason: "it was running with no lease", as: .repaired, counts: false)
            case .queuedButNotInQueue(let key):
                queue.push(key, .retry)
            case .inQueueButNotQueued(let key):
                queue.remove(key)
            }
        }
        for file in try store.files() where file.state == .processing || file.state == .stitching {
            if gates[file.id] == nil, !stitchBacklog.contains(file.id) { try startStitchIfReady(file.id) }
        }
    }

    static let auditIntervalMilliseconds: UInt64 = 5000
}

/// An assignment with what its task needs, before its attempt is started.
private struct ReadyTask {
    var assignment: Scheduler.Assignment
    var worker: ConnectedWorker
    var jobID: String
    var plan: SegmentPlan
    var record: SegmentPlan.SegmentRecord
    var bytes: [UInt8]
}
