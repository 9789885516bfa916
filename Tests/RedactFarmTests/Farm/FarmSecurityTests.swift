import CZMQ
import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import RedactCoordinator
import Testing

/// CURVE with a ZAP allowlist, and a coordinator that shrugs off hostile messages.
@Suite(.serialized) struct FarmSecurityTests {
    @Test func onlyAllowedKeysGetIn() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            for name in ["allowed", "stranger", "client"] {
                let made = try CLI.run("keygen", dir + "/" + name)
                try #require(made.status == 0, "\(made.stderr)")
            }
            let allowed = try FarmPublicKey.read(path: dir + "/allowed.pub"), stranger = try FarmPublicKey.read(path: dir + "/stranger.pub")
            let client = try FarmPublicKey.read(path: dir + "/client.pub")
            try FileManager.default.createDirectory(atPath: dir + "/state", withIntermediateDirectories: true)
            try AtomicOutput.write(Array("# test\n\(allowed.curve) worker\n\(client.curve)\n".utf8), to: dir + "/state/allowed_keys")

            let farm = try TestFarm(directory: dir, extra: ["--control", "tcp://127.0.0.1:0"])
            let serverKey = farm.state + "/coordinator.pub"
            try farm.startWorker("good", ["--server-key", serverKey, "--key", dir + "/allowed.key"])
            let bad = try farm.startWorker("bad", ["--server-key", serverKey, "--key", dir + "/stranger.key"])
            let plain = try farm.startWorker("plain", ["--insecure"])
            let patient = try farm.startWorker("patient", ["--server-key", serverKey, "--key", dir + "/stranger.key", "--retry-when-refused"])
            #expect(eventually(seconds: 20) { (try? farm.workerStatus().map(\.name)) == ["good"] })
            #expect(eventually(seconds: 10) { farm.coordinator.log.contains("refused CURVE key \(stranger.curve)") })

