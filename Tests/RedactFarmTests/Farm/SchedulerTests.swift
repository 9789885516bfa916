import Foundation
import RedactCore
@testable import RedactCoordinator
import Testing

/// The broker's decisions without a socket: the lease table, the scheduler, the queue, the
/// quarantine and the invariant audit, fed the sequences that once hung a job.
@Suite struct SchedulerTests {
    static func id(_ segment: Int, attempt: Int = 1, file: Int64 = 1) -> TaskID {
        TaskID(job: "j", file: file, segment: Int32(segment), attempt: Int32(attempt))
    }
    static func key(_ segment: Int, file: Int64 = 1) -> SegmentKey { SegmentKey(file: file, index: segment) }
    static let w1: WorkerRoute = Array("w1".utf8), w2: WorkerRoute = Array("w2".utf8), w3: WorkerRoute = Array("w3".utf8)

    static func candidate(_ route: WorkerRoute, credit: Int = 2, accepting: Bool = true, _ leases: LeaseTable) -> Scheduler.Candidate {
        Scheduler.Candidate(route: route, name: String(decoding: route, as: UTF8.self), credit: credit, accepting: accepting,
                            leases: leases.held(by: route))
    }

    // MARK: Lease table

    /// Most of the fleet silent at once is the coordinator's own partition, not counted
    /// against segments; one worker of several going quiet, or the only worker, still is.
    @Test func silenceFromMostOfTheFleetIsNotCountedAgainstSegments() {
        #expect(Coordinator.silenceIsOurs(quiet: 3, of: 3) && Coordinator.silenceIsOurs(quiet: 2, of: 3) && Coordinator.silenceIsOurs(quiet: 2, of: 2))
        #expect(!Coordinator.silenceIsOurs(quiet: 1, of: 3) && !Coordinator.silenceIsOurs(quiet: 1, of: 2) && !Coordinator.silenceIsOurs(quiet: 1, of: 1))
        #expect(!Coordinator.silenceIsOurs(quiet: 50, of: 100) && Coordinator.silenceIsOurs(quiet: 51, of: 100))
    }

    @Test func firstAttemptsGoByTheirJobsPriorityAndRetriesBeforeAll() {
        var queue = WorkQueue([Self.key(0, file: 1), Self.key(1, file: 1), Self.key(0, file: 2)], ranks: [2: 5])
        #expect(queue.ordered.map(\.key) == [Self.key(0, file: 2), Self.key(0, file: 1), Self.key(1, file: 1)])
        // A later segment of the urgent file joins its rank; a retry of a background file
        // still goes first.
        queue.push(Self.key(1, file: 2), .normal)
        queue.push(Self.key(1, file: 1), .retry)
        #expect(queue.ordered.map(\.key) == [Self.key(1, file: 1), Self.key(0, file: 2), Self.key(1, file: 2), Self.key(0, file: 1)])
        // Lowered below the default, its first attempts move behind the others, in their order.
        queue.setRank(-1, file: 2)
        #expect(queue.ordered.map(\.key) == [Self.key(1, file: 1), Self.key(0, file: 1), Self.key(0, file: 2), Self.key(1, file: 2)])
        queue.remove(Self.key(0, file: 2))
        #expect(queue.ordered.map(\.key) == [Self.key(1, file: 1), Self.key(0, file: 1), Self.key(1, file: 2)])
        #expect(queue.countByFile == [1: 2, 2: 1])
        queue.removeAll(file: 2)
        #expect(queue.count == 2 && queue.countByFile == [1: 2])
    }

    @Test func endingAnOlderAttemptLeavesTheNewerLease() {
        var table = LeaseTable()
        table.grant(Self.id(3, attempt: 3), to: Self.w1, priority: .retry)
        // The late result of attempt 2, from the same worker, ends nothing.
        let ended = table.end(Self.id(3, attempt: 2))
        #expect(ended == nil)
        #expect(table.lease(for: Self.key(3))?.id.attempt == 3)
        // The worker is then killed: attempt 3 is among what it held, so it is requeued.
        let lost = table.endAll(heldBy: Self.w1)
        #expect(lost.map(\.id) == [Self.id(3, attempt: 3)])
        #expect(table.count == 0 && table.heldCount(by: Self.w1) == 0)
    }

