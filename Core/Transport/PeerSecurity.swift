import CZMQ

/// How a connecting socket (worker or client) secures itself.
public enum PeerSecurity: Sendable {
    /// No encryption: inproc and ipc endpoints, or TCP with an explicit `--insecure`.
    case plain
    /// CurveZMQ: this side's key pair and the server's public key.
    case curve(CurveKeyPair, serverKey: String)

    public func apply(to socket: ZMQSocket) throws(ZMQError) {
        if case .curve(let keys, let serverKey) = self { try socket.makeCurveClient(keys, serverKey: serverKey) }
    }
}

/// How a binding socket (the coordinator's) secures itself.
public enum ServerSecurity: Sendable {
    case plain
    /// CurveZMQ with this key pair; a `ZAPAuthenticator` in the same context decides who is let in.
    case curve(CurveKeyPair)

    public func apply(to socket: ZMQSocket) throws(ZMQError) {
        if case .curve(let keys) = self {
            try socket.makeCurveServer(keys)
            try socket.set(ZMQ_ZAP_DOMAIN, "redactfarm")
        }
    }
}
