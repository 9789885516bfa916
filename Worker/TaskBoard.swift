import Foundation
import RedactCore

/// What a worker holds, shared between its network thread and its processing threads:
/// tasks waiting (prefetched), tasks running with their progress, and finished messages
/// waiting to be sent. Cancelled tasks are dropped wherever they are.
final class TaskBoard: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [(TaskAssignment, [UInt8])] = []
    /// Each running task's progress, in frame steps (two a frame).
    private var running: [TaskID: Int] = [:]
    private var cancelled: Set<TaskID> = []
    private var outbox: [WireMessage] = []
    private var closed = false
    /// Ends the network thread's wait for the coordinator as soon as a message is ready to go.
    private let wake: WakeSignal

    init(waking wake: WakeSignal) {
        self.wake = wake
    }

    func add(_ task: TaskAssignment, segment: [UInt8]) {
        condition.withLock {
            pending.append((task, segment))
            condition.signal()
        }
    }

    /// The next task for a processing thread, or nil once the board is closed.
    func take() -> (TaskAssignment, [UInt8])? {
        condition.withLock {
            while pending.isEmpty && !closed { condition.wait() }
            guard !closed else { return nil }
            let next = pending.removeFirst()
            running[next.0.id] = 0
            return next
        }
    }

    /// Half a frame of a running task's work (`SegmentProcessor.process` counts two a frame).
    func frameStepDone(_ id: TaskID) { condition.withLock { running[id, default: 0] += 1 } }

    /// Whether a running task has been cancelled (or the board closed): its processing
    /// thread stops at the next frame.
    func isAbandoned(_ id: TaskID) -> Bool { condition.withLock { closed || cancelled.contains(id) } }

    func complete(_ id: TaskID, with message: WireMessage) {
        condition.withLock {
            running[id] = nil
            if cancelled.remove(id) == nil { outbox.append(message) }
        }
        wake.signal()
    }

    func cancel(_ id: TaskID) {
        condition.withLock {
            pending.removeAll { $0.0.id == id }
            if running[id] != nil { cancelled.insert(id) }
        }
    }

    func takeOutbox() -> [WireMessage] {
        condition.withLock {
            defer { outbox.removeAll() }
            return outbox
        }
    }

    var held: [TaskProgress] {
        condition.withLock {
            running.map { TaskProgress(id: $0.key, framesDone: $0.value / 2) } + pending.map { TaskProgress(id: $0.0.id, framesDone: -1) }
        }
    }

    var heldIDs: [TaskID] { held.map(\.id) }
    var runningCount: Int { condition.withLock { running.count } }

    /// Removes the tasks not yet started and returns their ids (to hand back).
    func dropPending() -> [TaskID] {
        condition.withLock {
            defer { pending.removeAll() }
            return pending.map(\.0.id)
        }
    }

    /// Wakes the processing threads so they exit; running tasks are abandoned at their next
    /// frame.
    func close() {
        condition.withLock {
            closed = true
            cancelled.formUnion(running.keys)
            pending.removeAll()
            condition.broadcast()
        }
    }
}
