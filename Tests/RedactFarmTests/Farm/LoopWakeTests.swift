import Foundation
@testable import RedactCoordinator
import RedactCore
import Testing

/// The broker's loop waits on its sockets for up to 100 ms a turn; news from its own
/// background lanes and a stop request must end that wait at once, not at the timeout.
@Suite struct LoopWakeTests {
    @Test func anInboxPostEndsTheBrokersPoll() throws {
        let wake = try WakeSignal()
        let inbox = Inbox<Int>(waking: wake)
        let started = MonotonicClock.now
        Thread { Thread.sleep(forTimeInterval: 0.05); inbox.post(7) }.start()
        _ = try ZMQPoller.poll([], wake: wake, timeoutMilliseconds: 60_000)
        #expect(MonotonicClock.since(started) < 30_000, "the poll ran to its timeout")
        #expect(inbox.drain() == [7])
    }

    @Test func aStopRequestRunsWhatWaitsForIt() {
        let stop = StopSignal()
        let calls = LockedBox(0)
        stop.whenRequested { calls.withLock { $0 += 1 } }
        #expect(calls.withLock { $0 } == 0)
        stop.request()
        #expect(stop.isRequested && calls.withLock { $0 } == 1)
        stop.request()  // the urgent second request wakes it too
        #expect(stop.isUrgent && calls.withLock { $0 } == 2)
    }
}
