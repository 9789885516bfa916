import CZMQ
import Foundation

/// A libzmq context. Sockets keep it alive; it is terminated when the last reference goes.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init() throws(ZMQError) {
        guard let h = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        handle = h
    }

    deinit { zmq_ctx_term(handle) }
}

/// One libzmq socket, used from one thread at a time (libzmq sockets are not thread-safe; it
/// may be handed to another thread, which then owns it: hence `@unchecked Sendable`).
/// Messages are multipart: a list of frames, each a byte string, so a segment's payload
/// travels as a frame of its own, never re-encoded.
public final class ZMQSocket: @unchecked Sendable {
    public enum Kind {
        case router, dealer, pub, xpub, sub, req, rep, pair
        var raw: Int32 {
            switch self {
            case .router: ZMQ_ROUTER
            case .dealer: ZMQ_DEALER
            case .pub: ZMQ_PUB
            case .xpub: ZMQ_XPUB
            case .sub: ZMQ_SUB
            case .req: ZMQ_REQ
            case .rep: ZMQ_REP
            case .pair: ZMQ_PAIR
            }
        }
    }

    let handle: UnsafeMutableRawPointer
    private let context: ZMQContext

    public init(_ context: ZMQContext, _ kind: Kind) throws(ZMQError) {
        guard let h = zmq_socket(context.handle, kind.raw) else { throw ZMQError.last("zmq_socket") }
        handle = h
        self.context = context
        // Closing never waits for unsent messages: shutdown must not hang on a dead peer.
        try set(ZMQ_LINGER, 0)
    }

    deinit { zmq_close(handle) }

    public func bind(_ endpoint: String) throws(ZMQError) {
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError.last("bind \(endpoint)") }
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError.last("connect \(endpoint)") }
    }

    /// The endpoint actually bound (resolves `tcp://127.0.0.1:*` to a port).
    public var lastEndpoint: String {
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        _ = zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size)
        return String(cString: buffer)
    }

    public func set(_ option: Int32, _ value: Int32) throws(ZMQError) {
        var v = value
        guard zmq_setsockopt(handle, option, &v, MemoryLayout<Int32>.size) == 0 else { throw ZMQError.last("setsockopt \(option)") }
    }

    public func set(_ option: Int32, int64 value: Int64) throws(ZMQError) {
        var v = value
        guard zmq_setsockopt(handle, option, &v, MemoryLayout<Int64>.size) == 0 else { throw ZMQError.last("setsockopt \(option)") }
    }

    public func set(_ option: Int32, _ value: String) throws(ZMQError) {
        let bytes = Array(value.utf8)
        let ok = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) == 0 }
        guard ok else { throw ZMQError.last("setsockopt \(option)") }
    }

    /// Sends every frame as one multipart message.
    public func send(_ frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) {
        precondition(!frames.isEmpty, "a message has at least one frame")
        for (i, frame) in frames.enumerated() {
            var flags: Int32 = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            if dontWait { flags |= ZMQ_DONTWAIT }
            let sent = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            guard sent >= 0 else { throw ZMQError.last("send") }
        }
    }

    /// Sends without waiting; false when no peer is ready to take the message (see
    /// `ZMQError.wouldBlock`), so a caller can look at why before trying again.
    public func offer(_ frames: [[UInt8]]) throws(ZMQError) -> Bool {
        do { try send(frames, dontWait: true) } catch where error.wouldBlock { return false }
        return true
    }

    /// The next multipart message, or nil if none arrives within `timeoutMilliseconds`
    /// (-1 waits for ever).
    public func receive(timeoutMilliseconds: Int = -1) throws(ZMQError) -> [[UInt8]]? {
        try receiveWithPeer(timeoutMilliseconds: timeoutMilliseconds)?.frames
    }

    /// As `receive`, with the sender's IP address where the transport knows it (TCP:
    /// libzmq's "Peer-Address" message property; nil for ipc and inproc).
    public func receiveWithPeer(timeoutMilliseconds: Int = -1) throws(ZMQError) -> (frames: [[UInt8]], peerAddress: String?)? {
        guard try poll(timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        var frames: [[UInt8]] = []
        var peer: String?
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            guard zmq_msg_recv(&message, handle, 0) >= 0 else { throw ZMQError.last("receive") }
            let size = zmq_msg_size(&message)
            let data = zmq_msg_data(&message)!
            frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            // A ROUTER's routing frame is its own; the peer's frames carry the property.
            if peer == nil, let address = zmq_msg_gets(&message, "Peer-Address") { peer = String(cString: address) }
            if zmq_msg_more(&message) == 0 { return (frames, peer) }
        }
    }

    /// Whether a message can be read within the timeout.
    public func poll(timeoutMilliseconds: Int) throws(ZMQError) -> Bool {
        var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        let n = zmq_poll(&item, 1, timeoutMilliseconds)
        guard n >= 0 else { throw ZMQError.last("poll") }
        return n > 0
    }
}
