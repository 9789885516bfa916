import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import RedactCoordinator
import RedactWorker
import Testing

/// The broker's side of idempotence, with a scripted worker on an inproc socket: a result is
/// accepted once per segment, for any attempt the store knows, and only when it checks out;
/// anything else is logged and ignored, and a bad result costs an attempt.
@Suite struct BrokerResultTests {
    struct NoFaces: FaceFinder {
        func detect(_ frame: VideoFrame) throws(MediaError) -> [Detection] { [] }
    }

    /// A coordinator on `inproc://work-NAME` and `inproc://control-NAME`, logging into `log`,
    /// on its own thread; the returned closure stops it and waits.
    static func startCoordinator(_ dir: String, _ name: String, context: ZMQContext, log: LockedBox<[String]>,
                                 configure: (inout CoordinatorConfiguration) -> Void = { _ in }) throws -> () -> Void {
        var config = CoordinatorConfiguration(stateDirectory: dir + "/state", identity: try FarmIdentity.generate())
        config.workEndpoints = ["inproc://work-\(name)"]
        config.controlEndpoints = ["inproc://control-\(name)"]
        config.bindLocalEndpoints = false
        config.log = MessageLogHandler.logger("test", { line in log.withLock { $0.append(line) } })
        configure(&config)
        // Released when it stops, so its sockets close and a restart can bind the same ports.
        let box = LockedBox<Coordinator?>(try Coordinator(config, context: context))
        let stop = StopSignal()
        let done = DispatchSemaphore(value: 0)
        Thread {
            do {
                let coordinator = box.withLock { $0 }
                try? coordinator?.run(until: stop)
            }
            box.withLock { $0 = nil }
            done.signal()
        }.start()
        return { stop.request(); done.wait() }
    }

    /// Leases that run out in 1.5 s, heartbeats every 300 ms: losses show within a test's patience.
    static func shortLeases(_ config: inout CoordinatorConfiguration) {
        config.livenessMilliseconds = 1500
        config.heartbeatMilliseconds = 300
    }

    /// h264_bframes.mp4 as one segment, no detection, into DIR/out.mp4; the job's id.
    /// Every segment re-encoded: these tests tamper with the bytes a result carries, which a
    /// copied segment's result has none of.
    static func submitOneSegmentJob(_ client: FarmClient, into dir: String) throws -> String {
        var job = RedactionJob()
        job.reencodeAll = true
        let (jobID, _) = try client.expectStatus(ControlRequest(op: .submit, submit: SubmitRequest(
            inputs: [Fixtures.corpus("h264_bframes.mp4")], output: dir + "/out.mp4", outputIsFile: true,
            options: JobOptions(job: job, segmentSeconds: 100))))
        return try #require(jobID)
    }

    /// The next task for a scripted worker's `socket` (answering heartbeats meanwhile), or nil
    /// if none comes within `seconds`.
    static func nextTask(_ socket: ZMQSocket, seconds: Int) throws -> (TaskAssignment, [UInt8])? {
        let deadline = MonotonicClock.now + UInt64(seconds * 1000)
        while MonotonicClock.now < deadline {
            guard let frames = try socket.receive(timeoutMilliseconds: 200) else { continue }
            switch try WireCodec.decode(frames) {
            case .task(let t, let segment): return (t, segment)
            case .heartbeat: try socket.send(WireCodec.encode(.heartbeat([])))
            default: continue
            }
        }
        return nil
    }

    /// A worker's socket on `inproc://work-NAME` that has said hello as `worker`.
    static func scriptedWorker(_ worker: String, _ name: String, context: ZMQContext,
                               models: [ModelRole] = [.face]) throws -> ZMQSocket {
        let socket = try ZMQSocket(context, .dealer)
        try socket.connect("inproc://work-\(name)")
        try socket.send(WireCodec.encode(.hello(WorkerHello(name: worker, software: "redactfarm \(RedactFarmVersion.current)",
                                                             models: ModelRole.pinnedMap(models), cores: 1, slots: 1, credit: 1))))
        return socket
    }

