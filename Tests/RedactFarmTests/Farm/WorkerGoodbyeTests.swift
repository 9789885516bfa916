import Foundation
import RedactCoordinator
import RedactCore
import Testing

/// A worker that stops while idle says bye twice (handing back what it had not started, then
/// on its way out): the coordinator removes it on the first, and must not ask it to announce
/// itself on the second, since its socket may already be gone.
@Suite(.serialized) struct WorkerGoodbyeTests {
    @Test func aLastGoodbyeIsNotAnsweredWithAnnounceAgain() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let context = try ZMQContext()
            let log = LockedBox<[String]>([])
            let stop = try BrokerResultTests.startCoordinator(dir, "goodbye", context: context, log: log) { config in
                config.heartbeatMilliseconds = 300
            }
            defer { stop() }
            let worker = try ZMQSocket(context, .dealer)
            try worker.connect("inproc://work-goodbye")
            let hello = WorkerHello(name: "leaving", software: "redactfarm \(RedactFarmVersion.current)",
                                    models: ModelRole.pinnedMap([.face]), cores: 1, slots: 1, credit: 1)
            try worker.send(WireCodec.encode(.hello(hello)))
            #expect(eventually(seconds: 10) { log.withLock { $0.contains { $0.contains("worker leaving joined") } } }, "\(log.withLock { $0 })")

            try worker.send(WireCodec.encode(.bye([])))
            #expect(eventually(seconds: 10) { log.withLock { $0.contains { $0.contains("worker leaving left") } } }, "\(log.withLock { $0 })")
            try worker.send(WireCodec.encode(.bye([])))
            // Anything the coordinator says within two heartbeats; an ask would come at once.
            var answers: [WireMessage.Kind] = []
            let deadline = MonotonicClock.now + 600
            while MonotonicClock.now < deadline {
                guard let frames = try worker.receive(timeoutMilliseconds: 50) else { continue }
                answers.append(try WireCodec.decode(frames).kind)
            }
            #expect(!answers.contains(.announceAgain), "answers: \(answers)")
        }
    }
}
