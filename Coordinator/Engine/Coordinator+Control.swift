import Foundation
import Logging
import RedactCore

/// The control channel (submit, status, cancel, workers) and the progress events watchers
/// subscribe to, so nobody polls the database.
extension Coordinator {
    func handleControlMessage(_ frames: [[UInt8]], socket: ZMQSocket) {
        guard frames.count >= 2 else { return drop("a control message without a routing envelope") }
        let route = frames[0]
        let response: ControlResponse
        switch Result(catching: { () throws(ProtocolError) in try ControlCodec.decode(ControlRequest.self, Array(frames.dropFirst())) }) {
        case .failure(let error):
            drop("control message: \(error)")
            response = .failure(error.reason)
        case .success(let request):
            response = answer(request)
        }
        try? socket.send([route] + ControlCodec.encode(response), dontWait: true)
    }

    private func answer(_ request: ControlRequest) -> ControlResponse {
        do throws(MediaError) {
            switch request.op {
            case .submit:
                guard let submission = request.submit else { return .failure("submit without files") }
                let id = try submit(submission)
                return ControlResponse(ok: true, job: id, status: try status(jobs: try store.jobs().filter { $0.id == id }))
            case .status:
                var jobs = try store.jobs()
                if let id = request.job {
                    let found = try job(matching: id)
                    guard let job = found.job else { return .failure(found.refusal) }
                    jobs = [job]
                }
                return ControlResponse(ok: true, job: jobs.first?.id, status: try status(jobs: jobs))
            case .cancel:
                guard let id = request.job else { return .failure("cancel needs a job id") }
                try cancel(id)
                return ControlResponse(ok: true, job: id, status: try status(jobs: try store.jobs().filter { $0.id == id }))
            case .workers:
                return ControlResponse(ok: true, status: try status(jobs: []))
            case .prioritize:
                guard let prefix = request.job, let priority = request.priority else { return .failure("prioritize needs a job id and a priority") }
                let found = try job(matching: prefix)
                guard let job = found.job else { return .failure(found.refusal) }
                guard !job.state.isFinal else { return .failure("\(job.id): already \(job.state.rawValue)") }
                try setPriority(priority, job: job.id)
                return ControlResponse(ok: true, job: job.id, status: try status(jobs: try store.jobs().filter { $0.id == job.id }))
            case .drain:
                guard let name = request.worker else { return .failure("drain needs a worker's name") }
                let routes = workers.filter { $0.value.hello.name == name }.map(\.key)
                guard !routes.isEmpty else { return .failure("no connected worker is named \(LogText.escaped(name))") }
                for route in routes { drainWorker(route) }
                return ControlResponse(ok: true, status: try status(jobs: []))
            }
        } catch {
            return .failure(error.description)
        }
    }

    /// The one job whose id is `prefix` or starts with it, or why there is not one.
    private func job(matching prefix: String) throws(MediaError) -> (job: JobRecord?, refusal: String) {
        let jobs = try store.jobs().filter { $0.id == prefix || $0.id.hasPrefix(prefix) }
        return jobs.count == 1 ? (jobs[0], "") : (nil, jobs.isEmpty ? "no job \(prefix)" : "\(prefix) matches several jobs")
    }

    func status(jobs: [JobRecord]) throws(MediaError) -> FarmStatus {
        var progress: [Int64: Int] = [:]
        for lease in leases.all { progress[lease.id.file, default: 0] += max(0, lease.framesDone) }
        var jobStatuses: [JobStatus] = []
        for job in jobs {
            var files: [FileStatus] = []
            for file in try store.files(job: job.id) {
                let counts = file.state == .processing || file.state == .stitching
                    ? try store.segmentCounts(file: file.id) : (byState: [:], framesDone: 0)
                let done = counts.byState[.done] ?? 0
                let running = counts.byState[.running] ?? 0
                // Work in flight is lost when a worker dies; what was shown stays shown, so
                // progress never goes back (the high-water mark is dropped with the file).
                let counted = file.state.isFinal ? file.frameCount : counts.framesDone + (progress[file.id] ?? 0)
                let framesDone = max(counted, progressShown[file.id] ?? 0)
                if file.state.isFinal { progressShown[file.id] = nil } else { progressShown[file.id] = framesDone }
                files.append(FileStatus(id: file.id, input: file.input, output: file.output, state: file.state,
                                        frameCount: file.frameCount, framesDone: min(framesDone, file.frameCount),
                                        segments: file.segmentCount,
                                        segmentsDone: file.state == .done ? file.segmentCount : done,
                                        segmentsRunning: running,
                                        segmentsQueued: counts.byState[.queued] ?? 0,
                                        error: file.error, outputSHA256: file.outputSHA256, waiting: unservedFiles[file.id]))
            }
            let window = try store.dispatchWindow(job: job.id)
            jobStatuses.append(JobStatus(id: job.id, state: job.state, createdAt: job.createdAt, firstDispatchAt: window.first,
                                         lastResultAt: window.last, finishedAt: job.finishedAt, files: files, priority: job.priority))
        }
        let now = MonotonicClock.now
        return FarmStatus(jobs: jobStatuses, workers: workers.values.map { $0.status(now: now, leases: leases.held(by: $0.route), quarantine: quarantine.reason($0.hello.name, now: now)) }
                              .sorted { $0.name < $1.name },
                          framesPerSecond: meter.framesPerSecond(current: framesCompleted + leases.framesInFlight, at: now))
    }

    /// Publishes the running jobs (and those finished in the last minute) and the workers:
    /// at most four times a second when something changed, and every two seconds anyway.
    func publishStatusIfDue() {
        let now = MonotonicClock.now
        meter.record(frames: framesCompleted + leases.framesInFlight, at: now)
        guard eventTopics.contains(where: { !$0.isEmpty }) else { return }
        let since = Int(now - lastPublished)
        guard lastPublished == 0 || (statusDirty && since >= 250) || since >= 2000 else { return }
        lastPublished = now
        statusDirty = false
        let recent = Date().timeIntervalSince1970 - 60
        guard let jobs = try? store.jobs().filter({ !$0.state.isFinal || ($0.finishedAt ?? 0) > recent }),
              let status = try? status(jobs: jobs) else { return }
        for (socket, topics) in zip(eventSockets, eventTopics) where !topics.isEmpty {
            try? socket.send([Array("status".utf8)] + ControlCodec.encode(status), dontWait: true)
        }
    }

    /// Who listens for status (XPUB reports every subscribe and a topic's last unsubscribe);
    /// each new subscriber is answered with a status at once.
    func readSubscriptions() {
        for i in eventSockets.indices {
            while let frames = try? eventSockets[i].receive(timeoutMilliseconds: 0), let message = frames.first, let flag = message.first {
                let topic = Array(message.dropFirst())
                if flag == 1 {
                    eventTopics[i].insert(topic)
                    lastPublished = 0
                } else if flag == 0 {
                    eventTopics[i].remove(topic)
                }
            }
        }
    }
}