    /// Runs `work` (a segment, which under a loaded test run can outlast a short lease) on
    /// another thread while answering the coordinator's heartbeats on `socket` with the tasks
    /// `held`, as a live worker's loop does while its slots are busy.
    static func keepingAlive<T: Sendable>(_ socket: ZMQSocket, holding held: [TaskID], _ work: @escaping () -> T) throws -> T {
        // The work runs on one thread while this one only waits and answers: never both at once.
        let handoff = UncheckedHandoff(work: work)
        let result = LockedBox<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread { let value = handoff.work(); result.withLock { $0 = value }; done.signal() }.start()
        while done.wait(timeout: .now()) == .timedOut {
            guard let frames = try socket.receive(timeoutMilliseconds: 50) else { continue }
            let message = try WireCodec.decode(frames)
            if case .heartbeat = message { try socket.send(WireCodec.encode(.heartbeat(held.map { TaskProgress(id: $0, framesDone: 0) }))) } else if case .welcome = message {} else {
                Issue.record("unexpected \(message.kind) while the segment ran")
            }
        }
        return result.withLock { $0! }
    }

    struct UncheckedHandoff<T>: @unchecked Sendable { let work: () -> T }

    /// The next message the coordinator sends a scripted worker, heartbeats skipped.
    static func nextMessage(_ worker: ZMQSocket) throws -> WireMessage {
        while true {
            let frames = try #require(try worker.receive(timeoutMilliseconds: 20_000))
            let message = try WireCodec.decode(frames)
            if case .heartbeat = message { continue }
            return message
        }
    }

    /// A coordinator named `name` with one scripted worker, welcomed, and a one-segment job
    /// submitted; `stop` ends the coordinator.
    static func oneSegmentJob(_ dir: String, _ name: String, context: ZMQContext, log: LockedBox<[String]>) throws
        -> (worker: ZMQSocket, client: FarmClient, jobID: String, stop: () -> Void) {
        let stop = try startCoordinator(dir, name, context: context, log: log)
        do {
            let worker = try scriptedWorker("scripted", name, context: context)
            guard case .welcome = try nextMessage(worker) else { throw MediaError(path: name, reason: "no welcome") }
            let client = try FarmClient(control: "inproc://control-\(name)", context: context)
            return (worker, client, try submitOneSegmentJob(client, into: dir), stop)
        } catch {
            stop()
            throw error
        }
    }

    @Test func resultsAreAcceptedOncePerAttemptAndOnlyWhenTheyCheckOut() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let context = try ZMQContext()
            let log = LockedBox<[String]>([])
            let (worker, client, jobID, stop) = try Self.oneSegmentJob(dir, "results", context: context, log: log)
            defer { stop() }
            func next() throws -> WireMessage { try Self.nextMessage(worker) }

            // Attempt 1: a result whose bytes do not match its hash is refused and costs an attempt.
            guard case .task(let first, let segment) = try next() else { Issue.record("no task"); return }
            #expect(first.id.attempt == 1)
            let runner = SegmentTaskRunner(makeDetectors: TestDetectors.faces(NoFaces()))
            guard case .result(let good, let output, let coverage) = runner.run(first, segment: segment, onFrameStep: {}) else {
                Issue.record("the runner failed"); return
            }
            try worker.send(WireCodec.encode(.result(good, segment: output + [0], coverage: coverage)))

            // Attempt 2 arrives; the genuine attempt-1 result, late, is still accepted (a valid
            // result is never wasted) and attempt 2 is cancelled.
            guard case .task(let second, let segment2) = try next() else { Issue.record("no second task"); return }
            #expect(second.id.attempt == 2 && second.id.segment == first.id.segment)
            try worker.send(WireCodec.encode(.result(good, segment: output, coverage: coverage)))
            guard case .cancel(let cancelled) = try next() else { Issue.record("attempt 2 was not cancelled"); return }
            #expect(cancelled == second.id)
            guard case .result(var fresh, let output2, let coverage2) = runner.run(second, segment: segment2, onFrameStep: {}) else {
                Issue.record("the runner failed"); return
            }
            fresh.id = second.id
            try worker.send(WireCodec.encode(.result(fresh, segment: output2, coverage: coverage2)))
            try worker.send(WireCodec.encode(.result(fresh, segment: output2, coverage: coverage2)))  // a duplicate

