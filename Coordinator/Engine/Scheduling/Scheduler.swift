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
    static func decide(queue: WorkQueue, workers: [Candidate], avoid: [SegmentKey: Set<String>] = [:],
                       heldBack: Set<SegmentKey> = [], needs: [Int64: [String: String]] = [:]) -> Decision {
        var decision = Decision()
        var load = Dictionary(uniqueKeysWithValues: workers.map { ($0.route, $0.leases.count + $0.strays) })
        // First attempts waiting unstarted in a prefetch slot, latest in queue order last, so the
        // one taken back is the one that would have started last.
        var waiting = Dictionary(uniqueKeysWithValues: workers.map { w in
            (w.route, w.leases.filter(\.isWaiting).sorted { ($0.id.file, $0.id.segment) < ($1.id.file, $1.id.segment) })
        })
        let order = workers.sorted { $0.name != $1.name ? $0.name < $1.name : $0.route.lexicographicallyPrecedes($1.route) }

        func rank(_ w: Candidate, for key: SegmentKey) -> (Int, Int, String) {
            ((avoid[key]?.contains(w.name) ?? false) ? 1 : 0, load[w.route] ?? 0, w.name)
        }

        func serves(_ w: Candidate, _ key: SegmentKey) -> Bool { needs[key.file].map(w.serves) ?? true }

        var leftOver = false
        for (key, priority) in queue.ordered where !heldBack.contains(key) {
            let free = order.filter { $0.accepting && (load[$0.route] ?? 0) < $0.credit }
            if let best = free.filter({ serves($0, key) }).min(by: { rank($0, for: key) < rank($1, for: key) }) {
                decision.assignments.append(Assignment(key: key, priority: priority, worker: best.route))
                load[best.route, default: 0] += 1
                continue
            }
            // Waiting for a worker that nobody connected can be: it does not hold back the
            // rest (the idle workers' help at the end of the queue included).
            if !workers.contains(where: { serves($0, key) }) {
                decision.unservable.insert(key)
                continue
            }
            leftOver = true
            // Free workers that cannot serve this segment may serve a later one (another job's).
            if !free.isEmpty, priority != .retry { continue }
            // No credit anywhere: a retry takes the place of a first attempt that waits behind
            // running work, so a lost worker's segments run again at once rather than after
            // every prefetched task ahead of them.
            guard priority == .retry else { break }
            let donors = order.filter { w in
                w.accepting && serves(w, key) && (waiting[w.route]?.contains { $0.priority == .normal } ?? false)
                    && (load[w.route] ?? 0) > (waiting[w.route]?.count ?? 0)
            }
            guard let donor = donors.min(by: { rank($0, for: key) < rank($1, for: key) }),
                  let index = waiting[donor.route]?.lastIndex(where: { $0.priority == .normal }),
                  let taken = waiting[donor.route]?.remove(at: index)
            else { continue }
            decision.revocations.append(Revocation(lease: taken, requeue: true, why: "a retry of \(key) goes first"))
            decision.assignments.append(Assignment(key: key, priority: priority, worker: donor.route))
        }
        guard !leftOver else { return decision }
        // The queue is empty: a worker with nothing to do takes a task waiting in another's
        // prefetch slot behind running work, or the last segments run one after another on one
        // worker while this one idles.
        for idle in order where idle.accepting && idle.credit > 0 && (load[idle.route] ?? 0) == 0 {
            let donors = order.filter { w in
                w.route != idle.route && !(waiting[w.route]?.isEmpty ?? true) && (load[w.route] ?? 0) >= 2
            }
            guard let donor = donors.max(by: { (load[$0.route] ?? 0, $1.name) < (load[$1.route] ?? 0, $0.name) }),
                  let index = waiting[donor.route]?.lastIndex(where: { serves(idle, $0.key) }),
                  let taken = waiting[donor.route]?.remove(at: index)
            else { continue }
            decision.revocations.append(Revocation(lease: taken, requeue: false, why: "moved to idle \(idle.name)"))
            decision.assignments.append(Assignment(key: taken.key, priority: taken.priority, worker: idle.route))
            load[donor.route, default: 0] -= 1
            load[idle.route, default: 0] += 1
        }
        return decision
    }
}