    @Test func aSegmentHasOneLeaseAndProgressComesOnlyFromItsHolder() {
        var table = LeaseTable()
        let granted = table.grant(Self.id(0), to: Self.w1, priority: .normal)
        let second = table.grant(Self.id(0, attempt: 2), to: Self.w2, priority: .retry)
        #expect(granted && !second)
        table.recordProgress(Self.id(0), framesDone: 7, from: Self.w2)
        #expect(table.lease(Self.id(0))?.framesDone == -1)
        table.recordProgress(Self.id(0), framesDone: 7, from: Self.w1)
        #expect(table.lease(Self.id(0))?.framesDone == 7)
        let ofFile = table.endAll(file: 1)
        #expect(ofFile.count == 1 && table.count == 0)
    }

    // MARK: Scheduler

    /// Capability routing: a file's segments go only to workers holding every model its job
    /// needs; a file nobody connected can serve waits without holding back the rest, and the
    /// idle-worker hand-over never moves a task to a worker that cannot run it.
    /// A bf16 job needs workers that compute bf16 natively; zones alone need nothing at all.
    @Test func aBF16JobNeedsWorkersThatComputeIt() {
        var job = RedactionJob()
        job.detector.precision = .bf16
        Self.expectOnlyTheSecondServes(JobCapabilities.needed(by: job),
                                       lacking: JobCapabilities.offered(models: ModelRole.pinnedMap([.face]), precisions: ["f32"]),
                                       offering: JobCapabilities.offered(models: ModelRole.pinnedMap([.face]), precisions: ["f32", "bf16"]),
                                       lacks: ["bf16 arithmetic"])
        var zones = RedactionJob()
        zones.targets = []
        zones.detector.precision = .bf16
        #expect(JobCapabilities.needed(by: zones).isEmpty)
    }

    /// An int8 job needs the int8 face model (not the f32 one): only workers that made it at
    /// setup get its segments, and the job's record names that model.
    @Test func anInt8JobNeedsWorkersHoldingTheInt8Model() {
        var job = RedactionJob()
        job.detector.precision = .int8
        #expect(DetectorRegistry.models(for: job) == ModelRole.pinnedMap([.faceInt8]))
        Self.expectOnlyTheSecondServes(JobCapabilities.needed(by: job),
                                       lacking: JobCapabilities.offered(models: ModelRole.pinnedMap([.face]), precisions: ["f32", "int8"]),
                                       offering: JobCapabilities.offered(models: ModelRole.pinnedMap([.face, .faceInt8]), precisions: ["f32", "int8"]),
                                       lacks: ["the face-int8 model \(PinnedModel.centerFaceInt8.sha256.prefix(12))…"])
        job.detector.precision = nil
        #expect(DetectorRegistry.models(for: job) == ModelRole.pinnedMap([.face]))
    }

    /// Of two workers, one `lacking` what `needed` asks (`describe` says what: `lacks`) and one
    /// `offering` it, only the second serves, and a file's two segments both go to it.
    private static func expectOnlyTheSecondServes(_ needed: [String: String], lacking: [String: String], offering: [String: String],
                                                  lacks: [String]) {
        var first = candidate(Self.w1, LeaseTable()), second = candidate(Self.w2, LeaseTable())
        first.offers = lacking
        second.offers = offering
        #expect(!first.serves(needed) && second.serves(needed))
        #expect(JobCapabilities.describe(needed, lackedBy: lacking) == lacks)
        let decision = Scheduler.decide(queue: WorkQueue([key(0), key(1)]), workers: [first, second], needs: [1: needed])
        #expect(decision.assignments.allSatisfy { $0.worker == Self.w2 } && decision.assignments.count == 2)
    }