            #expect(eventually(seconds: 30) {
                (try? client.expectStatus(ControlRequest(op: .status, job: jobID)).status.jobs.first?.state) == .done
            })
            let lines = log.withLock { $0 }
            #expect(lines.contains { $0.contains("rejected the result for \(first.id)") && $0.contains("damaged") })
            #expect(lines.contains { $0.contains("accepted the late result of \(first.id)") })
            // Attempt 2's result and its duplicate come after the segment is done.
            #expect(lines.filter { $0.contains("ignored a result") }.count == 2, "\(lines)")
            #expect(try MediaInspection.videoTimestamps(dir + "/out.mp4") == MediaInspection.videoTimestamps(Fixtures.corpus("h264_bframes.mp4")))
        }
    }

    /// A result whose hash matches its bytes but whose segment lacks a planned frame is
    /// refused, with the plan's count (the coordinator checks structure without copying the
    /// payload, `SegmentFile(timingOnly:)`); the genuine result then finishes the job.
    @Test func aResultMissingAFrameIsRefused() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let context = try ZMQContext()
            let log = LockedBox<[String]>([])
            let (worker, client, jobID, stop) = try Self.oneSegmentJob(dir, "short", context: context, log: log)
            defer { stop() }
            func next() throws -> WireMessage { try Self.nextMessage(worker) }
            guard case .task(let task, let segment) = try next() else { Issue.record("no task"); return }
            let runner = SegmentTaskRunner(makeDetectors: TestDetectors.faces(NoFaces()))
            guard case .result(let good, let output, let coverage) = runner.run(task, segment: segment, onFrameStep: {}) else {
                Issue.record("the runner failed"); return
            }
            var short = try SegmentFile(bytes: output, path: "mem")
            short.packets.removeLast()
            let shortBytes = short.encoded()
            var lie = good
            lie.outputSHA256 = SHA256Hex.of(shortBytes)
            try worker.send(WireCodec.encode(.result(lie, segment: shortBytes, coverage: coverage)))
            #expect(eventually(seconds: 30) { log.withLock { $0 }.contains { $0.contains("rejected the result for \(task.id)") } })
            #expect(log.withLock { $0 }.contains { $0.contains("has \(good.frameCount - 1) frames, the plan says \(good.frameCount)") }, "\(log.withLock { $0 })")
            guard case .task(let retry, let segment2) = try next() else { Issue.record("no second attempt"); return }
            guard case .result(let fresh, let output2, let coverage2) = runner.run(retry, segment: segment2, onFrameStep: {}) else {
                Issue.record("the runner failed"); return
            }
            try worker.send(WireCodec.encode(.result(fresh, segment: output2, coverage: coverage2)))
            #expect(eventually(seconds: 30) {
                (try? client.expectStatus(ControlRequest(op: .status, job: jobID)).status.jobs.first?.state) == .done
            })
        }
    }

    /// The hang of issue 10: a late result for an old attempt, from the worker now holding the
    /// newer one, then that worker's silence. Here the late result is damaged, so it is refused:
    /// the newer attempt must still be requeued when the worker is lost, and the job must end.
    /// A worker's "nothing to hide, copy it" is taken only where the task offered copying: for
    /// a job that re-encodes everything the claim is refused and costs its attempt; where the
    /// file allows it, the task names the parameter set id to re-encode with and the runner's
    /// claim is accepted.
    @Test(arguments: [true, false])
    func aCopyClaimIsTakenOnlyWhereTheTaskOfferedIt(reencodeAll: Bool) throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let context = try ZMQContext()
            let log = LockedBox<[String]>([])
            let name = "copyclaim-\(reencodeAll)"
            let stop = try Self.startCoordinator(dir, name, context: context, log: log)
            defer { stop() }
            let worker = try Self.scriptedWorker("scripted", name, context: context)
            let client = try FarmClient(control: "inproc://control-\(name)", context: context)
            var job = RedactionJob()
            job.reencodeAll = reencodeAll
            let (jobID, _) = try client.expectStatus(ControlRequest(op: .submit, submit: SubmitRequest(
                inputs: [Fixtures.corpus("h264_bframes.mp4")], output: dir + "/out.mp4", outputIsFile: true,
                options: JobOptions(job: job, segmentSeconds: 100))))
            let (task, segment) = try #require(try Self.nextTask(worker, seconds: 20))
            let runner = SegmentTaskRunner(makeDetectors: TestDetectors.faces(NoFaces()))
            guard case .result(let result, let output, let coverage) = try Self.keepingAlive(worker, holding: [task.id], { runner.run(task, segment: segment, onFrameStep: {}) }) else {
                Issue.record("the runner failed"); return
            }
            if reencodeAll {
                #expect(task.copyParameterSetID == nil && !result.copied)
                var claim = result
                claim.copied = true
                claim.outputSHA256 = result.inputSHA256
                try worker.send(WireCodec.encode(.result(claim, segment: [], coverage: coverage)))
                #expect(eventually(seconds: 20) { log.withLock { $0.contains { $0.contains("rejected the result for \(task.id)") && $0.contains("all to be re-encoded") } } })
            } else {
                #expect(task.copyParameterSetID == 1 && result.copied && output.isEmpty)
                try worker.send(WireCodec.encode(.result(result, segment: output, coverage: coverage)))
                #expect(eventually(seconds: 30) {
                    (try? client.expectStatus(ControlRequest(op: .status, job: try #require(jobID))).status.jobs.first?.state) == .done
                })
                #expect(try Self.decodedFrames(dir + "/out.mp4") == Self.decodedFrames(Fixtures.corpus("h264_bframes.mp4")))
            }
        }
    }

    static func decodedFrames(_ path: String) throws -> [String] { try FFmpegOracle.frameMD5(path, streams: "0:v") }

    @Test func aLateOldResultDoesNotOrphanTheNewerAttempt() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let context = try ZMQContext()
            let log = LockedBox<[String]>([])
            let stop = try Self.startCoordinator(dir, "late", context: context, log: log, configure: Self.shortLeases)
            defer { stop() }

            func scriptedWorker(_ name: String) throws -> ZMQSocket { try Self.scriptedWorker(name, "late", context: context) }
            func next(_ socket: ZMQSocket) throws -> WireMessage {
                while true {
                    let message = try WireCodec.decode(try #require(try socket.receive(timeoutMilliseconds: 20_000), "\(log.withLock { $0 })"))
                    // Answer heartbeats, as a live worker does.
                    if case .heartbeat = message { try socket.send(WireCodec.encode(.heartbeat([]))); continue }
                    if case .welcome = message { continue }
                    return message
                }
            }
            let first = try scriptedWorker("first")
            let client = try FarmClient(control: "inproc://control-late", context: context)
            let jobID = try Self.submitOneSegmentJob(client, into: dir)
            let runner = SegmentTaskRunner(makeDetectors: TestDetectors.faces(NoFaces()))

            // Attempt 1 fails (transiently), attempt 2 comes to the same worker, and then a
            // damaged attempt-1 result arrives late.
            guard case .task(let one, let segment) = try next(first) else { Issue.record("no task"); return }
            guard case .result(let late, let output, let coverage) = try Self.keepingAlive(first, holding: [one.id], { runner.run(one, segment: segment, onFrameStep: {}) }) else {
                Issue.record("the runner failed"); return
            }
            try first.send(WireCodec.encode(.failure(one.id, .transient, reason: "scripted")))
            guard case .task(let two, _) = try next(first) else { Issue.record("no second task"); return }
            #expect(two.id.attempt == 2)
            try first.send(WireCodec.encode(.result(late, segment: output.reversed(), coverage: coverage)))

            // The first worker goes silent; once it is taken for dead, a second one must be
            // given attempt 3 and finish.
            #expect(eventually(seconds: 10) { log.withLock { $0.contains { $0.contains("worker first silent") } } })
            let second = try scriptedWorker("second")
            guard case .task(let three, let segment3) = try next(second) else {
                Issue.record("attempt 2 was orphaned: \(log.withLock { $0 })"); return
            }
            #expect(three.id.attempt == 3)
            guard case .result(let result, let output3, let coverage3) = try Self.keepingAlive(second, holding: [three.id], { runner.run(three, segment: segment3, onFrameStep: {}) }) else {
                Issue.record("the runner failed"); return
            }
            try second.send(WireCodec.encode(.result(result, segment: output3, coverage: coverage3)))
            #expect(eventually(seconds: 30) {
                (try? client.expectStatus(ControlRequest(op: .status, job: jobID)).status.jobs.first?.state) == .done
            })
            #expect(log.withLock { $0.contains { $0.contains("rejected the result for \(one.id)") } })
        }
    }

    /// A worker that is alive but no longer lists a task it was given (it dropped it, or the
    /// task never reached it) must not hold the segment for ever: the lease ends and the
    /// segment is dispatched again.
    @Test func aLeaseItsHolderNoLongerListsIsRequeued() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let context = try ZMQContext()
            let log = LockedBox<[String]>([])
            let stop = try Self.startCoordinator(dir, "unlisted", context: context, log: log, configure: Self.shortLeases)
            defer { stop() }
            let worker = try Self.scriptedWorker("forgetful", "unlisted", context: context)
            let client = try FarmClient(control: "inproc://control-unlisted", context: context)
            _ = try Self.submitOneSegmentJob(client, into: dir)
            var attempts: [Int32] = []
            let deadline = MonotonicClock.now + 20_000
            while MonotonicClock.now < deadline, attempts.count < 2 {
                // Heartbeats that list nothing, as from a worker that lost its task.
                try worker.send(WireCodec.encode(.heartbeat([])))
                guard let frames = try worker.receive(timeoutMilliseconds: 300) else { continue }
                if case .task(let task, _) = try WireCodec.decode(frames) { attempts.append(task.id.attempt) }
            }
            #expect(attempts == [1, 2], "\(log.withLock { $0 })")
            #expect(log.withLock { $0.contains { $0.contains("forgetful no longer holds") } })
        }
    }

    /// A coordinator restart between dispatch and result: the worker, still at work, announces
    /// itself again and carries on; the segment is not dispatched again and its result counts.
    @Test func aRestartBetweenDispatchAndResultRedoesNothing() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let context = try ZMQContext()
            let log = LockedBox<[String]>([])
            let port = Int.random(in: 30_000...60_000)
            func start(_ name: String) throws -> () -> Void {
                try Self.startCoordinator(dir, name, context: context, log: log) { config in
                    config.workEndpoints = ["tcp://127.0.0.1:\(port)"]
                    config.heartbeatMilliseconds = 300
                }
            }
            let running = LockedBox<[() -> Void]>([try start("restart-a")])
            defer { for stop in running.withLock({ $0 }) { stop() } }
            let worker = try ZMQSocket(context, .dealer)
            try worker.connect("tcp://127.0.0.1:\(port)")
            let hello = WireMessage.hello(WorkerHello(name: "steady", software: "redactfarm \(RedactFarmVersion.current)",
                                                      models: ModelRole.pinnedMap([.face]), cores: 1, slots: 1, credit: 1))
            try worker.send(WireCodec.encode(hello))
            /// Runs the worker's side for `seconds`: heartbeats listing `held`, hellos when asked;
            /// returns the tasks it was given.
            func pump(seconds: Double, held: [TaskProgress]) throws -> [(TaskAssignment, [UInt8])] {
                var tasks: [(TaskAssignment, [UInt8])] = []
                let deadline = MonotonicClock.now + UInt64(seconds * 1000)
                var lastBeat: UInt64 = 0
                while MonotonicClock.now < deadline {
                    if MonotonicClock.since(lastBeat) >= 300 {
                        try worker.send(WireCodec.encode(.heartbeat(held)))
                        lastBeat = MonotonicClock.now
                    }
                    guard let frames = try worker.receive(timeoutMilliseconds: 50) else { continue }
                    switch try WireCodec.decode(frames) {
                    case .task(let t, let segment): tasks.append((t, segment))
                    case .announceAgain: try worker.send(WireCodec.encode(hello))
                    default: continue
                    }
                }
                return tasks
            }
            let client = try FarmClient(control: "inproc://control-restart-a", context: context)
            _ = try Self.submitOneSegmentJob(client, into: dir)
            var given: [(TaskAssignment, [UInt8])] = []
            #expect(eventually(seconds: 20) { given += (try? pump(seconds: 0.2, held: [])) ?? []; return !given.isEmpty })
            let (task, segment) = try #require(given.first)
            let held = [TaskProgress(id: task.id, framesDone: 3)]
            _ = try pump(seconds: 0.5, held: held)

            running.withLock { $0.removeFirst() }()
            // The port is free again once the old sockets have closed.
            var restarted: (() -> Void)?
            for _ in 0..<50 where restarted == nil {
                restarted = try? start("restart-b")
                if restarted == nil { Thread.sleep(forTimeInterval: 0.1) }
            }
            let stopB = try #require(restarted, "the coordinator did not restart: \(log.withLock { $0 })")
            running.withLock { $0.append(stopB) }
            // The restarted coordinator must not hand the segment out again while its holder works.
            let meanwhile = try pump(seconds: 4, held: held)
            #expect(meanwhile.isEmpty, "dispatched again: \(meanwhile.map(\.0.id))")
            #expect(log.withLock { $0.contains { $0.contains("steady still holds \(task.id)") } }, "\(log.withLock { $0 })")

            let runner = SegmentTaskRunner(makeDetectors: TestDetectors.faces(NoFaces()))
            guard case .result(let result, let output, let coverage) = runner.run(task, segment: segment, onFrameStep: {}) else {
                Issue.record("the runner failed"); return
            }
            try worker.send(WireCodec.encode(.result(result, segment: output, coverage: coverage)))
            let client2 = try FarmClient(control: "inproc://control-restart-b", context: context)
            #expect(eventually(seconds: 30) {
                _ = try? pump(seconds: 0.1, held: [])
                return (try? client2.expectStatus(ControlRequest(op: .status)).status.jobs.first?.state) == .done
            })
            let store = try JobStore(stateDirectory: dir + "/state")
            let file = try #require(try store.files().first)
            #expect(try store.segments(file: file.id).map(\.dispatches) == [1])
            #expect(try store.segments(file: file.id).first?.worker == "steady")
        }
    }

    /// A retry goes to a worker that has not failed the segment when one has room, so one
    /// bad worker cannot use up every attempt.
    @Test func aRetryGoesToAnotherWorker() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let context = try ZMQContext()
            let log = LockedBox<[String]>([])
            let stop = try Self.startCoordinator(dir, "retry", context: context, log: log)
            defer { stop() }
            func scriptedWorker(_ name: String) throws -> ZMQSocket { try Self.scriptedWorker(name, "retry", context: context) }
            func task(_ socket: ZMQSocket, seconds: Int) throws -> (TaskAssignment, [UInt8])? { try Self.nextTask(socket, seconds: seconds) }
            let bad = try scriptedWorker("bad")
            let client = try FarmClient(control: "inproc://control-retry", context: context)
            _ = try Self.submitOneSegmentJob(client, into: dir)
            let (one, _) = try #require(try task(bad, seconds: 20), "\(log.withLock { $0 })")
            let good = try scriptedWorker("good")
            #expect(eventually(seconds: 10) { log.withLock { $0.contains { $0.contains("worker good joined") } } })
            try bad.send(WireCodec.encode(.failure(one.id, .transient, reason: "scripted")))
            let retry = try #require(try task(good, seconds: 10), "the retry did not go to the other worker: \(log.withLock { $0 })")
            #expect(retry.0.id.attempt == 2)
            #expect(try task(bad, seconds: 1) == nil)
        }
    }

    /// Capability routing end to end: a plate job is never sent to a worker without the text
    /// model; the file waits, `status` says which model nobody holds and `workers` lists what
    /// each holds; a worker with both models gets it at once, with the job's models map.
    @Test func aJobGoesOnlyToAWorkerHoldingItsModelsAndWaitsSayingWhy() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let context = try ZMQContext()
            let log = LockedBox<[String]>([])
            let stop = try Self.startCoordinator(dir, "routing", context: context, log: log)
            defer { stop() }
            let facesOnly = try Self.scriptedWorker("faces-only", "routing", context: context)
            let client = try FarmClient(control: "inproc://control-routing", context: context)
            var job = RedactionJob()
            job.targets = [.face, .plate]
            let (submitted, _) = try client.expectStatus(ControlRequest(op: .submit, submit: SubmitRequest(
                inputs: [Fixtures.corpus("h264_bframes.mp4")], output: dir + "/out.mp4", outputIsFile: true,
                options: JobOptions(job: job, segmentSeconds: 100))))
            let jobID = try #require(submitted)
            #expect(eventually(seconds: 20) {
                (try? client.expectStatus(ControlRequest(op: .status, job: jobID)).status.jobs.first?.files.first?.waiting)??
                    .contains("no connected worker has the text model") == true
            }, "\(log.withLock { $0 })")
            #expect(try Self.nextTask(facesOnly, seconds: 2) == nil)
            let listed = try client.expectStatus(ControlRequest(op: .status)).status.workers
            #expect(listed.map(\.models) == [["face"]])

            let both = try Self.scriptedWorker("both", "routing", context: context, models: [.face, .text])
            let (task, _) = try #require(try Self.nextTask(both, seconds: 10), "\(log.withLock { $0 })")
            #expect(task.models == ModelRole.pinnedMap([.face, .text]))
            #expect(eventually(seconds: 10) {
                (try? client.expectStatus(ControlRequest(op: .status, job: jobID)).status.jobs.first?.files.first).map { $0.waiting == nil } == true
            })
            #expect(try Self.nextTask(facesOnly, seconds: 1) == nil)
        }
    }
}
