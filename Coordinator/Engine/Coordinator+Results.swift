import Foundation
import Logging
import RedactCore

/// Result intake: a result is accepted once per segment, for any attempt the store knows,
/// and only when its hashes, frame count and timestamps are the plan's; it is durable before
/// it counts. Results are checked as they arrive and recorded together off the broker's
/// thread (`startGroupCommit`): their files written, one flush, one transaction. A valid result
/// is never wasted: if a newer attempt holds the segment (the result was late, after a
/// restart or a lost worker), that attempt is cancelled instead.
extension Coordinator {
    func accept(_ result: TaskResult, segment: [UInt8], coverage: [UInt8], from route: WorkerRoute?) {
        let key = SegmentKey(file: result.id.file, index: Int(result.id.segment))
        let workerName = route.flatMap { workers[$0]?.hello.name } ?? "a worker not (yet) announced"
        do throws(MediaError) {
            guard !stagedKeys.contains(key) else {
                config.log.info("ignored a result for \(result.id): another result for its segment is being recorded", metadata: result.id.logMetadata(worker: workerName))
                return
            }
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
            let offered = try jobOptions(file.jobID).options.job.copiesUnchanged ? try plan.video(of: planned).copying?.parameterSetID : nil
            try verify(result, segment: segment, coverage: coverage, against: planned, copyOffered: offered != nil)
            let area = FileWorkArea(stateDirectory: config.stateDirectory, fileID: key.file)
            // A copied segment's output is the source segment already in the work area.
            let output: SegmentPlan.OutputRecord = result.copied
                ? planned.copiedOutput
                : .init(file: area.outputSegmentName(planned), sha256: result.outputSHA256, byteSize: segment.count, frameCount: result.frameCount)
            staged.append(StagedResult(result: result, key: key, route: route, workerName: workerName, area: area, output: output,
                                       segment: segment, coverage: coverage, sourceBytes: planned.byteSize))
            stagedKeys.insert(key)
        } catch {
            config.log.warning("rejected the result for \(result.id) from \(workerName): \(error.reason)",
                               metadata: result.id.logMetadata(worker: workerName, reason: SegmentSetback.rejected.rawValue))
            // Held against the attempt only if it still holds the segment; a rejected late
            // result leaves the newer attempt (or the queue place) as it is.
            guard let lease = leases.end(result.id) else { return }
            countFailure(result.id, of: workers[lease.worker]?.hello.name, reason: "result rejected: \(error.reason)", as: .rejected)
        }
    }

    /// Starts the group commit of the results checked since the last one, on the commit
    /// lane so the broker keeps answering while the disk flushes: every segment and coverage
    /// file written without a flush of its own, one flush of the state's file system, then
    /// one transaction marking them all done. One commit at a time; results arriving
    /// meanwhile wait for the next. Their segments stay in `stagedKeys` until the outcome is
    /// back (`finishGroupCommits`): none is dispatched again or requeued while its result is
    /// being recorded, and none counts before it is durable.
    func startGroupCommit() {
        guard !commitInFlight, !staged.isEmpty else { return }
        let batch = staged
        staged = []
        commitInFlight = true
        let store = self.store, stateDirectory = config.stateDirectory, outcomes = self.commits
        commitLane.submit {
            outcomes.post(Self.record(batch, store: store, stateDirectory: stateDirectory))
        }
    }

    /// The commit lane's work: nothing here touches the broker's state.
    private static func record(_ batch: [StagedResult], store: JobStore, stateDirectory: String) -> GroupCommit {
        var written: [StagedResult] = []
        var failed: [(StagedResult, MediaError)] = []
        for item in batch {
            do throws(MediaError) {
                if !item.result.copied { try AtomicOutput.write(item.segment, to: item.area.directory + "/" + item.output.file, durable: false) }
                try AtomicOutput.write(item.coverage, to: item.area.coveragePath(item.key.index), durable: false)
                written.append(item)
            } catch {
                failed.append((item, error))
            }
        }
        guard !written.isEmpty else { return GroupCommit(recorded: [], failed: failed) }
        do throws(MediaError) {
            try FileSystemFlush.flush(stateDirectory)
            let doneBy = try store.finishAttempts(written.map { item in
                AttemptFinish(key: item.key, attempt: Int(item.result.id.attempt), outputSHA256: item.result.outputSHA256,
                              outputBytes: item.segment.count, detections: item.result.detections, copied: item.result.copied)
            })
            return GroupCommit(recorded: Array(zip(written, doneBy)), failed: failed)
        } catch {
            return GroupCommit(recorded: [], failed: failed + written.map { ($0, error) })
        }
    }

