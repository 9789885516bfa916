import Foundation

/// SHA-256 of a file computed on its own thread, collected with `result()`.
public final class BackgroundHash: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written once by the hashing thread before `done` is signalled, read only after.
    private var outcome: Result<String, MediaError>? = nil

    public init(path: String) {
        let thread = Thread { [self] in
            outcome = Result { () throws(MediaError) in try SHA256Hex.ofFile(at: path) }
            done.signal()
        }
        thread.start()
    }

    public func result() throws(MediaError) -> String {
        done.wait()
        done.signal()
        return try outcome!.get()
    }
}
