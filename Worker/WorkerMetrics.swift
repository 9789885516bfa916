import CoreMetrics
import RedactCore

/// A worker's metrics, every name and help text in one place (conventions as in the
/// coordinator's: `redactfarm_worker_` prefix, base units, `_total` on counters, no label
/// with a task, file or job id). Incremented from the processing threads; the collector
/// behind them is thread-safe.
final class WorkerMetrics: Sendable {
    let registry = MetricsRegistry()
    private let segments: [String: Counter]
    private let frames: Counter
    private let bytes: Counter
    private let seconds: Recorder
    private let stageSeconds: [String: FloatingPointCounter]
    let slots: RemovableGauge
    let slotsBusy: RemovableGauge
    let connected: RemovableGauge

    static let outcomes = ["redacted", "copied", "failed", "abandoned"]
    static let stages = ["decode", "detect", "track", "redact", "encode"]

    init() {
        var segments: [String: Counter] = [:]
        for outcome in Self.outcomes {
            segments[outcome] = registry.counter("redactfarm_worker_segments_total",
                                                 help: "Segments this worker finished, by outcome (redacted: re-encoded; copied: nothing to hide; failed; abandoned: cancelled or handed back mid-way).",
                                                 labels: [("outcome", outcome)])
        }
        self.segments = segments
        frames = registry.counter("redactfarm_worker_frames_processed_total", help: "Video frames of the segments this worker redacted or copied.")
        bytes = registry.counter("redactfarm_worker_processed_bytes_total", help: "Bytes of the source segments this worker redacted or copied.")
        seconds = registry.histogram("redactfarm_worker_segment_processing_seconds", help: "Time spent on one segment, from its arrival on a processing thread to its result.",
                                     buckets: [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800])
        var stages: [String: FloatingPointCounter] = [:]
        for stage in Self.stages {
            stages[stage] = registry.floatingCounter("redactfarm_worker_stage_seconds_total",
                                                     help: "Processing-thread time per stage of the segment pipeline.",
                                                     labels: [("stage", stage)])
        }
        stageSeconds = stages
        registry.gauge("redactfarm_build_info", help: "Always 1; the labels say which RedactFarm this worker is and what it infers with.",
                       labels: [("version", RedactFarmVersion.current), ("role", "worker"), ("inference", CenterFaceDetector.engineOnThisMachine)]).set(1)
        slots = registry.gauge("redactfarm_worker_slots", help: "Segments this worker processes at once (--slots).")
        slotsBusy = registry.gauge("redactfarm_worker_slots_busy", help: "Processing slots working on a segment now.")
        connected = registry.gauge("redactfarm_worker_connected", help: "1 while the coordinator has welcomed this worker and is heard from, else 0.")
    }

    func finished(outcome: String, frames count: Int, sourceBytes: Int, milliseconds: Int, times: StageTimes?) {
        segments[outcome]?.increment()
        guard outcome == "redacted" || outcome == "copied" else { return }
        frames.increment(by: Int64(count))
        bytes.increment(by: Int64(sourceBytes))
        seconds.record(Double(milliseconds) / 1000)
        if let times {
            for (stage, ms) in zip(Self.stages, [times.decode, times.detect, times.track, times.redact, times.encode]) {
                stageSeconds[stage]?.increment(by: ms / 1000)
            }
        }
    }
}
