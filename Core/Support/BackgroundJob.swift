import Foundation

/// Work started on its own thread now and collected later with `result()`: how split and
/// stitch overlap hashing and segment loading with demuxing when a second core is free.
/// A plain thread rather than a task: the work is blocking file I/O and hashing.
public final class BackgroundJob<Value>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written once by the worker thread before `done` is signalled, read only after.
    private var outcome: Result<Value, MediaError>? = nil

    public init(_ work: @escaping @Sendable () throws(MediaError) -> Value) {
        Thread { [self] in
            outcome = Result { () throws(MediaError) in try work() }
            done.signal()
        }.start()
    }

    public func result() throws(MediaError) -> Value {
        done.wait()
        done.signal()
        return try outcome!.get()
    }
}
