import Foundation
import Logging
import RedactCore

/// A file's way through the farm: pending → splitting → processing → stitching → done (or
/// failed, or cancelled). Splits and stitches run on background lanes; their outcome is
/// committed here, on the broker's thread.
extension Coordinator {
    func submit(_ request: SubmitRequest) throws(MediaError) -> String {
        // A remote client's options are checked here as the CLI checks its own: never trusted.
        do throws(OptionError) { try request.options.validate() } catch {
            throw MediaError(path: "job options", reason: error.description)
        }
        if request.options.audit == true, config.auditor == nil {
            throw MediaError(path: "--audit", reason: "this coordinator has no face model to audit outputs with (see its log at start)")
        }
        let files = try JobIntake.files(for: request)
        // Also refuse an output another running job is already going to write.
        let claimed = Set(try store.files().filter { !$0.state.isFinal }.map(\.output))
        if let clash = files.first(where: { claimed.contains($0.output) }) {
            throw MediaError(path: clash.output, reason: "is already the output of a job in progress")
        }
        let id = Self.newJobID()
        let priority = request.priority ?? 0
        try JobPriority.check(priority)
        try store.createJob(id: id, options: request.options, outputFolder: request.output, files: files, priority: priority)
        jobsChanged = true
        for file in try store.files(job: id) {
            if priority != 0 { queue.setRank(priority, file: file.id) }
            startSplit(file)
        }
        config.log.info("job \(id): \(files.count) file(s) submitted", metadata: ["job": "\(id)"])
        statusDirty = true
        return id
    }

    /// A job's new priority, for its queued segments and those still to be split.
    func setPriority(_ priority: Int, job jobID: String) throws(MediaError) {
        try JobPriority.check(priority)
        try store.setJobPriority(jobID, priority)
        for file in try store.files(job: jobID) { queue.setRank(priority, file: file.id) }
        config.log.info("job \(jobID): priority \(priority)", metadata: ["job": "\(jobID)"])
        statusDirty = true
    }

    static func newJobID() -> String {
        let stamp = Int(Date().timeIntervalSince1970)
        return "j" + String(stamp, radix: 36) + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
    }

    /// Checks the file can be redacted and written back (`Preflight`), then splits it, on
    /// the split lane. A file that cannot be redacted fails here, before a byte is split.
    func startSplit(_ file: FileRecord) {
        guard !splittingFiles.contains(file.id) else { return }
        let options: JobOptions
        do throws(MediaError) {
            options = try jobOptions(file.jobID).options
        } catch {
            config.log.warning("file \(file.id): \(error)", metadata: ["file": "\(file.id)", "job": "\(file.jobID)"])
            do throws(MediaError) { try failFile(file.id, reason: "the job's options cannot be read: \(error.reason)") } catch {
                config.log.error("cannot record the failure of file \(file.id): \(error)")
            }
            return
        }
        splittingFiles.insert(file.id)
        do throws(MediaError) {
            // A split a crash interrupted starts over: its pieces and results are discarded.
            try store.resetSegments(file.id)
            try store.setFileState(file.id, .splitting)
        } catch {
            config.log.error("file \(file.id): cannot record the split's start: \(error)")
        }
        let area = FileWorkArea(stateDirectory: config.stateDirectory, fileID: file.id)
        let inbox = pipeline, input = file.input, id = file.id, examinesPictures = config.pictureRedactor != nil
        splitLane.submit {
            area.remove()
            let outcome = Result { () throws(MediaError) in
                try Preflight.require(path: input, job: options.job, dropping: Set(options.dropStreams ?? []), examinesPictures: examinesPictures)
                return try Splitter.split(input: input, segmentSeconds: options.segmentSeconds, frameRate: options.job.sourceFrameRate,
                                          into: area.directory, carryContext: true, acceptDamage: options.job.acceptsDamage,
                                          onSegment: { record, header in inbox.post(.segmentReady(id, record, header)) })
            }
            inbox.post(.planned(id, outcome))
        }
    }