            // The refused are told why, in one line, and exit 1; unless asked to keep trying.
            // The bound is generous: CI's first minutes run every suite at once on two cores.
            #expect(bad.wait(seconds: 60) == 1, "\(bad.log)")
            let plainExit = plain.wait(seconds: 60)
            // A worker that never gives up is a hang: where it is stuck says more than its log.
            let stacks = plainExit == nil ? (try? FFmpegOracle.run("/usr/bin/env", ["gdb", "-p", "\(plain.pid)", "-batch", "-ex", "thread apply all bt"])) ?? "(no gdb)" : ""
            #expect(plainExit == 1, "\(plain.log)\n\(stacks)")
            let badLines = bad.log.split(separator: "\n").filter { $0.contains("refused") }
            #expect(badLines.count == 1 && badLines[0].contains("\(stranger.curve) is not on the coordinator's allowlist"), "\(bad.log)")
            #expect(plain.log.contains("it requires CURVE and this worker uses plain TCP") || plain.log.contains("one side uses CURVE and the other plain TCP"),
                    "\(plain.log)")
            // The coordinator hears of the failed handshake from its socket monitor, which may
            // come after the worker has given up (seen under a loaded test run).
            #expect(eventually(seconds: 10) { farm.coordinator.log.contains("refused a connection on \(farm.workEndpoint)") }, "\(farm.coordinator.log)")
            Thread.sleep(forTimeInterval: 4)  // the patient one retries meanwhile
            #expect(patient.wait(seconds: 0) == nil, "\(patient.log)")
            #expect(patient.log.contains("trying again (--retry-when-refused)"))
            // Each refused peer and key is logged once an hour, however often it retries.
            #expect(farm.coordinator.log.components(separatedBy: "refused CURVE key \(stranger.curve)").count - 1 == 1, "\(farm.coordinator.log)")
            #expect(try farm.workerStatus().map(\.name) == ["good"])

            // A remote client: in with an allowed key, refused (no answer) with another.
            let control = try #require(farm.coordinator.log.split(separator: "\n").first { $0.contains("control: ") }?
                .components(separatedBy: ", ").last.map { $0.trimmingCharacters(in: .whitespaces) })
            let remote = try CLI.run("workers", "--connect", control, "--server-key", serverKey, "--key", dir + "/client.key", "--json")
            #expect(remote.status == 0, "\(remote.stderr)")
            #expect(remote.stdout.contains("\"good\""))
            let refused = try CLI.run("workers", "--connect", control, "--server-key", serverKey, "--key", dir + "/stranger.key", "--timeout", "3")
            #expect(refused.status == 1)
            #expect(refused.stderrLines.count == 1 && refused.stderr.contains("refused this client: its CURVE key is not on the coordinator's allowlist"),
                    "\(refused.stderr)")

            // The allowlist as a Kubernetes ConfigMap volume holds it: a symlink through
            // `..data` to a folder the kubelet swaps for a new one on each edit. The edit is
            // seen without a restart, and the key it adds gets in.
            let list = farm.state + "/allowed_keys"
            for (n, keys) in [(1, [allowed.curve, client.curve]), (2, [allowed.curve, client.curve, stranger.curve])] {
                let version = farm.state + "/..2026_12_02_0\(n)"
                try FileManager.default.createDirectory(atPath: version, withIntermediateDirectories: true)
                try AtomicOutput.write(Array((keys.joined(separator: "\n") + "\n").utf8), to: version + "/allowed_keys")
                try? FileManager.default.removeItem(atPath: farm.state + "/..data_tmp")
                try FileManager.default.createSymbolicLink(atPath: farm.state + "/..data_tmp", withDestinationPath: version)
                #expect(rename(farm.state + "/..data_tmp", farm.state + "/..data") == 0)
                if n == 1 {
                    try FileManager.default.removeItem(atPath: list)
                    try FileManager.default.createSymbolicLink(atPath: list, withDestinationPath: "..data/allowed_keys")
                }
            }
            try farm.startWorker("late", ["--server-key", serverKey, "--key", dir + "/stranger.key"])
            #expect(eventually(seconds: 30) { (try? farm.workerStatus().map(\.name).contains("late")) == true }, "\(farm.coordinator.log)")
        }
    }

    @Test func malformedTruncatedOversizedAndUnknownMessagesAreDropped() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let farm = try TestFarm(directory: dir, extra: ["--insecure", "--max-message-bytes", "\(2 << 20)"])
            let context = try ZMQContext()
            let hostile = try ZMQSocket(context, .dealer)
            try hostile.connect(farm.workEndpoint)
            let header = WireCodec.magic + [WireCodec.version]
            let hello = WireCodec.encode(.hello(WorkerHello(name: "x", software: "redactfarm \(RedactFarmVersion.current)",
                                                            models: ModelRole.pinnedMap([.face]), cores: 1, slots: 1, credit: 2)))
            try hostile.send([Array("garbage".utf8)])
            try hostile.send([header + [99], []])                                   // unknown type
            try hostile.send([hello[0], Array(hello[1].prefix(5))])                 // truncated body
            try hostile.send([header + [WireMessage.Kind.heartbeat.rawValue], [UInt8](repeating: 0xff, count: 8)])  // absurd count
            try hostile.send([header + [WireMessage.Kind.result.rawValue], [UInt8](repeating: 1, count: (1 << 20) + 1), [], []])  // body too large
            try hostile.send([hello[0], hello[1], [UInt8](repeating: 0, count: 3 << 20)])  // frame over the limit: disconnected
            // All of them, not just the first few: the log is read while the coordinator writes it.
            #expect(eventually(seconds: 10) {
                let log = farm.coordinator.log
                return log.components(separatedBy: "dropped").count - 1 >= 4 && log.contains("exceeds")
            })
            let log = farm.coordinator.log
            #expect(log.contains("unknown message type 99"))
            #expect(log.contains("malformed") || log.contains("truncated"))
            #expect(log.contains("exceeds"))

            // Still serving: a well-formed worker is welcomed and clients are answered.
            let worker = try ZMQSocket(context, .dealer)
            try worker.connect(farm.workEndpoint)
            try worker.send(hello)
            let reply = try #require(try worker.receive(timeoutMilliseconds: 10_000))
            guard case .welcome = try WireCodec.decode(reply) else { Issue.record("expected welcome"); return }
            #expect(try farm.cli(["workers"]).status == 0)
            #expect(farm.coordinator.wait(seconds: 0) == nil)

            // Cancelling: the job ends, no output appears, its pieces are removed.
            let submitted = try farm.cli(["submit", Fixtures.corpus("h264_bframes.mp4"), "-o", dir + "/out"])
            let job = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(submitted.status == 0 && !job.isEmpty, "\(submitted.stderr)")
            #expect(try farm.cli(["cancel", job]).status == 0)
            #expect(try eventually(seconds: 10) { try farm.jobStatus(job)?.state == .cancelled })
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/out").isEmpty)
            #expect(eventually(seconds: 10) { ((try? FileManager.default.contentsOfDirectory(atPath: farm.state + "/work")) ?? ["?"]).isEmpty })
            let again = try farm.cli(["cancel", job])
            #expect(again.status == 1 && again.stderr.contains("already cancelled"), "\(again.stderr)")
        }
    }

    /// A peer's name is its own to choose; a newline in it must not write a line of the
    /// coordinator's log.
    @Test func aPeerCannotForgeALogLine() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let farm = try TestFarm(directory: dir)
            try farm.startWorker("w1\nFORGED coordinator: all files verified")
            #expect(eventually(seconds: 20) { (try? farm.workerStatus().count) == 1 })
            let lines = farm.coordinator.log.split(separator: "\n")
            #expect(lines.contains { $0.contains("worker w1\\nFORGED coordinator: all files verified joined") }, "\(farm.coordinator.log)")
            #expect(!lines.contains { $0.hasPrefix("FORGED") })
        }
    }
}
