import CZMQ

/// Waits on several sockets at once: the broker's loop serves workers, clients and its own
/// timers from one thread, as libzmq sockets must be used from the thread that owns them.
public enum ZMQPoller {
    /// For each socket, whether a message is ready, after at most `timeoutMilliseconds`.
    /// `wake`: also returns as soon as it is signalled (another thread has news for this one).
    public static func poll(_ sockets: [ZMQSocket], wake: WakeSignal? = nil, timeoutMilliseconds: Int) throws(ZMQError) -> [Bool] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        if let wake { items.append(zmq_pollitem_t(socket: nil, fd: wake.descriptor, events: Int16(ZMQ_POLLIN), revents: 0)) }
        let n = zmq_poll(&items, Int32(items.count), timeoutMilliseconds)
        if n < 0 {
            if zmq_errno() == EINTR { return Array(repeating: false, count: sockets.count) }
            throw ZMQError.last("poll")
        }
        wake?.clear()
        return items.prefix(sockets.count).map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }
}
