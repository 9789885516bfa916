import CZMQ
import Foundation
import RedactCore

/// A client of a coordinator's control channel, and optionally of its progress events: what
/// the `submit`, `status`, `watch`, `cancel`, `jobs` and `workers` commands use.
public final class FarmClient {
    private let control: ZMQSocket
    private let events: ZMQSocket?
    private let controlEndpoint: String
    private let timeoutMilliseconds: Int
    /// Over TCP: says at once when the coordinator refuses this client, rather than timing out.
    private var monitor: SocketMonitor?

    public init(control endpoint: String, events eventEndpoint: String? = nil, security: PeerSecurity = .plain,
                context: ZMQContext? = nil, timeoutMilliseconds: Int = 15_000) throws(MediaError) {
        controlEndpoint = endpoint
        self.timeoutMilliseconds = timeoutMilliseconds
        do {
            let context = try context ?? ZMQContext()
            control = try ZMQSocket(context, .dealer)
            if endpoint.hasPrefix("tcp://") {
                try security.apply(to: control)
                monitor = try SocketMonitor(watching: control, context: context)
            }
            try control.connect(endpoint)
            if let eventEndpoint {
                let sub = try ZMQSocket(context, .sub)
                if eventEndpoint.hasPrefix("tcp://") { try security.apply(to: sub) }
                try sub.set(ZMQ_SUBSCRIBE, "status")
                try sub.connect(eventEndpoint)
                events = sub
            } else {
                events = nil
            }
        } catch let error as MediaError {
            throw error
        } catch {
            throw MediaError(path: endpoint, reason: "cannot connect: \(error)")
        }
    }

    /// One request and its answer; a coordinator that does not answer in time is an error
    /// (it may be down, or refusing this client's key).
    public func request(_ request: ControlRequest) throws(MediaError) -> ControlResponse {
        do {
            let deadline = MonotonicClock.now + UInt64(max(0, timeoutMilliseconds))
            // Not a blocking send: a coordinator that refused the handshake leaves this DEALER
            // with no pipe, and the wait would never end nor read the refusal.
            let message = ControlCodec.encode(request)
            var sent = false
            while true {
                if !sent { sent = try control.offer(message) }
                if sent, let frames = try control.receive(timeoutMilliseconds: 100) { return try ControlCodec.decode(ControlResponse.self, frames) }
                if let refusal = refusal() { throw MediaError(path: controlEndpoint, reason: refusal) }
                guard MonotonicClock.now < deadline else {
                    let seconds = max(1, timeoutMilliseconds / 1000)
                    throw MediaError(path: controlEndpoint, reason: sent
                        ? "no answer from the coordinator in \(seconds) s (is it running, and is this client's key allowed?)"
                        : "cannot reach the coordinator in \(seconds) s (is it running, with the same security: --server-key, or --insecure on both?)")
                }
                if !sent { Thread.sleep(forTimeInterval: 0.05) }
            }
        } catch let error as MediaError {
            throw error
        } catch {
            throw MediaError(path: controlEndpoint, reason: "\(error)")
        }
    }

    private func refusal() -> String? {
        switch monitor?.refusal() {
        case nil: nil
        case .keyNotAllowed(400): "the coordinator refused this client: its CURVE key is not on the coordinator's allowlist"
        case .keyNotAllowed(let status): "the coordinator refused this client (ZAP status \(status))"
        case .securityMismatch: "the coordinator refused this client: one side uses CURVE and the other plain TCP (--server-key, or --insecure on both)"
        case .wrongServerKey: "the coordinator refused this client: the CURVE handshake failed (is --server-key that coordinator's public key?)"
        case .hungUp(let code):
            "the coordinator refused this client during the handshake (libzmq code \(code)): same security on both sides? --server-key, or --insecure"
        }
    }

    /// Sends a request and returns its status, turning a refusal into an error.
    public func expectStatus(_ request: ControlRequest) throws(MediaError) -> (job: String?, status: FarmStatus) {
        let response = try self.request(request)
        guard response.ok, let status = response.status else {
            // The coordinator's refusal names its own subject (a file, a job, an option).
            throw MediaError(path: response.error == nil ? request.job ?? controlEndpoint : "",
                             reason: response.error ?? "the coordinator refused the request")
        }
        return (response.job, status)
    }

    /// The next published status, or nil if none arrives in time.
    public func nextStatus(timeoutMilliseconds: Int) -> FarmStatus? {
        guard let events, let frames = try? events.receive(timeoutMilliseconds: timeoutMilliseconds), frames.count == 3 else { return nil }
        return try? ControlCodec.decode(FarmStatus.self, Array(frames.dropFirst()))
    }
}
