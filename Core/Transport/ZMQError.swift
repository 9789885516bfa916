import CZMQ
import Foundation

/// A libzmq call that failed, with zmq_strerror's words for it.
public struct ZMQError: Error, Equatable, Sendable, CustomStringConvertible {
    public var operation: String
    public var code: Int32

    static func last(_ operation: String) -> ZMQError { ZMQError(operation: operation, code: zmq_errno()) }

    public var description: String { "\(operation): \(String(cString: zmq_strerror(code)))" }

    /// The peer a ROUTER socket was asked to send to is not connected (ZMQ_ROUTER_MANDATORY).
    public var isUnroutable: Bool { code == EHOSTUNREACH }

    /// A send with `dontWait` found no peer ready to take the message: a DEALER whose
    /// connection has not completed, or whose pipe libzmq closed after a refused handshake.
    public var wouldBlock: Bool { code == EAGAIN }
}