    /// Starts a file's stitch once its plan is complete and its first segment is done. It then
    /// runs alongside processing on a thread of its own, waiting for each segment in turn at
    /// its `SegmentGate`, so little is left to do after the last one arrives. At most
    /// `maxWaitingStitches` wait like this; other files are stitched when complete.
    func startStitchIfReady(_ fileID: Int64) throws(MediaError) {
        guard gates[fileID] == nil, let file = try store.file(fileID), file.state == .processing || file.state == .stitching else { return }
        // Asked of an index, not read row by row: this runs after every commit that touches the file.
        let complete = try !store.hasSegmentNotDone(file: fileID)
        if complete && file.state == .processing {
            try store.setFileState(fileID, .stitching)
            statusDirty = true
        }
        guard try store.segment(SegmentKey(file: fileID, index: 0))?.state == .done else { return }
        // A complete file waits its turn (after a restart, every finished file at once would
        // start a thread each); an incomplete one is simply stitched later.
        guard gates.count < (complete ? Self.maxStitches : Self.maxWaitingStitches) else {
            if complete && !stitchBacklog.contains(fileID) { stitchBacklog.append(fileID) }
            return
        }
        stitchBacklog.removeAll { $0 == fileID }
        let plan = try plan(for: fileID)
        let area = FileWorkArea(stateDirectory: config.stateDirectory, fileID: fileID)
        // The gate keeps which segments are done, and the stitch reads each one's record
        // back from the store when it gets there: memory does not grow with finished segments.
        let store = self.store
        let gate = SegmentGate(segments: plan.segments.count) { (indices) throws(MediaError) in
            try store.segments(file: fileID, indices: indices).map { (segment) throws(MediaError) in
                guard segment.state == .done else {
                    throw MediaError(path: "\(segment.key)", reason: "was published to the stitch but is \(segment.state.rawValue) in the store")
                }
                return try Self.arrival(segment, plan: plan, area: area)
            }
        }
        for index in try store.segmentIndices(file: fileID, in: .done) { gate.arrived(index) }
        gates[fileID] = gate
        let finisher = OutputFinisher(jobID: file.jobID, input: file.input, output: file.output, area: area,
                                      plan: plan, gate: gate, options: try jobOptions(file.jobID).options, identity: config.identity,
                                      startedAt: Date(timeIntervalSince1970: try store.job(file.jobID)?.createdAt ?? Date().timeIntervalSince1970),
                                      auditor: config.auditor, pictureRedactor: config.pictureRedactor)
        let inbox = pipeline
        let thread = Thread { inbox.post(.finished(fileID, Result { () throws(MediaError) in try finisher.finish() })) }
        thread.name = "stitch-\(fileID)"
        thread.start()
    }

    static let maxWaitingStitches = 4
    static let maxStitches = 6

    /// A stitch thread came free: the oldest complete file waiting gets it.
    func startBackloggedStitches() throws(MediaError) {
        while gates.count < Self.maxStitches, let next = stitchBacklog.first {
            stitchBacklog.removeFirst()
            try startStitchIfReady(next)
        }
    }

    static func arrival(_ segment: SegmentRecord, plan: SegmentPlan, area: FileWorkArea) throws(MediaError) -> SegmentGate.Arrival {
        guard let sha = segment.outputSHA256, let bytes = segment.outputBytes, segment.key.index < plan.segments.count else {
            throw MediaError(path: "\(segment.key)", reason: "done without a recorded output")
        }
        let record = plan.segments[segment.key.index]
        let output: SegmentPlan.OutputRecord = segment.copied
            ? record.copiedOutput
            : .init(file: area.outputSegmentName(record), sha256: sha, byteSize: bytes, frameCount: segment.frameCount)
        return .init(output: output,
                     worker: segment.worker ?? "unknown", workerHost: segment.workerHost, detections: segment.detections ?? 0)
    }

    func handlePipelineEvents() throws(MediaError) {
        // Segments split since the last turn are recorded in one transaction per file.
        var ready: [Int64: [SegmentPlan.SegmentRecord]] = [:]
        var stillSplitting: [Int64: Bool] = [:]  // asked of the store once per file and turn
        func recordReady() throws(MediaError) {
            for (id, records) in ready {
                for index in try store.addSegments(id, records) { queue.push(SegmentKey(file: id, index: index), .normal) }
            }
            ready = [:]
            stillSplitting = [:]
        }
        for event in pipeline.drain() {
            statusDirty = true
            if case .segmentReady = event {} else { try recordReady() }
            switch event {
            case .segmentReady(let id, let record, let header):
                // Work starts while the rest of the file is still being split (not for a file
                // that has ended meanwhile). The plan so far grows in place (its own copy,
                // appended to).
                if stillSplitting[id] == nil { stillSplitting[id] = try store.file(id)?.state == .splitting }
                guard stillSplitting[id] == true else { continue }
                var plan = plans.removeValue(forKey: id) ?? header
                // A further video stream's record comes with its first segment's header.
                if let others = header.otherVideo, others.count > plan.otherVideo?.count ?? 0 { plan.otherVideo = others }
                if record.index == plan.segments.count { plan.segments.append(record) }
                plans[id] = plan
                ready[id, default: []].append(record)
            case .planned(let id, let outcome):
                splittingFiles.remove(id)
                guard let file = try store.file(id), file.state == .splitting else {
                    FileWorkArea(stateDirectory: config.stateDirectory, fileID: id).remove()
                    continue
                }
                switch outcome {
                case .success(let plan):
                    plans[id] = plan
                    for index in try store.setPlanned(id, plan: plan) { queue.push(SegmentKey(file: id, index: index), .normal) }
                    config.log.info("file \(id) (\(file.input)): \(plan.segments.count) segment(s), \(plan.frameCount) frames",
                                    metadata: ["file": "\(id)", "job": "\(file.jobID)"])
                    try startStitchIfReady(id)
                case .failure(let error):
                    try failFile(id, reason: error.description)
                }
            case .finished(let id, let outcome):
                gates[id] = nil
                defer { try? startBackloggedStitches() }
                switch outcome {
                case .success(let finished):
                    try store.setFileState(id, .done, outputSHA256: finished.outputSHA256)
                    metrics.fileEnded(.done)
                    FileWorkArea(stateDirectory: config.stateDirectory, fileID: id).remove()
                    plans[id] = nil
                    requirementsByFile[id] = nil
                    if let file = try store.file(id) {
                        config.log.info("file \(id) done: \(file.output) (\(finished.frames) frames)", metadata: ["file": "\(id)", "job": "\(file.jobID)"])
                        try finishJobIfDone(file.jobID)
                    }
                case .failure(let error):
                    try failFile(id, reason: error.description)  // nothing if the file had already ended
                    FileWorkArea(stateDirectory: config.stateDirectory, fileID: id).remove()
                }
            }
        }
        try recordReady()
    }

