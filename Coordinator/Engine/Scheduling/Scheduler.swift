import RedactCore

/// Who gets which queued segment: a pure function of the queue, the leases and the workers'
/// credit, so every sequence of events can be tested without a socket. The broker applies
/// its decision (revocations first, then assignments) and records each in the store.
enum Scheduler {
    struct Candidate: Sendable {
        let route: WorkerRoute
        let name: String
        let credit: Int
        /// Takes new work (not leaving, not quarantined).
        let accepting: Bool
        let leases: [Lease]
        /// Tasks it reports holding that are not its leases (older attempts still running
        /// after a restart, or cancelled ones it has not dropped yet): they take credit too.
        var strays = 0
        /// What it offers (`JobCapabilities.offered`: its models and arithmetic).
        var offers: [String: String] = [:]

        /// Whether it offers everything in `needed`.
        func serves(_ needed: [String: String]) -> Bool { needed.allSatisfy { offers[$0.key] == $0.value } }
    }

    struct Assignment: Sendable, Equatable {
        let key: SegmentKey
        let priority: QueuePriority
        let worker: WorkerRoute
    }

    struct Revocation: Sendable, Equatable {
        let lease: Lease
        /// Whether the segment goes back to the queue (false: it is reassigned in this decision).
        let requeue: Bool
        let why: String
    }

    struct Decision: Sendable, Equatable {
        var revocations: [Revocation] = []
        var assignments: [Assignment] = []
        /// Queued segments no connected worker can serve (it lacks a model their job needs):
        /// they wait, and the status says why.
        var unservable: Set<SegmentKey> = []
    }

