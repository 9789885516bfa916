import Foundation

/// A stop request shared between a loop and whoever asks it to stop (a signal handler's
/// watcher, a test, the embedded farm). The first request asks for a graceful stop; a second
/// one asks to stop now.
public final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var requests = 0
    private var signalNumber: Int32?
    private var onRequest: [@Sendable () -> Void] = []

    public init() {}

    public func request() {
        let actions = lock.withLock {
            requests += 1
            return onRequest
        }
        for action in actions { action() }
    }

    /// Runs `action` at every request from now on (on the requesting thread): a loop that
    /// waits on a poll registers its wake-up here, so it stops at once rather than at the
    /// poll's timeout.
    public func whenRequested(_ action: @escaping @Sendable () -> Void) {
        lock.withLock { onRequest.append(action) }
    }

    public var isRequested: Bool { lock.withLock { requests > 0 } }
    public var isUrgent: Bool { lock.withLock { requests > 1 } }

    /// The signal behind the first request, if one was: "SIGINT" or "SIGTERM".
    public var signalName: String? {
        lock.withLock { signalNumber.map { $0 == SIGINT ? "SIGINT" : $0 == SIGTERM ? "SIGTERM" : "signal \($0)" } }
    }

    /// The conventional exit status after that signal (128 + its number), or 1.
    public var exitStatus: Int32 { lock.withLock { signalNumber.map { 128 + $0 } ?? 1 } }

    /// Turns SIGTERM and SIGINT into requests on this signal (the default action, dying
    /// mid-write, is what durability guards against but never what an operator asks for).
    public func installSignalHandlers() {
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                lock.withLock {
                    if signalNumber == nil { signalNumber = sig }
                }
                request()
            }
            source.resume()
            Self.sources.withLock { $0.append(source) }
        }
    }

    private static let sources = LockedBox<[DispatchSourceSignal]>([])
}

/// A value behind a lock.
public final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    public init(_ value: Value) { self.value = value }
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Hands a single-owner object (a socket, a broker) to the thread that owns it from then on.
public struct UncheckedBox<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
