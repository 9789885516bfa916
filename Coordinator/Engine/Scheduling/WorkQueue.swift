import RedactCore

/// Segments waiting for a worker: retries first (oldest retry first), then first attempts by
/// their job's priority (highest first) and, within one priority, in job, file and segment
/// order. A segment is in the queue at most once.
///
/// Taking a segment out is O(1): dispatch takes one from near the front for every task, and
/// removing it from an array of 100,000 each time was most of a broker turn at fleet scale.
struct WorkQueue: Sendable {
    private var retryLine = QueueLine()
    /// First attempts, by rank (the job's priority).
    private var normal: [Int: QueueLine] = [:]
    private var members: [SegmentKey: Member] = [:]
    private var nextSerial: UInt64 = 0
    /// Queued segments per file, kept as they come and go (the metrics' queue depth).
    private(set) var countByFile: [Int64: Int] = [:]
    /// Each file's rank (its job's priority); 0 when never set.
    private var rankOfFile: [Int64: Int] = [:]

    /// Where a queued segment's one live entry is: its line and the serial that entry carries.
    fileprivate struct Member: Sendable {
        var priority: QueuePriority
        var rank: Int
        var serial: UInt64
    }

    init(_ keys: [SegmentKey] = [], ranks: [Int64: Int] = [:]) {
        rankOfFile = ranks
        for key in keys { push(key, .normal) }
    }

    var isEmpty: Bool { members.isEmpty }
    var count: Int { members.count }
    func contains(_ key: SegmentKey) -> Bool { members[key] != nil }
    func priority(of key: SegmentKey) -> QueuePriority? { members[key]?.priority }

    /// The retries, oldest first.
    var retries: [SegmentKey] { retryLine.live(members).map(\.key) }

    /// In the order they are handed out, lazily: the scheduler usually stops after the few
    /// it can place, and copying a queue of 100,000 each broker turn was most of its cost.
    var ordered: AnySequence<(key: SegmentKey, priority: QueuePriority)> {
        let members = members
        let first = AnySequence(retryLine.live(members).map { (key: $0.key, priority: QueuePriority.retry) })
        let rest = normal.keys.sorted(by: >).map { rank in
            AnySequence(normal[rank]!.live(members).map { (key: $0.key, priority: QueuePriority.normal) })
        }
        return AnySequence(([first] + rest).joined())
    }

    /// Gives a file's queued and future first attempts its job's priority: they move ahead of
    /// (or behind) other jobs' first attempts, keeping their own order.
    mutating func setRank(_ rank: Int, file: Int64) {
        let old = rankOfFile[file] ?? 0
        rankOfFile[file] = rank
        guard old != rank, let line = normal[old] else { return }
        let moving = line.live(members).map(\.key).filter { $0.file == file }
        for key in moving {
            removeEntry(key)
            add(key, .normal, rank: rank, front: false)
        }
    }

    /// Appends (a retry behind older retries, a first attempt behind the others). A first
    /// attempt taken back from a prefetch slot goes to the front of first attempts instead
    /// (`front`): it was next in line once already.
    mutating func push(_ key: SegmentKey, _ priority: QueuePriority, front: Bool = false) {
        if let existing = members[key] {
            guard existing.priority == .normal, priority == .retry else { return }
            removeEntry(key)
        } else {
            countByFile[key.file, default: 0] += 1
        }
        add(key, priority, rank: rankOfFile[key.file] ?? 0, front: front)
    }

    mutating func remove(_ key: SegmentKey) {
        guard members[key] != nil else { return }
        removeEntry(key)
        countByFile[key.file]! -= 1
        if countByFile[key.file] == 0 { countByFile[key.file] = nil }
    }

    mutating func removeAll(file: Int64) {
        for key in members.keys where key.file == file { remove(key) }
        rankOfFile[file] = nil
    }

    private mutating func add(_ key: SegmentKey, _ priority: QueuePriority, rank: Int, front: Bool) {
        nextSerial += 1
        members[key] = Member(priority: priority, rank: rank, serial: nextSerial)
        let entry = QueueLine.Entry(key: key, serial: nextSerial)
        switch priority {
        case .retry: retryLine.append(entry, atFront: false)
        case .normal: normal[rank, default: QueueLine()].append(entry, atFront: front)
        }
    }

    /// Forgets a member; its entry in its line goes stale, swept out later.
    private mutating func removeEntry(_ key: SegmentKey) {
        guard let member = members.removeValue(forKey: key) else { return }
        switch member.priority {
        case .retry: retryLine.entryWentStale(members)
        case .normal:
            normal[member.rank]?.entryWentStale(members)
            if normal[member.rank]?.liveCount == 0 { normal[member.rank] = nil }
        }
    }
}

/// One line of the queue, in order. An entry is live while its key's member carries its
/// serial; removing a key only makes its entry stale. Stale entries at the front are dropped
/// at once, and the rest once they outnumber the live ones, so each entry is swept once.
private struct QueueLine: Sendable {
    struct Entry: Sendable {
        var key: SegmentKey
        var serial: UInt64
    }

    private var entries: [Entry] = []
    private var head = 0
    private(set) var liveCount = 0
    private var staleCount = 0

    func live(_ members: [SegmentKey: WorkQueue.Member]) -> LazyFilterSequence<ArraySlice<Entry>> {
        entries[head...].lazy.filter { members[$0.key]?.serial == $0.serial }
    }

    mutating func append(_ entry: Entry, atFront: Bool) {
        liveCount += 1
        guard atFront else { return entries.append(entry) }
        if head > 0 {
            head -= 1
            entries[head] = entry
        } else {
            entries.insert(entry, at: 0)
        }
    }

    /// One of the line's entries is no longer its key's (`members` no longer points at it).
    mutating func entryWentStale(_ members: [SegmentKey: WorkQueue.Member]) {
        liveCount -= 1
        staleCount += 1
        while head < entries.count, members[entries[head].key]?.serial != entries[head].serial {
            head += 1
            staleCount -= 1
        }
        if staleCount > max(64, liveCount) || head > max(64, entries.count / 2) {
            entries = entries[head...].filter { members[$0.key]?.serial == $0.serial }
            head = 0
            staleCount = 0
        }
    }
}

/// The priorities a job may have: higher goes first, 0 is the default, negative is for work
/// that may wait.
public enum JobPriority {
    public static let range = -100...100

    /// A remote client's priority is checked here, as the CLI checks its own.
    static func check(_ priority: Int) throws(MediaError) {
        guard range.contains(priority) else {
            throw MediaError(path: "priority", reason: "\(priority) is outside \(range.lowerBound)…\(range.upperBound)")
        }
    }
}
