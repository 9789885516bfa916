import Foundation
import Logging
import RedactCore

/// Result intake: a result is accepted once per segment, for any attempt the store knows,
/// and only when its hashes, frame count and timestamps are the plan's; it is durable before
/// it counts. A valid result is never wasted: if a newer attempt holds the segment (the result
/// was late, after a restart or a lost worker), that attempt is cancelled instead.
extension Coordinator {
    func accept(_ result: TaskResult, segment: [UInt8], coverage: [UInt8], from route: WorkerRoute?) {
        let key = SegmentKey(file: result.id.file, index: Int(result.id.segment))
        let workerName = route.flatMap { workers[$0]?.hello.name } ?? "a worker not (yet) announced"
        do throws(MediaError) {
            guard let file = try store.file(key.file), file.jobID == result.id.job, file.state == .processing || file.state == .splitting,
                  let record = try store.segment(key), record.state != .done, record.state != .failed,
                  (1...max(1, record.dispatches)).contains(Int(result.id.attempt))
            else {
                leases.end(result.id)  // never left behind, whatever the store says
                config.log.info("ignored a result for \(result.id): its segment is already done or its file has ended", metadata: result.id.logMetadata(worker: workerName))
                return
            }
            let plan = try plan(for: key.file)
            guard key.index < plan.segments.count else { throw MediaError(path: "\(result.id)", reason: "no such segment in the plan") }
            let planned = plan.segments[key.index]
            let offered = try jobOptions(file.jobID).options.job.copiesUnchanged ? plan.video.copying?.parameterSetID : nil
            try verify(result, segment: segment, coverage: coverage, against: planned, copyOffered: offered != nil)
            let area = FileWorkArea(stateDirectory: config.stateDirectory, fileID: key.file)
            // A copied segment's output is the source segment already in the work area.
            let output: SegmentPlan.OutputRecord = result.copied
                ? planned.copiedOutput
                : .init(file: area.outputSegmentName(planned), sha256: result.outputSHA256, byteSize: segment.count, frameCount: result.frameCount)
            if !result.copied { try AtomicOutput.write(segment, to: area.directory + "/" + output.file) }
            try AtomicOutput.write(coverage, to: area.coveragePath(key.index))
            let doneBy = try store.finishAttempt(key, attempt: Int(result.id.attempt), outputSHA256: result.outputSHA256,
                                                 outputBytes: segment.count, detections: result.detections, copied: result.copied)
            if let newer = leases.end(segment: key), newer.id != result.id {
                cancel(newer.id, on: newer.worker)
                config.log.info("accepted the late result of \(result.id); cancelled attempt \(newer.id.attempt) on \(workers[newer.worker]?.hello.name ?? "a worker gone")",
                                metadata: result.id.logMetadata(worker: workerName))
            }
            queue.remove(key)
            quarantine.recordSuccess(doneBy.worker)
            gates[key.file]?.publish(key.index, .init(
                output: output,
                worker: doneBy.worker, workerHost: doneBy.host, detections: result.detections))
            framesCompleted += result.frameCount
            metrics.segmentCompleted(copied: result.copied, frames: result.frameCount, sourceBytes: planned.byteSize,
                                     workerMilliseconds: result.milliseconds)
            if let route {
                workers[route]?.segmentsDone += 1
                workers[route]?.framesDone += result.frameCount
                workers[route]?.busyMilliseconds += result.milliseconds
            }
            statusDirty = true
            try startStitchIfReady(key.file)
        } catch {
            config.log.warning("rejected the result for \(result.id) from \(workerName): \(error.reason)",
                               metadata: result.id.logMetadata(worker: workerName, reason: SegmentSetback.rejected.rawValue))
            // Held against the attempt only if it still holds the segment; a rejected late
            // result leaves the newer attempt (or the queue place) as it is.
            guard let lease = leases.end(result.id) else { return }
            countFailure(result.id, of: workers[lease.worker]?.hello.name, reason: "result rejected: \(error.reason)", as: .rejected)
        }
    }

    /// The frame count, timestamps and hashes must be the plan's; anything else is refused.
    /// A copied segment comes back as no bytes and coverage that hides nothing in any frame,
    /// for a file whose plan allows copying; the coordinator copies the segment it holds.
    private func verify(_ result: TaskResult, segment bytes: [UInt8], coverage: [UInt8],
                        against record: SegmentPlan.SegmentRecord, copyOffered: Bool) throws(MediaError) {
        let label = "\(result.id)"
        guard result.inputSHA256 == record.sha256 else { throw MediaError(path: label, reason: "worker redacted a different input segment") }
        if result.copied {
            guard copyOffered else { throw MediaError(path: label, reason: "returned a segment to copy, but this file's segments are all to be re-encoded") }
            guard bytes.isEmpty, result.outputSHA256 == record.sha256, result.frameCount == record.frameCount else {
                throw MediaError(path: label, reason: "returned a segment to copy with an output of its own")
            }
            guard let frames = try? JSONDecoder().decode([ProcessedSegment.FrameCoverage].self, from: Data(coverage)),
                  frames.count == record.frameCount, frames.allSatisfy({ $0.covered.isEmpty && $0.damage == nil })
            else { throw MediaError(path: label, reason: "returned a segment to copy whose frames are not all left as they are") }
            return
        }
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
}
