import Foundation
import RedactCore

/// A connected worker as the broker sees it. Workers need no configuration on the
/// coordinator: they are known from their `hello` until they say `bye` or go silent.
struct ConnectedWorker {
    /// The ZeroMQ routing id of this connection.
    let route: [UInt8]
    /// Which of the broker's work sockets it came in on.
    let socket: Int
    let hello: WorkerHello
    let connectedAt: UInt64
    var lastHeard: UInt64
    var tasks: [SegmentKey: TaskID] = [:]
    var progress: [TaskID: Int] = [:]
    var draining = false
    var segmentsDone = 0
    var framesDone = 0
    var busyMilliseconds = 0

    var freeCredit: Int { draining ? 0 : max(0, hello.credit - tasks.count) }

    func status(now: UInt64) -> WorkerStatus {
        WorkerStatus(name: hello.name, connection: String(decoding: route, as: UTF8.self),
                     state: draining ? "leaving" : tasks.isEmpty ? "idle" : "busy",
                     cores: hello.cores, slots: hello.slots, credit: hello.credit,
                     tasks: tasks.keys.sorted { ($0.file, $0.index) < ($1.file, $1.index) }.map(\.description),
                     segmentsDone: segmentsDone, framesDone: framesDone,
                     framesPerSecond: busyMilliseconds > 0 ? Double(framesDone) * 1000 / Double(busyMilliseconds) : 0,
                     connectedSeconds: Double(now - connectedAt) / 1000)
    }
}

/// Frames finished by the farm over a sliding window, for frames per second and ETA.
struct ThroughputMeter {
    private var samples: [(time: UInt64, frames: Int)] = []
    let windowMilliseconds: UInt64 = 20_000

    mutating func record(frames: Int, at now: UInt64) {
        if let last = samples.last, now - last.time < 500 { return }
        samples.append((now, frames))
        samples.removeAll { now - $0.time > windowMilliseconds }
    }

    func framesPerSecond(current frames: Int, at now: UInt64) -> Double {
        guard let first = samples.first, now > first.time else { return 0 }
        return Double(frames - first.frames) * 1000 / Double(now - first.time)
    }
}