    /// Fails a file with its reason: its other tasks are cancelled and its pieces removed,
    /// and nothing is ever stitched from it. The recorded error always starts with the input
    /// file's path, so the one line a user sees names it.
    func failFile(_ id: Int64, reason: String) throws(MediaError) {
        guard let file = try store.file(id) else { return }
        let message = reason.hasPrefix(file.input) ? reason : "\(file.input): \(reason)"
        try endFile(id, as: .failed, reason: message)
        config.log.warning("file \(id) failed: \(message)", metadata: ["file": "\(id)"])
        try finishJobIfDone(file.jobID)
    }

    func endFile(_ id: Int64, as state: FileState, reason: String?) throws(MediaError) {
        guard let file = try store.file(id), !file.state.isFinal else { return }
        if file.state == .stitching && state == .cancelled { return }  // about to finish: let it
        try store.setFileState(id, state, error: reason)
        metrics.fileEnded(state)
        for lease in leases.endAll(file: id) {
            cancel(lease.id, on: lease.worker)
            _ = try store.abandonAttempt(lease.key, attempt: Int(lease.id.attempt), reason: "file \(state.rawValue)", counts: false,
                                         maxFailures: config.maxFailures)
        }
        queue.removeAll(file: id)
        heldBack = heldBack.filter { $0.file != id }
        requeuedAt = requeuedAt.filter { $0.key.file != id }
        stitchBacklog.removeAll { $0 == id }
        plans[id] = nil
        requirementsByFile[id] = nil
        unservedFiles[id] = nil
        // A stitch waiting for this file's segments ends now, removing its partial output.
        gates.removeValue(forKey: id)?.fail(MediaError(path: file.input, reason: reason ?? state.rawValue))
        if !splittingFiles.contains(id) { FileWorkArea(stateDirectory: config.stateDirectory, fileID: id).remove() }
        statusDirty = true
    }

    func finishJobIfDone(_ jobID: String) throws(MediaError) {
        guard let job = try store.job(jobID), !job.state.isFinal else { return }
        let files = try store.files(job: jobID)
        guard files.allSatisfy({ $0.state.isFinal }) else { return }
        let state: JobState = files.allSatisfy { $0.state == .done } ? .done
            : files.contains { $0.state == .failed } ? .failed : .cancelled
        try store.setJobState(jobID, state)
        jobsChanged = true
        jobOptionsCache[jobID] = nil
        config.log.info("job \(jobID) \(state.rawValue)", metadata: ["job": "\(jobID)"])
        statusDirty = true
        lastPublished = 0  // publish the end at once
    }

    func cancel(_ jobID: String) throws(MediaError) {
        guard let job = try store.job(jobID) else { throw MediaError(path: jobID, reason: "no such job") }
        guard !job.state.isFinal else { throw MediaError(path: jobID, reason: "already \(job.state.rawValue)") }
        for file in try store.files(job: jobID) { try endFile(file.id, as: .cancelled, reason: "cancelled") }
        if try store.files(job: jobID).allSatisfy({ $0.state.isFinal }) {
            try store.setJobState(jobID, .cancelled)
            jobsChanged = true
            jobOptionsCache[jobID] = nil
        }
        config.log.info("job \(jobID) cancelled", metadata: ["job": "\(jobID)"])
        lastPublished = 0
    }
}
