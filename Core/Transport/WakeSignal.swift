import Glibc

/// Lets another thread end a `ZMQPoller.poll` at once: a pipe whose read end the poll watches
/// beside its sockets. The broker's loop uses it for news from its background lanes (a group
/// commit recorded, a segment split, a file stitched), a worker's network thread for a result
/// to send, and both for a stop request: each would otherwise wait for the poll's timeout.
public final class WakeSignal: @unchecked Sendable {
    /// The read end (polled) and the write end (signalled), both non-blocking.
    let descriptor: Int32
    private let writeEnd: Int32

    public init() throws(ZMQError) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw ZMQError(operation: "pipe", code: errno) }
        (descriptor, writeEnd) = (ends[0], ends[1])
        for fd in ends {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
    }

    deinit {
        close(descriptor)
        close(writeEnd)
    }

    /// From any thread. Signals pile up into one wake; a full pipe is already a wake.
    public func signal() {
        var one: UInt8 = 1
        _ = write(writeEnd, &one, 1)
    }

    /// Empties it, so the next poll waits again.
    func clear() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(descriptor, &buffer, buffer.count) > 0 {}
    }
}