    @Test func segmentsGoOnlyToWorkersHoldingTheirJobsModels() {
        let table = LeaseTable()
        let faces = ModelRole.pinnedMap([.face]), both = ModelRole.pinnedMap([.face, .text])
        var w1 = Self.candidate(Self.w1, credit: 4, table), w2 = Self.candidate(Self.w2, credit: 4, table)
        w1.offers = faces
        w2.offers = both
        // File 1 hides plates (face + text), file 2 faces only, file 3 a model nobody holds.
        let needs: [Int64: [String: String]] = [1: both, 2: faces, 3: ["face": "0000"]]
        let queue = WorkQueue([Self.key(0, file: 3), Self.key(0, file: 1), Self.key(1, file: 1), Self.key(0, file: 2), Self.key(1, file: 2)])
        let decision = Scheduler.decide(queue: queue, workers: [w1, w2], needs: needs)
        let byKey = Dictionary(uniqueKeysWithValues: decision.assignments.map { ($0.key, $0.worker) })
        #expect(byKey[Self.key(0, file: 1)] == Self.w2 && byKey[Self.key(1, file: 1)] == Self.w2)
        #expect(byKey[Self.key(0, file: 2)] == Self.w1 && byKey[Self.key(1, file: 2)] == Self.w1)
        #expect(byKey[Self.key(0, file: 3)] == nil)
        #expect(decision.unservable == [Self.key(0, file: 3)])

        // w2 is full of plate work; w1 (faces only) idles at the end of the queue and must
        // not be handed a plate task waiting behind w2's running one.
        var busy = LeaseTable()
        busy.grant(Self.id(0, file: 1), to: Self.w2, priority: .normal)
        busy.recordProgress(Self.id(0, file: 1), framesDone: 3, from: Self.w2)
        busy.grant(Self.id(1, file: 1), to: Self.w2, priority: .normal)
        busy.recordProgress(Self.id(1, file: 1), framesDone: -1, from: Self.w2)
        var idle = Self.candidate(Self.w1, credit: 2, busy), full = Self.candidate(Self.w2, credit: 2, busy)
        idle.offers = faces
        full.offers = both
        let tail = Scheduler.decide(queue: WorkQueue([]), workers: [idle, full], needs: needs)
        #expect(tail.assignments.isEmpty && tail.revocations.isEmpty)
        // The same hand-over happens when the idle worker holds the models.
        idle.offers = both
        let helped = Scheduler.decide(queue: WorkQueue([]), workers: [idle, full], needs: needs)
        #expect(helped.assignments.map(\.worker) == [Self.w1] && helped.assignments.map(\.key) == [Self.key(1, file: 1)])
    }

    @Test func firstAttemptsGoToTheLeastLoadedWorkerWithCredit() {
        var table = LeaseTable()
        table.grant(Self.id(9), to: Self.w1, priority: .normal)
        let queue = WorkQueue([Self.key(0), Self.key(1), Self.key(2), Self.key(3)])
        let decision = Scheduler.decide(queue: queue, workers: [Self.candidate(Self.w1, table), Self.candidate(Self.w2, table)])
        #expect(decision.revocations.isEmpty)
        #expect(decision.assignments.map(\.worker) == [Self.w2, Self.w1, Self.w2])  // then nobody has credit
    }

    @Test func nobodyLeavingQuarantinedOrHeldBackGetsWork() {
        let table = LeaseTable()
        let queue = WorkQueue([Self.key(0), Self.key(1)])
        let decision = Scheduler.decide(queue: queue, workers: [Self.candidate(Self.w1, accepting: false, table),
                                                                 Self.candidate(Self.w2, table)], heldBack: [Self.key(0)])
        #expect(decision.assignments == [.init(key: Self.key(1), priority: .normal, worker: Self.w2)])
    }

    @Test func aRetryAvoidsTheWorkerThatFailedItUnlessNoOtherHasRoom() {
        var table = LeaseTable()
        var queue = WorkQueue()
        queue.push(Self.key(0), .retry)
        let both = Scheduler.decide(queue: queue, workers: [Self.candidate(Self.w1, table), Self.candidate(Self.w2, table)],
                                    avoid: [Self.key(0): ["w1"]])
        #expect(both.assignments.map(\.worker) == [Self.w2])
        table.grant(Self.id(5), to: Self.w2, priority: .normal)
        table.grant(Self.id(6), to: Self.w2, priority: .normal)
        table.recordProgress(Self.id(5), framesDone: 3, from: Self.w2)
        table.recordProgress(Self.id(6), framesDone: 1, from: Self.w2)
        let onlyW1 = Scheduler.decide(queue: queue, workers: [Self.candidate(Self.w1, table), Self.candidate(Self.w2, table)],
                                      avoid: [Self.key(0): ["w1"]])
        #expect(onlyW1.assignments.map(\.worker) == [Self.w1])
    }

