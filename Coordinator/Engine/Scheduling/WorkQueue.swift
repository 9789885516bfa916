import RedactCore

/// Segments waiting for a worker: retries first (oldest retry first), then first attempts in
/// job, file and segment order. A segment is in the queue at most once.
struct WorkQueue: Sendable {
    private(set) var retries: [SegmentKey] = []
    private(set) var normal: [SegmentKey] = []
    private var members: [SegmentKey: QueuePriority] = [:]
    /// Queued segments per file, kept as they come and go (the metrics' queue depth).
    private(set) var countByFile: [Int64: Int] = [:]

    init(_ keys: [SegmentKey] = []) {
        for key in keys { push(key, .normal) }
    }

    var isEmpty: Bool { members.isEmpty }
    var count: Int { members.count }
    func contains(_ key: SegmentKey) -> Bool { members[key] != nil }
    func priority(of key: SegmentKey) -> QueuePriority? { members[key] }

    /// In the order they are handed out.
    var ordered: [(key: SegmentKey, priority: QueuePriority)] {
        retries.map { ($0, .retry) } + normal.map { ($0, .normal) }
    }

    /// Appends (a retry behind older retries, a first attempt behind the others). A first
    /// attempt taken back from a prefetch slot goes to the front of first attempts instead
    /// (`front`): it was next in line once already.
    mutating func push(_ key: SegmentKey, _ priority: QueuePriority, front: Bool = false) {
        if let existing = members[key] {
            guard existing == .normal, priority == .retry else { return }
            normal.removeAll { $0 == key }
        } else {
            countByFile[key.file, default: 0] += 1
        }
        members[key] = priority
        switch (priority, front) {
        case (.retry, _): retries.append(key)
        case (.normal, false): normal.append(key)
        case (.normal, true): normal.insert(key, at: 0)
        }
    }

    mutating func remove(_ key: SegmentKey) {
        guard let priority = members.removeValue(forKey: key) else { return }
        countByFile[key.file]! -= 1
        if countByFile[key.file] == 0 { countByFile[key.file] = nil }
        switch priority {
        case .retry: retries.removeAll { $0 == key }
        case .normal: normal.removeAll { $0 == key }
        }
    }

    mutating func removeAll(file: Int64) {
        for key in members.keys where key.file == file { remove(key) }
    }
}
