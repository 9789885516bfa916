import CZMQ
import Foundation
import RedactSupport

/// What libzmq knows about a socket's handshakes (`zmq_socket_monitor`), so a refused peer
/// learns why instead of retrying in silence, and a coordinator can say who it refused.
/// Read from the thread that owns the monitored socket, without blocking (`events()`).
public final class SocketMonitor {
    public enum Event: Sendable, Equatable, CustomStringConvertible {
        case handshakeSucceeded(endpoint: String)
        /// The ZAP handler said no (the status code: 400 for a key not on the allowlist, 300
        /// for a temporary refusal, 500 for the handler's own failure).
        case refusedByAuthentication(status: Int, endpoint: String)
        /// One side speaks CURVE, the other plain ZeroMQ.
        case mechanismMismatch(endpoint: String)
        /// CURVE on both sides, but the keys do not fit (a wrong server key, say).
        case cryptographicFailure(endpoint: String)
        case handshakeFailed(code: Int, endpoint: String)

        public var description: String {
            switch self {
            case .handshakeSucceeded(let e): "handshake with \(e) succeeded"
            case .refusedByAuthentication(let status, let e): "\(e) refused this key (ZAP status \(status))"
            case .mechanismMismatch(let e): "\(e) uses another security mechanism (CURVE on one side, plain on the other)"
            case .cryptographicFailure(let e): "the CURVE handshake with \(e) failed (the keys do not match)"
            case .handshakeFailed(let code, let e): "the handshake with \(e) failed (code \(code))"
            }
        }
    }

    /// Why a connecting side was not let in.
    public enum Refusal: Sendable, Equatable {
        /// The ZAP handler's status: 400 for a key not on the allowlist.
        case keyNotAllowed(status: Int)
        /// CURVE on one side, plain on the other.
        case securityMismatch
        /// CURVE on both sides, but not the server's key.
        case wrongServerKey
        /// The server hung up mid-handshake, three times in a row, saying nothing (libzmq's code).
        case hungUp(code: Int)
    }

    private let pair: ZMQSocket
    private static let counter = LockedBox(0)
    /// Handshakes cut short without a reason since the last one that succeeded.
    private var hangUpsInARow = 0

    public init(watching socket: ZMQSocket, context: ZMQContext) throws(ZMQError) {
        let n = Self.counter.withLock { $0 += 1; return $0 }
        let endpoint = "inproc://redactfarm-monitor-\(getpid())-\(n)"
        let mask = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
            | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
        guard zmq_socket_monitor(socket.handle, endpoint, Int32(mask)) == 0 else { throw ZMQError.last("zmq_socket_monitor") }
        pair = try ZMQSocket(context, .pair)
        try pair.connect(endpoint)
    }

    /// The refusal the events since the last call show, if any. A handshake cut short without
    /// a reason counts only the third time in a row: one can be a server killed or restarting
    /// mid-handshake, which a client rides out.
    public func refusal() -> Refusal? {
        for event in events() {
            switch event {
            case .handshakeSucceeded: hangUpsInARow = 0
            case .refusedByAuthentication(let status, _): return .keyNotAllowed(status: status)
            case .mechanismMismatch: return .securityMismatch
            case .cryptographicFailure: return .wrongServerKey
            case .handshakeFailed(let code, _):
                hangUpsInARow += 1
                if hangUpsInARow >= 3 { return .hungUp(code: code) }
            }
        }
        return nil
    }

    /// The events since the last call.
    public func events() -> [Event] {
        var events: [Event] = []
        while let frames = try? pair.receive(timeoutMilliseconds: 0), frames.count >= 2, frames[0].count >= 6 {
            let id = Int32(frames[0][0]) | Int32(frames[0][1]) << 8
            let value = frames[0][2..<6].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
            let endpoint = LogText.escaped(String(decoding: frames[1], as: UTF8.self))
            switch id {
            case Int32(ZMQ_EVENT_HANDSHAKE_SUCCEEDED): events.append(.handshakeSucceeded(endpoint: endpoint))
            case Int32(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH): events.append(.refusedByAuthentication(status: Int(value), endpoint: endpoint))
            case Int32(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL):
                switch value {
                case UInt32(ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH): events.append(.mechanismMismatch(endpoint: endpoint))
                case UInt32(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC): events.append(.cryptographicFailure(endpoint: endpoint))
                default: events.append(.handshakeFailed(code: Int(value), endpoint: endpoint))
                }
            default: events.append(.handshakeFailed(code: Int(value), endpoint: endpoint))
            }
        }
        return events
    }
}
