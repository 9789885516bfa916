import CZMQ
import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import RedactWorker

/// A worker that does every wrong thing a broken or hostile peer can, in turn, over TCP: a
/// garbage result, a burst of duplicates, a late result of an attempt it reported failed, and
/// silence past its lease. Between them it does honest work, so it is not quarantined for long.
/// Runs on a thread of its own until stopped; survives coordinator restarts (it re-announces).
final class MisbehavingWorker: @unchecked Sendable {
    enum Trick: CaseIterable { case honestBurst, garbage, honest, late, honestAgain, silence }

    private let endpoint: String
    private let stopFlag = LockedBox(false)
    private let finished = DispatchSemaphore(value: 0)
    let tricksPlayed = LockedBox<[Trick: Int]>([:])

    struct NoFaces: FaceFinder {
        func detect(_ frame: VideoFrame) throws(MediaError) -> [Detection] { [] }
    }

    init(endpoint: String) {
        self.endpoint = endpoint
        Thread { [self] in run(); finished.signal() }.start()
    }

    func stop() {
        stopFlag.withLock { $0 = true }
        finished.wait()
    }

    private var hello: WireMessage {
        .hello(WorkerHello(name: "misbehaving", software: "redactfarm \(RedactFarmVersion.current)",
                           models: ModelRole.pinnedMap([.face]), cores: 1, slots: 1, credit: 1))
    }

    private func connect(_ context: ZMQContext) throws -> ZMQSocket {
        let socket = try ZMQSocket(context, .dealer)
        try socket.set(ZMQ_ROUTING_ID, "misbehaving/\(UInt32.random(in: 0...UInt32.max))")
        try socket.connect(endpoint)
        try socket.send(WireCodec.encode(hello))
        return socket
    }

    private func run() {
        guard let context = try? ZMQContext(), var socket = try? connect(context) else { return }
        let runner = SegmentTaskRunner(makeDetectors: TestDetectors.faces(NoFaces()))
        var turn = 0
        var late: WireMessage?
        var lastBeat: UInt64 = 0
        while !stopFlag.withLock({ $0 }) {
            if MonotonicClock.since(lastBeat) >= 500 {
                try? socket.send(WireCodec.encode(.heartbeat([])), dontWait: true)
                lastBeat = MonotonicClock.now
            }
            guard let frames = try? socket.receive(timeoutMilliseconds: 100), let message = try? WireCodec.decode(frames) else { continue }
            switch message {
            case .announceAgain:
                try? socket.send(WireCodec.encode(hello), dontWait: true)
            case .task(let task, let segment):
                if let old = late {  // the result of an attempt it said had failed, now
                    try? socket.send(WireCodec.encode(old), dontWait: true)
                    late = nil
                }
                let trick = Trick.allCases[turn % Trick.allCases.count]
                turn += 1
                tricksPlayed.withLock { $0[trick, default: 0] += 1 }
                let outcome = runner.run(task, segment: segment, onFrameStep: {})
                guard case .result(let result, let output, let coverage) = outcome else {
                    try? socket.send(WireCodec.encode(outcome), dontWait: true)
                    continue
                }
                switch trick {
                case .honest, .honestAgain:
                    try? socket.send(WireCodec.encode(outcome), dontWait: true)
                case .honestBurst:
                    for _ in 0..<8 { try? socket.send(WireCodec.encode(outcome), dontWait: true) }
                case .garbage:
                    try? socket.send(WireCodec.encode(.result(result, segment: output.reversed(), coverage: coverage)), dontWait: true)
                case .late:
                    try? socket.send(WireCodec.encode(.failure(task.id, .transient, reason: "scripted failure")), dontWait: true)
                    late = outcome
                case .silence:
                    // Not a word past the lease (the coordinator's liveness is 3 s), then back
                    // as a new connection.
                    let until = MonotonicClock.now + 4500
                    while MonotonicClock.now < until, !stopFlag.withLock({ $0 }) { _ = try? socket.receive(timeoutMilliseconds: 100) }
                    guard let fresh = try? connect(context) else { return }
                    socket = fresh
                }
            case .welcome, .heartbeat, .cancel, .refuse, .hello, .result, .failure, .bye, .drain:
                continue
            }
        }
    }
}
