import Dispatch
import Foundation
import Hummingbird
import Logging
import NIOCore
import RedactSupport

/// The HTTP face of a coordinator or worker for its operators' tools: `/metrics` for
/// Prometheus, `/healthz` (liveness: the process's main loop is turning) and `/readyz`
/// (it can do its work now) for the orchestrator's probes. Hummingbird serves it on its own
/// event-loop threads, so a scrape never waits for the broker, and the broker never for a
/// scrape; nothing it answers carries footage or keys.
public final class ObservabilityServer: Sendable {
    /// Where it listens, with the port it was given for port 0.
    public let address: HTTPAddress
    private let task: Task<Void, Never>
    private let ended: DispatchSemaphore

    /// Listening when this returns; an address that cannot be bound is an error here, at
    /// start-up, not a log line later.
    public init(address: HTTPAddress, metrics: MetricsRegistry, liveness: [HealthCheck], readiness: [HealthCheck]) throws(ObservabilityError) {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        router.get("healthz") { request, _ in Self.answer(liveness, verbose: request.uri.queryParameters["verbose"] != nil) }
        router.get("readyz") { request, _ in Self.answer(readiness, verbose: request.uri.queryParameters["verbose"] != nil) }

        let bound = LockedBox<Result<Int, ObservabilityError>?>(nil)
        let started = DispatchSemaphore(value: 0)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { channel in
                bound.withLock { $0 = .success(channel.localAddress?.port ?? address.port) }
                started.signal()
            },
            // Its own request logging would interleave with the process's log lines.
            logger: Logger(label: "redactfarm.http", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let ended = DispatchSemaphore(value: 0)
        task = Task(executorPreference: ServerThread.shared) {
            do {
                try await app.run()
            } catch {
                // NIO's own description names the syscall; the operator needs errno's words.
                let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
                let failure = ObservabilityError(address: address, reason: reason)
                if bound.withLock({ slot in
                    guard slot == nil else { return false }
                    slot = .failure(failure)
                    return true
                }) { started.signal() }
            }
            ended.signal()
        }
        self.ended = ended
        if started.wait(timeout: .now() + 10) == .timedOut {
            task.cancel()
            throw ObservabilityError(address: address, reason: "the HTTP server did not start within 10 s")
        }
        switch bound.withLock({ $0 })! {
        case .success(let port): self.address = HTTPAddress(host: address.host, port: port)
        case .failure(let error): throw error
        }
    }

    /// Stops listening; requests being answered are finished first (at most a few seconds).
    public func stop() {
        task.cancel()
        _ = ended.wait(timeout: .now() + 5)
    }

    /// 200 "ok" when every check holds, else 503 naming each that does not. `?verbose` lists
    /// them all, as Kubernetes' own `/readyz?verbose` does.
    private static func answer(_ checks: [HealthCheck], verbose: Bool) -> Response {
        let results = checks.map { ($0.name, $0.failure()) }
        let failing = results.filter { $0.1 != nil }
        var lines: [String] = []
        if verbose || !failing.isEmpty {
            for (name, failure) in results where verbose || failure != nil {
                lines.append(failure.map { "[-]\(name) failed: \(LogText.escaped($0))" } ?? "[+]\(name) ok")
            }
        }
        lines.append(failing.isEmpty ? "ok" : "not ok")
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: failing.isEmpty ? .ok : .serviceUnavailable, headers: headers,
                        body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\n") + "\n")))
    }
}

public struct ObservabilityError: Error, Sendable, CustomStringConvertible {
    public var address: HTTPAddress
    public var reason: String
    public var description: String { "cannot serve metrics and health there: \(reason)" }
    /// What the error names, as a file error names its file.
    public var subject: String { "--metrics-address \(address)" }
}
