import RedactCore

/// Segments waiting for a worker: retries first (oldest retry first), then first attempts by
/// their job's priority (highest first) and, within one priority, in job, file and segment
/// order. A segment is in the queue at most once.
struct WorkQueue: Sendable {
    private(set) var retries: [SegmentKey] = []
    /// First attempts, by rank (the job's priority).
    private var normal: [Int: [SegmentKey]] = [:]
    private var members: [SegmentKey: QueuePriority] = [:]
    /// Queued segments per file, kept as they come and go (the metrics' queue depth).
    private(set) var countByFile: [Int64: Int] = [:]
    /// Each file's rank (its job's priority); 0 when never set.
    private var rankOfFile: [Int64: Int] = [:]

    init(_ keys: [SegmentKey] = [], ranks: [Int64: Int] = [:]) {
        rankOfFile = ranks
        for key in keys { push(key, .normal) }
    }

    var isEmpty: Bool { members.isEmpty }
    var count: Int { members.count }
    func contains(_ key: SegmentKey) -> Bool { members[key] != nil }
    func priority(of key: SegmentKey) -> QueuePriority? { members[key] }

    /// In the order they are handed out, lazily: the scheduler usually stops after the few
    /// it can place, and copying a queue of 100,000 each broker turn was most of its cost.
    var ordered: AnySequence<(key: SegmentKey, priority: QueuePriority)> {
        let first = AnySequence(retries.lazy.map { (key: $0, priority: QueuePriority.retry) })
        let rest = normal.keys.sorted(by: >).map { rank in AnySequence(normal[rank]!.lazy.map { (key: $0, priority: QueuePriority.normal) }) }
        return AnySequence(([first] + rest).joined())
    }

    /// Gives a file's queued and future first attempts its job's priority: they move ahead of
    /// (or behind) other jobs' first attempts, keeping their own order.
    mutating func setRank(_ rank: Int, file: Int64) {
        let old = rankOfFile[file] ?? 0
        rankOfFile[file] = rank
        guard old != rank, let bucket = normal[old] else { return }
        let moving = bucket.filter { $0.file == file }
        guard !moving.isEmpty else { return }
        normal[old] = bucket.filter { $0.file != file }
        if normal[old]?.isEmpty == true { normal[old] = nil }
        normal[rank, default: []] += moving
    }

    /// Appends (a retry behind older retries, a first attempt behind the others). A first
    /// attempt taken back from a prefetch slot goes to the front of first attempts instead
    /// (`front`): it was next in line once already.
    mutating func push(_ key: SegmentKey, _ priority: QueuePriority, front: Bool = false) {
        let rank = rankOfFile[key.file] ?? 0
        if let existing = members[key] {
            guard existing == .normal, priority == .retry else { return }
            removeNormal(key)
        } else {
            countByFile[key.file, default: 0] += 1
        }
        members[key] = priority
        switch (priority, front) {
        case (.retry, _): retries.append(key)
        case (.normal, false): normal[rank, default: []].append(key)
        case (.normal, true): normal[rank, default: []].insert(key, at: 0)
        }
    }

    mutating func remove(_ key: SegmentKey) {
        guard let priority = members.removeValue(forKey: key) else { return }
        countByFile[key.file]! -= 1
        if countByFile[key.file] == 0 { countByFile[key.file] = nil }
        switch priority {
        case .retry: retries.removeAll { $0 == key }
        case .normal: removeNormal(key)
        }
    }

    private mutating func removeNormal(_ key: SegmentKey) {
        let rank = rankOfFile[key.file] ?? 0
        normal[rank]?.removeAll { $0 == key }
        if normal[rank]?.isEmpty == true { normal[rank] = nil }
    }

    mutating func removeAll(file: Int64) {
        for key in members.keys where key.file == file { remove(key) }
        rankOfFile[file] = nil
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
