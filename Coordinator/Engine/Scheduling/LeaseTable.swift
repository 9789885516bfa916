import RedactCore

/// A worker connection as the broker names it: the ZeroMQ routing id.
typealias WorkerRoute = [UInt8]

/// How a queued segment came to be there: a retry (its last attempt failed or its worker was
/// lost) goes ahead of first attempts, and may take the place of a first attempt that waits
/// unstarted in a worker's prefetch slot.
enum QueuePriority: Sendable, Equatable {
    case retry, normal
}

/// One attempt at a segment, held by one worker until its result, failure, hand-back or the
/// worker's loss ends it.
struct Lease: Sendable, Equatable {
    let id: TaskID
    let worker: WorkerRoute
    let priority: QueuePriority
    /// When it was granted (monotonic ms), so a holder's report can be told from a task still
    /// on its way to it.
    var grantedAt: UInt64 = 0
    /// Frames done as the holder last reported; -1 while it waits in a prefetch slot.
    var framesDone = -1
    /// Whether the holder has reported on it since the grant: only then does "not started"
    /// mean it waits, and may be taken back without losing work.
    var isReported = false

    var key: SegmentKey { SegmentKey(file: id.file, index: Int(id.segment)) }
    var isStarted: Bool { framesDone >= 0 }
    /// Waiting in a prefetch slot, as of the holder's last report.
    var isWaiting: Bool { isReported && !isStarted }
}

/// Who holds what: the broker's one truth. Dispatch grants, and results, failures, hand-backs,
/// cancels and the loss of a worker end leases only here; what a worker holds, its free credit
/// and the work in flight are read from this table, never kept beside it. At most one lease
/// per segment: a late result of an older attempt is judged by the store, not by a lease.
struct LeaseTable: Sendable {
    private var byKey: [SegmentKey: Lease] = [:]
    /// Derived index (same leases, by holder), updated only by the mutations below.
    private var byWorker: [WorkerRoute: Set<SegmentKey>] = [:]

    var count: Int { byKey.count }
    /// Frames the holders report done in attempts still running (for progress and speed).
    var framesInFlight: Int { byKey.values.reduce(0) { $0 + max(0, $1.framesDone) } }
    var all: Dictionary<SegmentKey, Lease>.Values { byKey.values }

    func lease(for key: SegmentKey) -> Lease? { byKey[key] }

    func lease(_ id: TaskID) -> Lease? {
        let key = SegmentKey(file: id.file, index: Int(id.segment))
        return byKey[key].flatMap { $0.id == id ? $0 : nil }
    }

    func held(by worker: WorkerRoute) -> [Lease] {
        (byWorker[worker] ?? []).compactMap { byKey[$0] }.sorted { ($0.id.file, $0.id.segment) < ($1.id.file, $1.id.segment) }
    }

    func heldCount(by worker: WorkerRoute) -> Int { byWorker[worker]?.count ?? 0 }

    /// Grants a lease; a segment already leased keeps its holder (and this returns false).
    @discardableResult
    mutating func grant(_ id: TaskID, to worker: WorkerRoute, priority: QueuePriority, at now: UInt64 = 0) -> Bool {
        let lease = Lease(id: id, worker: worker, priority: priority, grantedAt: now)
        guard byKey[lease.key] == nil else { return false }
        byKey[lease.key] = lease
        byWorker[worker, default: []].insert(lease.key)
        return true
    }

    /// Ends the lease of exactly this attempt (an older or newer attempt's lease stays).
    @discardableResult
    mutating func end(_ id: TaskID) -> Lease? {
        guard let lease = lease(id) else { return nil }
        return remove(lease.key)
    }

    /// Ends whatever lease the segment has, whichever attempt it is for.
    @discardableResult
    mutating func end(segment key: SegmentKey) -> Lease? { remove(key) }

    /// Ends every lease a worker holds (it is gone): the one place a lost worker's work leaves.
    mutating func endAll(heldBy worker: WorkerRoute) -> [Lease] {
        let leases = held(by: worker)
        for lease in leases { remove(lease.key) }
        byWorker[worker] = nil
        return leases
    }

    /// Ends every lease of a file's segments (the file ended).
    mutating func endAll(file: Int64) -> [Lease] {
        let leases = byKey.values.filter { $0.id.file == file }
        for lease in leases { remove(lease.key) }
        return leases
    }

    /// Records the holder's report of an attempt's progress; other holders' reports are ignored.
    mutating func recordProgress(_ id: TaskID, framesDone: Int, from worker: WorkerRoute) {
        let key = SegmentKey(file: id.file, index: Int(id.segment))
        guard var lease = byKey[key], lease.id == id, lease.worker == worker else { return }
        lease.framesDone = framesDone
        lease.isReported = true
        byKey[key] = lease
    }

    @discardableResult
    private mutating func remove(_ key: SegmentKey) -> Lease? {
        guard let lease = byKey.removeValue(forKey: key) else { return nil }
        byWorker[lease.worker]?.remove(key)
        if byWorker[lease.worker]?.isEmpty == true { byWorker[lease.worker] = nil }
        return lease
    }
}
