import Foundation
import RedactCore

/// Runs one task entirely in memory: the segment arrives as bytes, is checked against the
/// hash the coordinator sent, goes through the shared `SegmentProcessor`, and leaves as
/// bytes. Nothing touches the worker's disk.
public final class SegmentTaskRunner {
    /// A job's detectors, one per target it asks to be found (`DetectorRegistry`).
    public typealias DetectorFactory = @Sendable (RedactionJob) throws(MediaError) -> [any TargetDetector]

    private let makeDetectors: DetectorFactory
    /// Detectors hold compiled networks: built once per distinct set of detection options.
    private var cached: (key: DetectorKey, detectors: [any TargetDetector])?

    private struct DetectorKey: Equatable {
        var settings: DetectorSettings
        var targets: Set<TargetClass>
        var motion: MotionRegions.Options

        init(_ job: RedactionJob) {
            settings = job.detector
            targets = job.targets
            motion = job.motion
        }
    }

    /// Where the last successful task's time went.
    public private(set) var lastTimes: StageTimes?

    public init(makeDetectors: @escaping DetectorFactory) {
        self.makeDetectors = makeDetectors
    }

    /// A `.result` or, with the reason, a `.failure`: never a partial result.
    /// `onFrameStep` counts progress (two steps a frame: `SegmentProcessor.process`); `isCancelled` is asked before every frame.
    public func run(_ task: TaskAssignment, segment bytes: [UInt8], onFrameStep: () -> Void,
                    isCancelled: () -> Bool = { false }) -> WireMessage {
        let started = DispatchTime.now()
        let label = "task \(task.id)"
        lastTimes = nil
        do throws(MediaError) {
            let inputSHA = SHA256Hex.of(bytes)
            guard inputSHA == task.segmentSHA256 else {
                throw MediaError(path: label, reason: "segment arrived damaged (SHA-256 \(inputSHA.prefix(12))…, expected \(task.segmentSHA256.prefix(12))…)",
                                 transient: true)
            }
            guard let job = try? JSONDecoder().decode(RedactionJob.self, from: Data(task.jobJSON)) else {
                throw MediaError(path: label, reason: "the job's options cannot be read by this worker")
            }
            let segment = try SegmentFile(bytes: bytes, path: label)
            let processor = SegmentProcessor(job: job, detectors: try detectors(for: job), muxer: task.muxer, frameRate: task.frameRate,
                                             view: task.view, copyParameterSetID: task.copyParameterSetID, videoStream: task.videoStream)
            let processed = try processor.process(segment, label: label, firstTrackID: Int(task.firstTrackID),
                                                  onFrameStep: onFrameStep, isCancelled: isCancelled)
            lastTimes = processed.times
            let output = processed.segment?.encoded() ?? []
            let coverage = (try? JSONEncoder().encode(processed.frames)).map(Array.init) ?? []
            let millis = Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000)
            let result = TaskResult(id: task.id, inputSHA256: inputSHA, outputSHA256: processed.copied ? inputSHA : SHA256Hex.of(output),
                                    frameCount: processed.frames.count, detections: processed.detections, milliseconds: millis,
                                    copied: processed.copied)
            return .result(result, segment: output, coverage: coverage)
        } catch {
            return .failure(task.id, error.transient ? .transient : .permanent, reason: error.reason)
        }
    }

    private func detectors(for job: RedactionJob) throws(MediaError) -> [any TargetDetector] {
        let key = DetectorKey(job)
        if let cached, cached.key == key { return cached.detectors }
        let detectors = try makeDetectors(job)
        cached = (key, detectors)
        return detectors
    }
}
