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

    public init(control endpoint: String, events eventEndpoint: String? = nil, security: PeerSecurity = .plain,
                context: ZMQContext? = nil, timeoutMilliseconds: Int = 15_000) throws(MediaError) {
        controlEndpoint = endpoint
        self.timeoutMilliseconds = timeoutMilliseconds
        do {
            let context = try context ?? ZMQContext()
            control = try ZMQSocket(context, .dealer)
            if endpoint.hasPrefix("tcp://") { try security.apply(to: control) }
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
            try control.send(ControlCodec.encode(request))
            guard let frames = try control.receive(timeoutMilliseconds: timeoutMilliseconds) else {
                throw MediaError(path: controlEndpoint, reason: "no answer from the coordinator in \(max(1, timeoutMilliseconds / 1000)) s (is it running, and is this client's key allowed?)")
            }
            return try ControlCodec.decode(ControlResponse.self, frames)
        } catch let error as MediaError {
            throw error
        } catch {
            throw MediaError(path: controlEndpoint, reason: "\(error)")
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