    /// A lost worker's segment must not wait behind every prefetched task: it takes the place
    /// of a first attempt waiting unstarted behind running work.
    @Test func aRetryTakesThePlaceOfAWaitingFirstAttempt() {
        var table = LeaseTable()
        table.grant(Self.id(1), to: Self.w1, priority: .normal)   // running
        table.grant(Self.id(2), to: Self.w1, priority: .normal)   // waiting in the prefetch slot
        table.recordProgress(Self.id(1), framesDone: 10, from: Self.w1)
        table.recordProgress(Self.id(2), framesDone: -1, from: Self.w1)
        var queue = WorkQueue([Self.key(7)])
        queue.push(Self.key(4), .retry)
        let decision = Scheduler.decide(queue: queue, workers: [Self.candidate(Self.w1, table)])
        #expect(decision.revocations.map(\.lease.id) == [Self.id(2)])
        #expect(decision.revocations.first?.requeue == true)
        #expect(decision.assignments == [.init(key: Self.key(4), priority: .retry, worker: Self.w1)])
        // Started work, and a task never reported on, is never taken back.
        var started = LeaseTable()
        started.grant(Self.id(1), to: Self.w1, priority: .normal)
        started.grant(Self.id(2), to: Self.w1, priority: .normal)
        started.recordProgress(Self.id(1), framesDone: 10, from: Self.w1)
        #expect(Scheduler.decide(queue: queue, workers: [Self.candidate(Self.w1, started)]) == .init())
    }

    /// A segment whose result is being recorded is the commit's alone: handed out again (it
    /// was requeued before its late result came) the new attempt would mark it running over
    /// the commit's done; taken back, requeued over it (both seen in the chaos test).
    @Test func aSegmentWithItsResultInHandIsNeitherHandedOutNorTakenBack() {
        var queue = WorkQueue([Self.key(7)])
        queue.push(Self.key(4), .retry)
        let free = Scheduler.decide(queue: queue, workers: [Self.candidate(Self.w1, LeaseTable())], resultsInHand: [Self.key(4)])
        #expect(free.assignments == [.init(key: Self.key(7), priority: .normal, worker: Self.w1)])
        var table = LeaseTable()
        table.grant(Self.id(1), to: Self.w1, priority: .normal)
        table.grant(Self.id(2), to: Self.w1, priority: .normal)
        table.recordProgress(Self.id(1), framesDone: 10, from: Self.w1)
        table.recordProgress(Self.id(2), framesDone: -1, from: Self.w1)
        let retry = Scheduler.decide(queue: queue, workers: [Self.candidate(Self.w1, table)], resultsInHand: [Self.key(2)])
        #expect(retry.revocations.isEmpty && retry.assignments.isEmpty)
        let idle = Scheduler.decide(queue: WorkQueue(), workers: [Self.candidate(Self.w1, table), Self.candidate(Self.w2, table)],
                                    resultsInHand: [Self.key(2)])
        #expect(idle.revocations.isEmpty && idle.assignments.isEmpty)
    }

    @Test func anIdleWorkerTakesATaskWaitingBehindAnotherAtTheEndOfTheQueue() {
        var table = LeaseTable()
        table.grant(Self.id(1), to: Self.w1, priority: .normal)
        table.grant(Self.id(2), to: Self.w1, priority: .normal)
        table.recordProgress(Self.id(1), framesDone: 10, from: Self.w1)
        table.recordProgress(Self.id(2), framesDone: -1, from: Self.w1)
        let decision = Scheduler.decide(queue: WorkQueue(), workers: [Self.candidate(Self.w1, table), Self.candidate(Self.w2, table)])
        #expect(decision.revocations.map(\.lease.id) == [Self.id(2)])
        #expect(decision.revocations.first?.requeue == false)
        #expect(decision.assignments == [.init(key: Self.key(2), priority: .normal, worker: Self.w2)])
        // A worker's only task, waiting for a free slot, stays where it is.
        var single = LeaseTable()
        single.grant(Self.id(1), to: Self.w1, priority: .normal)
        single.recordProgress(Self.id(1), framesDone: -1, from: Self.w1)
        #expect(Scheduler.decide(queue: WorkQueue(), workers: [Self.candidate(Self.w1, single), Self.candidate(Self.w2, single)]) == .init())
    }

