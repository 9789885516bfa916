import RedactSupport

/// One thing `/healthz` or `/readyz` asks: nil when it holds, else why not, in words an
/// operator reading `kubectl describe pod` can act on.
public struct HealthCheck: Sendable {
    public var name: String
    public var failure: @Sendable () -> String?

    public init(_ name: String, failure: @escaping @Sendable () -> String?) {
        self.name = name
        self.failure = failure
    }

    /// A loop that must keep turning: it fails once the loop has not turned for `stall`
    /// milliseconds (a broker stuck in a store call, a deadlock), so the orchestrator
    /// restarts the process instead of leaving a farm that answers nothing.
    public static func turning(_ name: String, _ beat: LoopBeat, stallMilliseconds: Int) -> HealthCheck {
        HealthCheck(name) {
            guard let since = beat.millisecondsSinceLastTurn else { return nil }  // not started yet: liveness is not readiness
            return since > stallMilliseconds ? "has not turned for \(since) ms" : nil
        }
    }
}

/// The last time a loop went round, for `HealthCheck.turning`; written by the loop,
/// read by the HTTP server's threads.
public final class LoopBeat: Sendable {
    private let last = LockedBox<UInt64?>(nil)

    public init() {}

    public func turned() { last.withLock { $0 = MonotonicClock.now } }

    public var millisecondsSinceLastTurn: Int? {
        last.withLock { $0 }.map { MonotonicClock.since($0) }
    }
}

/// A yes/no that one thread sets and the HTTP server reads (the store is open, the worker is
/// connected): with the reason it is not, for `/readyz`.
public final class ReadinessFlag: Sendable {
    private let state: LockedBox<String?>

    public init(notYet reason: String) { state = LockedBox(reason) }

    public func set(ready: Bool, otherwise reason: String) { state.withLock { $0 = ready ? nil : reason } }

    public var failure: String? { state.withLock { $0 } }
}