    /// Takes in a finished group commit: only now does each result count (its lease ends,
    /// its stitch hears of it, its worker's credit is free); one that could not be recorded
    /// is held against its attempt.
    func finishGroupCommits() throws(MediaError) {
        for commit in commits.drain() {
            commitInFlight = false
            var files: [Int64] = []
            for (item, by) in commit.recorded {
                stagedKeys.remove(item.key)
                completed(item, doneBy: by)
                if !files.contains(item.key.file) { files.append(item.key.file) }
            }
            for (item, error) in commit.failed {
                stagedKeys.remove(item.key)
                reject(item, because: error)
            }
            statusDirty = true
            for file in files { try startStitchIfReady(file) }
        }
    }

    /// Waits for the commit in flight, if any, and takes it in (a stopping broker, a test).
    func settleGroupCommit() throws(MediaError) {
        while commitInFlight {
            try finishGroupCommits()
            if commitInFlight { Thread.sleep(forTimeInterval: 0.001) }
        }
    }

    /// What follows a result once it is durable.
    private func completed(_ item: StagedResult, doneBy: DoneBy) {
        let result = item.result, key = item.key
        if let newer = leases.end(segment: key), newer.id != result.id {
            cancel(newer.id, on: newer.worker)
            config.log.info("accepted the late result of \(result.id); cancelled attempt \(newer.id.attempt) on \(workers[newer.worker]?.hello.name ?? "a worker gone")",
                            metadata: result.id.logMetadata(worker: item.workerName))
        }
        queue.remove(key)
        quarantine.recordSuccess(doneBy.worker)
        gates[key.file]?.arrived(key.index)
        framesCompleted += result.frameCount
        metrics.segmentCompleted(copied: result.copied, frames: result.frameCount, sourceBytes: item.sourceBytes,
                                 workerMilliseconds: result.milliseconds)
        if let route = item.route {
            workers[route]?.segmentsDone += 1
            workers[route]?.framesDone += result.frameCount
            workers[route]?.busyMilliseconds += result.milliseconds
            if let worker = workers[route], worker.saidBye, leases.heldCount(by: route) == 0 {
                removeWorker(route, because: "worker \(worker.hello.name) left", as: .handedBack, counts: false)
            }
        }
    }

    /// A checked result that could not be recorded (the state folder's disk failed): held
    /// against its attempt like a result refused, so the segment is done again.
    private func reject(_ item: StagedResult, because error: MediaError) {
        config.log.warning("could not record the result for \(item.result.id) from \(item.workerName): \(error.reason)",
                           metadata: item.result.id.logMetadata(worker: item.workerName, reason: SegmentSetback.rejected.rawValue))
        guard let lease = leases.end(item.result.id) else {
            // Its worker was lost while the result waited (and the segment was not requeued
            // then, the result in hand deciding): it goes back now.
            return returnToQueue(item.result.id, reason: "result not recorded: \(error.reason)", as: .rejected, counts: false)
        }
        countFailure(item.result.id, of: workers[lease.worker]?.hello.name, reason: "result not recorded: \(error.reason)", as: .rejected)
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
        // Counts and timestamps are checked here; the payload is read once, by the stitch.
        let segment = try SegmentFile(timingOnly: bytes, path: label)
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

/// A result that passed its checks, waiting for a group commit.
struct StagedResult: Sendable {
    var result: TaskResult
    var key: SegmentKey
    var route: WorkerRoute?
    var workerName: String
    var area: FileWorkArea
    var output: SegmentPlan.OutputRecord
    /// The re-encoded segment (empty when copied) and its frames' coverage, to be written.
    var segment: [UInt8]
    var coverage: [UInt8]
    /// The source segment's size, for the bytes-processed metric.
    var sourceBytes: Int
}

/// What a group commit did with each result of its batch.
struct GroupCommit: Sendable {
    var recorded: [(StagedResult, DoneBy)]
    var failed: [(StagedResult, MediaError)]
}
