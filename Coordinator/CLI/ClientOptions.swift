import ArgumentParser
import Foundation
import RedactCoordinator
import RedactCore

/// How a client command reaches the coordinator: through the ipc sockets in its state folder
/// (same machine, no keys), or over TCP with CURVE.
struct ClientOptions: ParsableArguments {
    @Option(help: "The coordinator's state folder, on this machine (default: $REDACTFARM_STATE).")
    var state: String?

    @Option(help: "The coordinator's control endpoint on another machine, e.g. tcp://farm-01:7461.")
    var connect: String?

    @Option(help: "The coordinator's event endpoint, for watching from another machine, e.g. tcp://farm-01:7462.")
    var events: String?

    @Option(help: "The coordinator's public key file (.pub), for CURVE.")
    var serverKey: String?

    @Option(help: "This client's secret key (default: REDACTFARM_HOME/client.key, made on first use).")
    var key: String?

    @Flag(help: "Connect over plain TCP.")
    var insecure = false

    @Option(help: "Seconds to wait for the coordinator's answer, 1 to 86400.")
    var timeout: Int = 15

    /// A timeout in milliseconds must fit: 10^17 seconds trapped multiplying.
    func validate() throws {
        guard (1...86_400).contains(timeout) else { throw ValidationError("--timeout \(timeout): must be 1 to 86400 seconds") }
    }

    func client(watching: Bool) throws(MediaError) -> FarmClient {
        if let connect {
            let security = try KeyLocations.peerSecurity(endpoint: connect, insecure: insecure, serverKey: serverKey, key: key, role: "client")
            if watching && events == nil {
                throw MediaError(path: connect, reason: "watching from another machine needs --events (the coordinator's --events endpoint)")
            }
            return try FarmClient(control: connect, events: watching ? events : nil, security: security, timeoutMilliseconds: timeout * 1000)
        }
        guard let dir = state ?? ProcessInfo.processInfo.environment["REDACTFARM_STATE"] else {
            throw MediaError(path: "redactfarm", reason: "say which coordinator: --state DIR on its machine, or --connect tcp://HOST:PORT")
        }
        let absolute = JobIntake.absolutePath(dir)
        guard FileManager.default.fileExists(atPath: absolute + "/control.sock") else {
            throw MediaError(path: absolute, reason: "no coordinator is running on this state folder")
        }
        return try FarmClient(control: "ipc://\(absolute)/control.sock", events: watching ? "ipc://\(absolute)/events.sock" : nil,
                              timeoutMilliseconds: timeout * 1000)
    }
}
