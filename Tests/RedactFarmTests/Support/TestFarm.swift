import Foundation
import RedactCoordinator
import Testing

/// A coordinator and workers as real processes over loopback TCP, driven through the CLI as an
/// operator would drive them.
final class TestFarm {
    let directory: String
    let state: String
    private(set) var coordinator: BackgroundProcess!
    private(set) var workEndpoint = ""
    var workers: [String: BackgroundProcess] = [:]
    private var coordinatorRuns = 0
    private let coordinatorArguments: [String]
    /// What the coordinator is started through (`ip netns exec HOST` for another host).
    private let coordinatorLauncher: [String]

    /// `extra`: more coordinator options (security, liveness).
    init(directory: String, extra: [String] = ["--insecure"], listen: String = "tcp://127.0.0.1:0", launcher: [String] = []) throws {
        self.directory = directory
        state = directory + "/state"
        coordinatorArguments = extra
        coordinatorLauncher = launcher
        try startCoordinator(listen: listen)
    }

    /// A program and its arguments, through a launcher if there is one.
    private static func command(_ launcher: [String], _ arguments: [String]) -> (String, [String]) {
        launcher.isEmpty ? (CLI.binary, arguments) : (launcher[0], Array(launcher.dropFirst()) + [CLI.binary] + arguments)
    }

    /// Starts (or restarts, on the same state folder and port) the coordinator.
    func startCoordinator(listen: String? = nil) throws {
        coordinatorRuns += 1
        let log = directory + "/coordinator-\(coordinatorRuns).log"
        let (program, arguments) = Self.command(coordinatorLauncher, ["coordinator", "--state", state, "--listen", listen ?? workEndpoint,
                                                                      "--liveness-ms", "3000"] + coordinatorArguments)
        coordinator = try BackgroundProcess(program, arguments, log: log)
        var bound: String?
        _ = eventually(seconds: 20) {
            bound = coordinator.log.split(separator: "\n").first { $0.contains("workers: tcp://") }
                .flatMap { $0.components(separatedBy: "workers: ").last?.components(separatedBy: ";").first }
            return bound != nil
        }
        guard let bound else {
            Issue.record("coordinator did not start: \(coordinator.log)")
            throw POSIXError(.ETIMEDOUT)
        }
        workEndpoint = bound
    }

    @discardableResult
    func startWorker(_ name: String, _ extra: [String] = ["--insecure"], launcher: [String] = []) throws -> BackgroundProcess {
        // One core (one slot) each: several test workers share CI's two cores.
        let (program, arguments) = Self.command(launcher, ["worker", "--connect", workEndpoint, "--name", name, "--cores", "1"] + extra)
        let worker = try BackgroundProcess(program, arguments, log: directory + "/\(name).log")
        workers[name] = worker
        return worker
    }

    func cli(_ arguments: [String]) throws -> CLI.Result {
        try CLI.run(arguments: arguments + ["--state", state])
    }

    func workerStatus() throws -> [WorkerStatus] {
        let result = try cli(["workers", "--json"])
        return (try? JSONDecoder().decode([WorkerStatus].self, from: Data(result.stdout.utf8))) ?? []
    }

    func jobStatus(_ job: String) throws -> JobStatus? {
        let result = try cli(["status", job, "--json"])
        return (try? JSONDecoder().decode([JobStatus].self, from: Data(result.stdout.utf8)))?.first
    }
}