    // MARK: Queue and quarantine

    @Test func retriesGoFirstAndATakenBackTaskIsNextAmongFirstAttempts() {
        var queue = WorkQueue([Self.key(0), Self.key(1)])
        queue.push(Self.key(5), .retry)
        queue.push(Self.key(9), .normal, front: true)
        queue.push(Self.key(1), .retry)  // a first attempt that failed becomes a retry, once
        #expect(queue.ordered.map(\.key) == [Self.key(5), Self.key(1), Self.key(9), Self.key(0)])
        queue.removeAll(file: 1)
        #expect(queue.isEmpty)
    }

    /// The queue keeps removals cheap by leaving stale entries behind: under thousands of
    /// random pushes, removals and rank changes it must hand out exactly what a plain list
    /// model of its rules would, in the same order.
    @Test func theQueueHandsOutWhatAPlainModelWouldUnderRandomChurn() {
        struct Model {
            var retries: [SegmentKey] = []
            var normal: [Int: [SegmentKey]] = [:]
            var rank: [Int64: Int] = [:]
            func contains(_ k: SegmentKey) -> Bool { retries.contains(k) || normal.values.contains { $0.contains(k) } }
            var ordered: [SegmentKey] { retries + normal.keys.sorted(by: >).flatMap { normal[$0]! } }
            mutating func push(_ k: SegmentKey, retry: Bool, front: Bool) {
                if retries.contains(k) { return }
                if contains(k) {
                    guard retry else { return }
                    for r in normal.keys { normal[r]!.removeAll { $0 == k } }
                }
                if retry { retries.append(k) } else if front { normal[rank[k.file] ?? 0, default: []].insert(k, at: 0) } else { normal[rank[k.file] ?? 0, default: []].append(k) }
                normal = normal.filter { !$0.value.isEmpty }
            }
            mutating func remove(_ k: SegmentKey) {
                retries.removeAll { $0 == k }
                for r in normal.keys { normal[r]!.removeAll { $0 == k } }
                normal = normal.filter { !$0.value.isEmpty }
            }
            mutating func setRank(_ r: Int, file: Int64) {
                let old = rank[file] ?? 0
                rank[file] = r
                guard old != r, let line = normal[old] else { return }
                normal[old] = line.filter { $0.file != file }
                normal[r, default: []] += line.filter { $0.file == file }
                normal = normal.filter { !$0.value.isEmpty }
            }
        }
        var generator = SystemRandomNumberGenerator()
        let seed = UInt64.random(in: 0...UInt64(UInt32.max), using: &generator)
        var random = SeededGenerator(seed: seed)
        var queue = WorkQueue()
        var model = Model()
        for step in 0..<6000 {
            let key = Self.key(Int(random.next() % 300), file: Int64(random.next() % 3))
            switch random.next() % 10 {
            case 0...3:
                queue.push(key, .normal)
                model.push(key, retry: false, front: false)
            case 4:
                queue.push(key, .normal, front: true)
                model.push(key, retry: false, front: true)
            case 5:
                queue.push(key, .retry)
                model.push(key, retry: true, front: false)
            case 6:
                let rank = Int(random.next() % 3) - 1
                queue.setRank(rank, file: key.file)
                model.setRank(rank, file: key.file)
            default:
                // Dispatch takes from the front most of the time.
                let taken = random.next() % 2 == 0 ? (model.ordered.first ?? key) : key
                queue.remove(taken)
                model.remove(taken)
            }
            let ordered = Array(queue.ordered.map(\.key))
            guard ordered == model.ordered, queue.count == model.ordered.count, queue.retries == model.retries else {
                Issue.record("seed \(seed), step \(step): the queue hands out \(ordered.prefix(8)), the model \(model.ordered.prefix(8))")
                return
            }
        }
        let counts = Dictionary(grouping: model.ordered, by: \.file).mapValues(\.count)
        #expect(queue.countByFile == counts, "seed \(seed)")
    }

