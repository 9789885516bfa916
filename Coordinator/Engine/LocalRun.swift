import Foundation
import RedactCore

/// `redactfarm run` for one file on one machine: split (each segment carrying the GOP before
/// it as context), redact the segments on `workers` local threads with the shared
/// `SegmentProcessor`, stitch, and write the detections sidecar. Fails closed: if any segment
/// fails, nothing is stitched and no output appears.
public struct LocalRun: Sendable {
    public var job: RedactionJob
    public var segmentSeconds: Double
    public var workers: Int
    /// Makes one detector per worker thread.
    public var makeDetector: @Sendable () throws(MediaError) -> FrameDetector

    public init(job: RedactionJob, segmentSeconds: Double, workers: Int, model: CenterFaceModel) {
        let options = CenterFaceDetector.Options(threshold: job.detector.threshold, inferenceScale: job.detector.inferenceScale)
        self.init(job: job, segmentSeconds: segmentSeconds, workers: workers) { () throws(MediaError) in
            try CenterFaceDetector(model: model, options: options)
        }
    }

    public init(job: RedactionJob, segmentSeconds: Double, workers: Int,
                makeDetector: @escaping @Sendable () throws(MediaError) -> FrameDetector) {
        self.job = job
        self.segmentSeconds = segmentSeconds
        self.workers = max(1, workers)
        self.makeDetector = makeDetector
    }

    /// `progress(done, total)` counts frames examined; it is called from worker threads.
    public func redact(input: String, output: String,
                       progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws(MediaError) -> RedactionReport {
        let outURL = URL(fileURLWithPath: output)
        let work = outURL.deletingLastPathComponent().path + "/." + outURL.lastPathComponent + ".work-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: work) }
        _ = try AtomicOutput(finalPath: output)  // refuse an unwritable destination before any work

        var plan = try Splitter.split(input: input, segmentSeconds: segmentSeconds, into: work, carryContext: true)
        let results = try redactSegments(plan: plan, work: work, progress: progress)
        for (i, r) in results.enumerated() { plan.segments[i].output = r.record }
        try PlanStore.write(plan, to: work)
        let stitched = try Stitcher.stitch(directory: work, output: output)

        let perFrame = results.flatMap(\.frames)
        let report = RedactionReport(
            software: "redactfarm \(RedactFarmVersion.current)", input: plan.input.path, inputSHA256: plan.input.sha256,
            output: stitched.output, outputSHA256: stitched.sha256, modelSHA256: CenterFaceModel.sha256, job: job,
            timeBase: plan.video.timeBase, frames: perFrame.count, segments: plan.segments.count,
            detections: results.reduce(0) { $0 + $1.detections },
            tracks: Set(perFrame.flatMap { $0.covered.map(\.track) }.filter { $0 >= 0 }).count,  // zones, motion: < 0
            framesWithRedaction: perFrame.filter { !$0.covered.isEmpty }.count, perFrame: perFrame)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(report) else { throw MediaError(path: output, reason: "cannot encode the detections report") }
        try AtomicOutput.write(Array(data), to: output + ".detections.json")
        return report
    }

    struct SegmentOutcome: Sendable {
        var record: SegmentPlan.OutputRecord
        var frames: [ProcessedSegment.FrameCoverage]
        var detections: Int
    }

    /// Runs the segments on worker threads, each with its own detector; the first failure
    /// stops the others from starting new segments and is what this throws.
    private func redactSegments(plan: SegmentPlan, work: String,
                                progress: @escaping @Sendable (Int, Int) -> Void) throws(MediaError) -> [SegmentOutcome] {
        let state = SharedRunState(count: plan.segments.count, totalFrames: plan.frameCount, progress: progress)
        let threads = min(workers, plan.segments.count)
        let group = DispatchGroup()
        for _ in 0..<threads {
            group.enter()
            Thread { [self] in
                defer { group.leave() }
                do throws(MediaError) {
                    let detector = try makeDetector()
                    let processor = SegmentProcessor(job: job, detector: detector, muxer: plan.input.muxer,
                                                     frameRate: plan.video.averageFrameRate)
                    let segments = SegmentSource(plan: plan, directory: work)
                    while let index = state.next() {
                        state.finish(index, try redactOne(index, of: segments, processor: processor, state: state))
                    }
                } catch {
                    state.fail(error)
                }
            }.start()
        }
        group.wait()
        return try state.outcomes()
    }

    /// Loads the segment, checked against its plan entry as stitch checks it, and redacts it.
    private func redactOne(_ index: Int, of segments: SegmentSource, processor: SegmentProcessor,
                           state: SharedRunState) throws(MediaError) -> SegmentOutcome {
        let record = segments.plan.segments[index]
        let work = segments.directory
        let loaded = try segments.load(index)
        let processed = try processor.process(loaded.segment, label: loaded.path, firstTrackID: record.index * 1_000_000) {
            state.frameDone()
        }
        let name = record.file.replacingOccurrences(of: ".\(SegmentFile.fileExtension)", with: ".out.\(SegmentFile.fileExtension)")
        let (size, outSHA) = try processed.segment.write(to: work + "/" + name, durable: false)
        return SegmentOutcome(record: .init(file: name, sha256: outSHA, byteSize: size, frameCount: processed.frames.count),
                              frames: processed.frames, detections: processed.detections)
    }
}

/// The worker threads' shared ledger: which segment is next, what finished, the first error.
final class SharedRunState: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private var results: [LocalRun.SegmentOutcome?]
    private var failure: MediaError?
    private var framesDone = 0
    private let totalFrames: Int
    private let progress: @Sendable (Int, Int) -> Void

    init(count: Int, totalFrames: Int, progress: @escaping @Sendable (Int, Int) -> Void) {
        results = Array(repeating: nil, count: count)
        self.totalFrames = totalFrames
        self.progress = progress
    }

    func next() -> Int? {
        lock.withLock {
            guard failure == nil, nextIndex < results.count else { return nil }
            defer { nextIndex += 1 }
            return nextIndex
        }
    }

    func finish(_ index: Int, _ outcome: LocalRun.SegmentOutcome) { lock.withLock { results[index] = outcome } }

    func fail(_ error: MediaError) { lock.withLock { if failure == nil { failure = error } } }

    func frameDone() {
        let done = lock.withLock { framesDone += 1; return framesDone }
        progress(done, totalFrames)
    }

    func outcomes() throws(MediaError) -> [LocalRun.SegmentOutcome] {
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
        return results.map { $0! }
    }
}
