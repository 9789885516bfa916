import Foundation
@testable import RedactCore
@testable import RedactIntegrity
import RedactCoordinator
import Testing

/// The farm across real network hops: a coordinator on one host and workers on three others,
/// each a network namespace with its own address, wired through a bridge, over CURVE. Cables
/// are pulled and plugged back while segments are in flight.
@Suite(.serialized, .enabled(if: NetworkLab.unavailableReason == nil, "\(NetworkLab.unavailableReason ?? "")"))
struct AcrossHostsTests {
    static let inputs = ["groundtruth.mp4", "sparse_faces.mp4"].map(Fixtures.media)

    @Test func aJobCompletesFrameExactThroughCutLinks() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let lab = try NetworkLab()
            let coordinatorAddress = try lab.addHost("coord")
            for n in 1...3 { try lab.addHost("w\(n)") }

            // CURVE: the workers' key on the coordinator's allowlist, the coordinator's on theirs.
            try #require(try CLI.run("keygen", dir + "/worker").status == 0)
            let workerKey = try FarmPublicKey.read(path: dir + "/worker.pub")
            try FileManager.default.createDirectory(atPath: dir + "/state", withIntermediateDirectories: true)
            try AtomicOutput.write(Array("\(workerKey.curve) fleet\n".utf8), to: dir + "/state/allowed_keys")
            let farm = try TestFarm(directory: dir, extra: [], listen: "tcp://\(coordinatorAddress):7460", launcher: lab.launcher("coord"))
            #expect(farm.workEndpoint == "tcp://\(coordinatorAddress):7460")
            let security = ["--server-key", farm.state + "/coordinator.pub", "--key", dir + "/worker.key"]
            for n in 1...3 { try farm.startWorker("w\(n)", security, launcher: lab.launcher("w\(n)")) }
            #expect(eventually(seconds: 30) { (try? farm.workerStatus().count) == 3 }, "\(farm.coordinator.log)")
            // Each from its own host's address.
            let addresses = try farm.workerStatus().compactMap(\.address).sorted()
            #expect(addresses == (2...4).map { "\(NetworkLab.subnet).\($0)" }, "\(addresses)")

            // Netem where the kernel has it: every hop 50 ms late and 1% of packets lost.
            let netem = try lab.degradeEveryLink()
            if let netem { print("AcrossHostsTests: links not degraded: \(netem)") }

            let submitted = try farm.cli(["submit"] + Self.inputs + ["-o", dir + "/out", "--segment-seconds", "1"])
            try #require(submitted.status == 0, "\(submitted.stderr)")
            let job = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            // A worker's cable pulled mid-segment for 20 s: the coordinator hears nothing from
            // it, requeues its segments within the lease (3 s here), and the others do them.
            var busy: String?
            #expect(try eventually(seconds: 60, every: 0.1) {
                busy = try farm.workerStatus().first { $0.state == "busy" && !$0.tasks.isEmpty }?.name
                return busy != nil
            })
            let cut = try #require(busy)
            try lab.setLink(cut, up: false)
            let cutAt = Date()
            #expect(eventually(seconds: 15) { farm.coordinator.log.contains("worker \(cut) silent for") }, "\(farm.coordinator.log)")
            #expect(Date().timeIntervalSince(cutAt) < 10, "requeued only after \(Date().timeIntervalSince(cutAt)) s")
            #expect(farm.coordinator.log.contains("requeuing its"))
            Thread.sleep(forTimeInterval: max(0, 20 - Date().timeIntervalSince(cutAt)))
            try lab.setLink(cut, up: true)
            // Back on the wire it joins again (a new connection) and works on.
            #expect(eventually(seconds: 45) {
                farm.coordinator.log.components(separatedBy: "worker \(cut) joined").count - 1 >= 2
            }, "\(farm.workers[cut]?.log ?? "")")

            // The coordinator's own cable pulled for 10 s: every worker reconnects after it.
            try lab.setLink("coord", up: false)
            Thread.sleep(forTimeInterval: 10)
            try lab.setLink("coord", up: true)
            #expect(eventually(seconds: 45) { (try? farm.workerStatus().count) == 3 }, "\(farm.coordinator.log)")

            #expect(try eventually(seconds: 240, every: 0.5) { try farm.jobStatus(job)?.state.isFinal == true })
            let final = try #require(try farm.jobStatus(job))
            #expect(final.state == .done, "\(final.files.compactMap(\.error))")
            // Each segment done once: one accepted attempt, whatever came late.
            for file in final.files { #expect(file.segmentsDone == file.segments, "\(file.input)") }
            let accepted = try FarmProcessTests.segmentSnapshot(state: farm.state).values
            #expect(accepted.allSatisfy { $0.state == .done && $0.outputSHA256 != nil })
            for input in Self.inputs {
                let output = dir + "/out/" + URL(fileURLWithPath: input).lastPathComponent
                #expect(try MediaInspection.videoTimestamps(output) == MediaInspection.videoTimestamps(input))
                #expect(try MediaInspection.nonVideoPackets(output) == MediaInspection.nonVideoPackets(input))
                #expect(try CLI.run("verify", output, "--key", farm.state + "/coordinator.pub").status == 0)
            }
            for (_, worker) in farm.workers { worker.signal(SIGTERM) }
            for (name, worker) in farm.workers { #expect(worker.wait(seconds: 30) == 0, "\(name): \(worker.log)") }
            farm.coordinator.signal(SIGTERM)
            #expect(farm.coordinator.wait(seconds: 20) == 0)
        }
    }
}
