import Foundation
import RedactCore

/// One background thread running work items in order: splitting and stitching are long and
/// blocking, so they run here while the broker keeps answering heartbeats. Completions are
/// posted back through an `Inbox` the broker drains on its own thread.
final class BackgroundLane: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [@Sendable () -> Void] = []
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    init(name: String) {
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.start()
    }

    func submit(_ item: @escaping @Sendable () -> Void) {
        condition.withLock {
            items.append(item)
            condition.signal()
        }
    }

    /// Lets the running item finish, drops the rest (they are redone from the store on the
    /// next start) and waits for the thread.
    func stop() {
        condition.withLock {
            stopping = true
            items.removeAll()
            condition.broadcast()
        }
        finished.wait()
    }

    private func loop() {
        defer { finished.signal() }
        while true {
            let next: (@Sendable () -> Void)? = condition.withLock {
                while items.isEmpty && !stopping { condition.wait() }
                return stopping ? nil : items.removeFirst()
            }
            guard let next else { return }
            next()
        }
    }
}

/// Messages from background threads to the broker's thread. Each post also ends the broker's
/// wait for its sockets: news left to the poll's 100 ms timeout held back the first segment of
/// a split and the end of every file (a tenth of a second idle at the end of each run).
final class Inbox<Event: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [Event] = []
    private let wake: WakeSignal

    init(waking wake: WakeSignal) {
        self.wake = wake
    }

    func post(_ event: Event) {
        lock.withLock { events.append(event) }
        wake.signal()
    }

    func drain() -> [Event] {
        lock.withLock {
            defer { events.removeAll() }
            return events
        }
    }
}
