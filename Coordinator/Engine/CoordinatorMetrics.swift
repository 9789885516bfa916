import CoreMetrics
import RedactCore

/// Why a segment went back to the queue or failed its attempt, as the bounded set of values
/// `redactfarm_segment_setbacks_total` is labelled with (the full reason goes to the log).
enum SegmentSetback: String, CaseIterable, Sendable {
    /// The worker reported a failure it would not retry (the footage or the options).
    case failedPermanently = "failed_permanently"
    /// The worker reported a failure worth retrying.
    case failed
    /// The worker's result did not check out against the plan.
    case rejected
    /// Its worker went silent, disconnected or became unreachable.
    case workerLost = "worker_lost"
    /// Its worker gave it back (leaving, or no longer holding it).
    case handedBack = "handed_back"
    /// Taken back by the scheduler (for a retry, or an idle worker).
    case revoked
    /// The lease audit found it without a holder.
    case repaired
}

/// The coordinator's metrics, every name and help text in one place. Names follow
/// Prometheus's conventions: a `redactfarm_` prefix, base units (seconds, bytes) in the name,
/// `_total` on counters. No label takes a segment, file or worker id; the one per-job
/// series (queue depth) exists only while the job is unfinished.
final class CoordinatorMetrics {
    let registry: MetricsRegistry
    private let segmentsQueued: RemovableGauge
    private let segmentsRunning: RemovableGauge
    private let workersConnected: RemovableGauge
    private let workersBusy: RemovableGauge
    private let jobsByState: [JobState: RemovableGauge]
    private var queueDepth: [String: RemovableGauge] = [:]
    private let segmentsCompleted: [Bool: Counter]
    private let setbacks: [SegmentSetback: Counter]
    private let filesEnded: [FileState: Counter]
    private let framesProcessed: Counter
    private let bytesProcessed: Counter
    private let processingSeconds: Recorder

    init(registry: MetricsRegistry) {
        self.registry = registry
        let segments = "Segments of unfinished files, by state (queued: waiting for a worker; running: leased to one)."
        segmentsQueued = registry.gauge("redactfarm_segments", help: segments, labels: [("state", "queued")])
        segmentsRunning = registry.gauge("redactfarm_segments", help: segments, labels: [("state", "running")])
        workersConnected = registry.gauge("redactfarm_workers_connected", help: "Workers connected to this coordinator.")
        workersBusy = registry.gauge("redactfarm_workers_busy", help: "Connected workers holding at least one segment.")
        var jobs: [JobState: RemovableGauge] = [:]
        for state in JobState.allCases {
            jobs[state] = registry.gauge("redactfarm_jobs", help: "Jobs in the store, by state.", labels: [("state", state.rawValue)])
        }
        jobsByState = jobs
        let completed = "Segments whose results were accepted, by how they were handled (redacted: re-encoded; copied: left as the source's packets)."
        segmentsCompleted = [
            false: registry.counter("redactfarm_segments_completed_total", help: completed, labels: [("handling", "redacted")]),
            true: registry.counter("redactfarm_segments_completed_total", help: completed, labels: [("handling", "copied")]),
        ]
        var setbacks: [SegmentSetback: Counter] = [:]
        for kind in SegmentSetback.allCases {
            setbacks[kind] = registry.counter("redactfarm_segment_setbacks_total",
                                              help: "Attempts that ended without an accepted result, by why (each is retried, or fails its file after --max-attempts).",
                                              labels: [("kind", kind.rawValue)])
        }
        self.setbacks = setbacks
        var files: [FileState: Counter] = [:]
        for state in [FileState.done, .failed, .cancelled] {
            files[state] = registry.counter("redactfarm_files_ended_total", help: "Files that ended, by outcome.", labels: [("outcome", state.rawValue)])
        }
        filesEnded = files
        framesProcessed = registry.counter("redactfarm_frames_processed_total", help: "Video frames in accepted segment results.")
        bytesProcessed = registry.counter("redactfarm_processed_bytes_total", help: "Bytes of source segments whose results were accepted.")
        // The conventional info metric: 1, labelled with what is running.
        registry.gauge("redactfarm_build_info", help: "Always 1; the labels say which RedactFarm this coordinator is.",
                       labels: [("version", RedactFarmVersion.current), ("role", "coordinator")]).set(1)
        processingSeconds = registry.histogram("redactfarm_segment_processing_seconds",
                                               help: "Time a worker spent on a segment, as it reported with the result.",
                                               buckets: [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800])
    }

    func segmentCompleted(copied: Bool, frames: Int, sourceBytes: Int, workerMilliseconds: Int) {
        segmentsCompleted[copied]?.increment()
        framesProcessed.increment(by: Int64(frames))
        bytesProcessed.increment(by: Int64(sourceBytes))
        processingSeconds.record(Double(workerMilliseconds) / 1000)
    }

    func setback(_ kind: SegmentSetback) { setbacks[kind]?.increment() }

    func fileEnded(_ state: FileState) { filesEnded[state]?.increment() }

    /// The broker's in-memory picture, set at most a few times a second: no store query.
    func update(queued: Int, running: Int, connected: Int, busy: Int, queuedByJob: [String: Int]) {
        segmentsQueued.set(queued)
        segmentsRunning.set(running)
        workersConnected.set(connected)
        workersBusy.set(busy)
        for (job, gauge) in queueDepth where queuedByJob[job] == nil {
            gauge.remove()
            queueDepth[job] = nil
        }
        for (job, depth) in queuedByJob {
            let gauge = queueDepth[job] ?? registry.gauge("redactfarm_queue_segments",
                                                          help: "Segments waiting for a worker, per unfinished job (what an autoscaler scales workers on).",
                                                          labels: [("job", job)])
            queueDepth[job] = gauge
            gauge.set(depth)
        }
    }

    /// Read from the store only when a job was created or ended.
    func updateJobs(_ counts: [JobState: Int]) {
        for (state, gauge) in jobsByState { gauge.set(counts[state] ?? 0) }
    }
}

extension Coordinator {
    /// Gauges from the broker's own state, once a second; job counts from the store only
    /// after a job started or ended.
    func updateMetricsIfDue() {
        let now = MonotonicClock.now
        guard now - lastMetricsUpdate >= 1000 else { return }
        lastMetricsUpdate = now
        var byJob: [String: Int] = [:]
        for (file, count) in queue.countByFile {
            if jobOfFile[file] == nil { jobOfFile[file] = (try? store.file(file))?.jobID }
            if let job = jobOfFile[file] { byJob[job, default: 0] += count }
        }
        jobOfFile = jobOfFile.filter { queue.countByFile[$0.key] != nil }
        metrics.update(queued: queue.count, running: leases.count, connected: workers.count,
                       busy: workers.keys.filter { leases.heldCount(by: $0) > 0 }.count, queuedByJob: byJob)
        if jobsChanged, let counts = try? store.jobCounts() {
            jobsChanged = false
            metrics.updateJobs(counts)
        }
    }
}
