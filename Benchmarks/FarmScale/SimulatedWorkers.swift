import Foundation
import CZMQ
import RedactCore

/// Workers that cost nothing: each is a real DEALER connection speaking the real protocol
/// (hello, heartbeats every second, results), answering every task at once with a valid
/// "copied" result (nothing to hide: no bytes, the input's hash, coverage listing every frame
/// with nothing on it), so the coordinator is the only thing being measured. Several threads
/// share the connections, each polling its share.
final class SimulatedWorkers: @unchecked Sendable {
    private let endpoint: String
    private let count: Int
    private let threads: Int
    private let lock = NSLock()
    private var stopped = false
    private(set) var results = 0
    /// Milliseconds from a result sent (a credit freed) to the next task on that connection.
    private(set) var turnarounds: [Double] = []
    private(set) var firstTaskAt: Date?
    private(set) var lastResultAt: Date?
    private var finished: [DispatchSemaphore] = []

    init(endpoint: String, count: Int, threads: Int) {
        self.endpoint = endpoint
        self.count = count
        self.threads = max(1, min(threads, count))
    }

    var resultCount: Int { lock.withLock { results } }

    func start(context: ZMQContext) throws {
        let perThread = (count + threads - 1) / threads
        for t in 0..<threads {
            let names = (t * perThread..<min(count, (t + 1) * perThread)).map { "sim-\($0)" }
            guard !names.isEmpty else { continue }
            var sockets: [ZMQSocket] = []
            for name in names {
                let socket = try ZMQSocket(context, .dealer)
                try socket.set(ZMQ_ROUTING_ID, name)
                try socket.connect(endpoint)
                let hello = WorkerHello(name: name, software: "redactfarm \(RedactFarmVersion.current)", models: ModelRole.pinnedMap([.face, .text]),
                                        inference: "simulated", precisions: ["f32", "bf16"], cores: 1, slots: 1, credit: 2)
                try socket.send(WireCodec.encode(.hello(hello)))
                sockets.append(socket)
            }
            let done = DispatchSemaphore(value: 0)
            finished.append(done)
            let mine = sockets
            let thread = Thread { [self] in
                self.serve(mine)
                done.signal()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    func stop() {
        lock.withLock { stopped = true }
        for done in finished { done.wait() }
    }

    private func serve(_ sockets: [ZMQSocket]) {
        var resultSentAt = [Double?](repeating: nil, count: sockets.count)
        var lastBeat = Date()
        var myTurnarounds: [Double] = []
        while !lock.withLock({ stopped }) {
            let ready = (try? ZMQPoller.poll(sockets, timeoutMilliseconds: 20)) ?? []
            for (i, isReady) in ready.enumerated() where isReady {
                while let frames = try? sockets[i].receive(timeoutMilliseconds: 0) {
                    guard case .task(let task, let bytes)? = try? WireCodec.decode(frames) else { continue }
                    let now = Date()
                    if let sent = resultSentAt[i] { myTurnarounds.append((now.timeIntervalSinceReferenceDate - sent) * 1000) }
                    lock.withLock { if firstTaskAt == nil { firstTaskAt = now } }
                    guard let segment = try? SegmentFile(bytes: bytes, path: "\(task.id)") else { continue }
                    let frames = segment.ownedPackets.map { ProcessedSegment.FrameCoverage(pts: $0.pts, covered: []) }
                    let coverage = (try? JSONEncoder().encode(frames)).map(Array.init) ?? []
                    let sha = SHA256Hex.of(bytes)
                    let result = TaskResult(id: task.id, inputSHA256: sha, outputSHA256: sha, frameCount: frames.count, detections: 0,
                                            milliseconds: 0, copied: true)
                    try? sockets[i].send(WireCodec.encode(.result(result, segment: [], coverage: coverage)), dontWait: true)
                    resultSentAt[i] = Date().timeIntervalSinceReferenceDate
                    lock.withLock {
                        results += 1
                        lastResultAt = Date()
                    }
                }
            }
            if Date().timeIntervalSince(lastBeat) >= 1 {
                lastBeat = Date()
                for socket in sockets { try? socket.send(WireCodec.encode(.heartbeat([])), dontWait: true) }
            }
        }
        for socket in sockets { try? socket.send(WireCodec.encode(.bye([])), dontWait: true) }
        lock.withLock { turnarounds += myTurnarounds }
    }
}