    /// - `avoid`: per segment, the workers that failed or lost it (a retry goes elsewhere
    ///   when another worker has room).
    /// - `heldBack`: queued segments not to hand out yet (awaiting their holder after a restart).
    /// - `needs`: per file, what its job needs of a worker (`JobCapabilities`; absent: nothing);
    ///   a segment goes only to a worker that offers it all, as Majordomo routes by service.
    /// - `resultsInHand`: segments whose result is checked and being recorded: neither handed
    ///   out (one requeued before its late result came may still be in the queue) nor taken
    ///   back from a worker; their commit alone decides what the store says of them.
    static func decide(queue: WorkQueue, workers: [Candidate], avoid: [SegmentKey: Set<String>] = [:],
                       heldBack: Set<SegmentKey> = [], needs: [Int64: [String: String]] = [:],
                       resultsInHand: Set<SegmentKey> = []) -> Decision {
        // Workers by position: this runs every broker turn for every segment it places, over
        // hundreds of workers, so nothing here hashes a routing id.
        var decision = Decision()
        var load = workers.map { $0.leases.count + $0.strays }
        // First attempts waiting unstarted in a prefetch slot, latest in queue order last, so the
        // one taken back is the one that would have started last. Worked out only when asked.
        var waitingByWorker: [Int: [Lease]] = [:]
        func waiting(_ w: Int) -> [Lease] {
            if let known = waitingByWorker[w] { return known }
            let found = workers[w].leases.filter { $0.isWaiting && !resultsInHand.contains($0.key) }.sorted { ($0.id.file, $0.id.segment) < ($1.id.file, $1.id.segment) }
            waitingByWorker[w] = found
            return found
        }
        let order = workers.indices.sorted { a, b in
            workers[a].name != workers[b].name ? workers[a].name < workers[b].name : workers[a].route.lexicographicallyPrecedes(workers[b].route)
        }
        // Per file, which workers serve its job.
        var servesByFile: [Int64: [Bool]] = [:]
        func serves(_ w: Int, _ key: SegmentKey) -> Bool {
            guard let needed = needs[key.file] else { return true }
            if let known = servesByFile[key.file] { return known[w] }
            let known = workers.map { $0.serves(needed) }
            servesByFile[key.file] = known
            return known[w]
        }
        func hasRoom(_ w: Int) -> Bool { workers[w].accepting && load[w] < workers[w].credit }
        /// The worker to prefer among `candidates` (in name order): one that has not failed
        /// the segment, then the least loaded, then by name; the first of equals.
        func best(among candidates: some Sequence<Int>, for key: SegmentKey) -> Int? {
            let avoided = avoid[key]
            func rank(_ w: Int) -> (Int, Int) { ((avoided?.contains(workers[w].name) ?? false) ? 1 : 0, load[w]) }
            var chosen: Int?
            for w in candidates {
                guard let c = chosen else { chosen = w; continue }
                let (a, b) = (rank(w), rank(c))
                if a < b || (a == b && workers[w].name < workers[c].name) { chosen = w }
            }
            return chosen
        }

        // The workers with room, in name order: in a busy farm, the few whose results just
        // came in, so placing a segment looks at those rather than at every worker.
        var free = order.filter(hasRoom)
        var leftOver = false
        for (key, priority) in queue.ordered where !heldBack.contains(key) && !resultsInHand.contains(key) {
            let anyFree = !free.isEmpty
            if let chosen = best(among: free.lazy.filter { serves($0, key) }, for: key) {
                decision.assignments.append(Assignment(key: key, priority: priority, worker: workers[chosen].route))
                load[chosen] += 1
                if !hasRoom(chosen) { free.removeAll { $0 == chosen } }
                continue
            }
            // Waiting for a worker that nobody connected can be: it does not hold back the
            // rest (the idle workers' help at the end of the queue included).
            if !workers.indices.contains(where: { serves($0, key) }) {
                decision.unservable.insert(key)
                continue
            }
            leftOver = true
            // Free workers that cannot serve this segment may serve a later one (another job's).
            if anyFree, priority != .retry { continue }
            // No credit anywhere: a retry takes the place of a first attempt that waits behind
            // running work, so a lost worker's segments run again at once rather than after
            // every prefetched task ahead of them.
            guard priority == .retry else { break }
            let donors = order.filter { w in
                workers[w].accepting && serves(w, key) && waiting(w).contains { $0.priority == .normal } && load[w] > waiting(w).count
            }
            guard let donor = best(among: donors, for: key), let index = waiting(donor).lastIndex(where: { $0.priority == .normal })
            else { continue }
            let taken = waitingByWorker[donor]!.remove(at: index)
            decision.revocations.append(Revocation(lease: taken, requeue: true, why: "a retry of \(key) goes first"))
            decision.assignments.append(Assignment(key: key, priority: priority, worker: workers[donor].route))
        }
        guard !leftOver else { return decision }
        // The queue is empty: a worker with nothing to do takes a task waiting in another's
        // prefetch slot behind running work, or the last segments run one after another on one
        // worker while this one idles.
        // Those that could give one, found once: an idle farm of a thousand workers would
        // otherwise look at every worker for every idle one, every turn.
        var givers = order.filter { w in load[w] >= 2 && !waiting(w).isEmpty }
        for idle in order where workers[idle].accepting && workers[idle].credit > 0 && load[idle] == 0 {
            givers.removeAll { w in load[w] < 2 || waiting(w).isEmpty }
            guard !givers.isEmpty else { break }
            let donors = givers.filter { $0 != idle }
            guard let donor = donors.max(by: { (load[$0], workers[$1].name) < (load[$1], workers[$0].name) }),
                  let index = waiting(donor).lastIndex(where: { serves(idle, $0.key) })
            else { continue }
            let taken = waitingByWorker[donor]!.remove(at: index)
            decision.revocations.append(Revocation(lease: taken, requeue: false, why: "moved to idle \(workers[idle].name)"))
            decision.assignments.append(Assignment(key: taken.key, priority: taken.priority, worker: workers[idle].route))
            load[donor] -= 1
            load[idle] += 1
        }
        return decision
    }
}
