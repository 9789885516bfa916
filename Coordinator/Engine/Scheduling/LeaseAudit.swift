import RedactCore

/// The broker's invariant, checked against the store: every unfinished segment of a live
/// file is either queued (and in the queue) or running under exactly one lease for its latest
/// attempt, held by a connected worker, or running with its result in hand (checked, waiting
/// for a group commit: it needs no holder, and it must not be requeued). A pure function of
/// what it is given, so a test can feed it any state; the coordinator runs it every few
/// seconds, logs what it finds and repairs it, so a file can never sit with a segment nobody
/// holds or will hand out.
enum LeaseAudit {
    struct OpenSegment: Sendable, Equatable {
        let key: SegmentKey
        let state: SegmentState
        /// The latest attempt's number (0: never dispatched).
        let dispatches: Int
    }

    enum Finding: Sendable, Equatable, CustomStringConvertible {
        /// The store says running, but no lease holds that attempt: requeue it.
        case runningWithoutLease(SegmentKey, attempt: Int)
        /// A lease whose holder is not connected, for another attempt than the store's latest,
        /// or for a segment the store does not count as running: end it (and requeue).
        case strayLease(Lease, why: String)
        /// Queued in the store but not in the queue: nobody would ever hand it out.
        case queuedButNotInQueue(SegmentKey)
        /// In the queue, but the store has it otherwise (done, running, or of an ended file).
        case inQueueButNotQueued(SegmentKey)

        var description: String {
            switch self {
            case .runningWithoutLease(let key, let attempt): "\(key) attempt \(attempt) is running with no lease"
            case .strayLease(let lease, let why): "lease \(lease.id) \(why)"
            case .queuedButNotInQueue(let key): "\(key) is queued but not in the queue"
            case .inQueueButNotQueued(let key): "\(key) is in the queue but not queued"
            }
        }
    }

    /// - `open`: the store's queued and running segments of files not ended.
    /// - `heldBack`: segments that were running when the coordinator restarted, waiting a
    ///   moment for their holder to re-announce (they are queued, not yet in the queue).
    /// - `resultsInHand`: segments whose result is checked and waiting to be recorded; their
    ///   worker may already be gone (its lease ended with it).
    static func check(open: [OpenSegment], leases: LeaseTable, queue: WorkQueue, connected: Set<WorkerRoute>,
                      heldBack: Set<SegmentKey> = [], resultsInHand: Set<SegmentKey> = []) -> [Finding] {
        var findings: [Finding] = []
        let byKey = Dictionary(open.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for segment in open {
            switch segment.state {
            case .running:
                guard !resultsInHand.contains(segment.key) else { continue }
                let lease = leases.lease(for: segment.key)
                if lease == nil || lease.map({ Int($0.id.attempt) != segment.dispatches }) == true {
                    findings.append(.runningWithoutLease(segment.key, attempt: segment.dispatches))
                }
            case .queued:
                if !queue.contains(segment.key) && !heldBack.contains(segment.key) { findings.append(.queuedButNotInQueue(segment.key)) }
            case .done, .failed:
                break
            }
        }
        for lease in leases.all.sorted(by: { ($0.id.file, $0.id.segment) < ($1.id.file, $1.id.segment) }) {
            if !connected.contains(lease.worker) {
                findings.append(.strayLease(lease, why: "is held by a worker no longer connected"))
            } else if let segment = byKey[lease.key] {
                if segment.state != .running {
                    findings.append(.strayLease(lease, why: "is for a segment the store has \(segment.state.rawValue)"))
                } else if Int(lease.id.attempt) != segment.dispatches {
                    findings.append(.strayLease(lease, why: "is for an older attempt than the store's \(segment.dispatches)"))
                }
            } else {
                findings.append(.strayLease(lease, why: "is for a segment that is done or whose file has ended"))
            }
        }
        for (key, _) in queue.ordered where byKey[key]?.state != .queued {
            findings.append(.inQueueButNotQueued(key))
        }
        return findings
    }
}