    @Test func aWorkerFailingRepeatedlyIsQuarantinedUntilItLifts() {
        var quarantine = Quarantine(threshold: 3, durationMilliseconds: 1000)
        let starts = ["a", "b", "c"].enumerated().map { quarantine.recordFailure("w", reason: $0.element, now: UInt64($0.offset)) }
        #expect(starts == [false, false, true])
        #expect(quarantine.reason("w", now: 3)?.contains("3 failures in a row (last: c)") == true)
        #expect(!quarantine.isQuarantined("w", now: 1003))
        let again = quarantine.recordFailure("w", reason: "d", now: 1004)
        #expect(again)  // one more, and it is back
        quarantine.recordSuccess("w")
        #expect(!quarantine.isQuarantined("w", now: 1005))
    }

    // MARK: The invariant

    /// The hang of issue 10: the store has attempt 3 running, but no lease holds it.
    @Test func theAuditFindsASegmentNobodyHolds() {
        var table = LeaseTable()
        table.grant(Self.id(3, attempt: 2), to: Self.w1, priority: .retry)
        let open = [LeaseAudit.OpenSegment(key: Self.key(3), state: .running, dispatches: 3),
                    LeaseAudit.OpenSegment(key: Self.key(4), state: .queued, dispatches: 0)]
        let findings = LeaseAudit.check(open: open, leases: table, queue: WorkQueue([Self.key(8)]), connected: [Self.w1])
        #expect(findings.contains(.runningWithoutLease(Self.key(3), attempt: 3)))
        #expect(findings.contains { if case .strayLease(let lease, _) = $0 { lease.id == Self.id(3, attempt: 2) } else { false } })
        #expect(findings.contains(.queuedButNotInQueue(Self.key(4))))
        #expect(findings.contains(.inQueueButNotQueued(Self.key(8))))
        #expect(findings.count == 4)
    }

    /// A result checked and waiting for the next group commit while its worker is lost: the
    /// store still has the segment running and no lease holds it, yet nothing is broken (the
    /// chaos test's false alarm once commits went off the broker's thread).
    @Test func aSegmentWithItsResultInHandNeedsNoLease() {
        let open = [LeaseAudit.OpenSegment(key: Self.key(5), state: .running, dispatches: 2)]
        let waiting = LeaseAudit.check(open: open, leases: LeaseTable(), queue: WorkQueue([]), connected: [Self.w1],
                                       resultsInHand: [Self.key(5)])
        #expect(waiting.isEmpty)
        let nobody = LeaseAudit.check(open: open, leases: LeaseTable(), queue: WorkQueue([]), connected: [Self.w1])
        #expect(nobody == [.runningWithoutLease(Self.key(5), attempt: 2)])
    }

    @Test func theAuditFindsALeaseOfAGoneWorkerAndPassesAConsistentState() {
        var table = LeaseTable()
        table.grant(Self.id(0), to: Self.w1, priority: .normal)
        table.grant(Self.id(1), to: Self.w3, priority: .normal)
        let open = [LeaseAudit.OpenSegment(key: Self.key(0), state: .running, dispatches: 1),
                    LeaseAudit.OpenSegment(key: Self.key(1), state: .running, dispatches: 1),
                    LeaseAudit.OpenSegment(key: Self.key(2), state: .queued, dispatches: 1)]
        let queue = WorkQueue([Self.key(2)])
        #expect(LeaseAudit.check(open: open, leases: table, queue: queue, connected: [Self.w1, Self.w3]).isEmpty)
        let gone = LeaseAudit.check(open: open, leases: table, queue: queue, connected: [Self.w1])
        #expect(gone.count == 1)
        #expect(gone.first.map { if case .strayLease(let lease, _) = $0 { lease.worker == Self.w3 } else { false } } == true)
    }
}

