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
    /// The IP address it connected from (TCP only).
    var address: String? = nil
    let connectedAt: UInt64
    var lastHeard: UInt64
    /// Tasks it reported holding that are not its leases (see `Scheduler.Candidate.strays`).
    var strays: Set<TaskID> = []
    /// Tasks this coordinator told it to drop: never adopted back from a heartbeat that crossed
    /// the cancel on the way.
    var cancelled: Set<TaskID> = []
    var draining = false
    /// It said bye: it leaves as soon as it holds nothing (its last result may still be
    /// waiting for the turn's commit when the bye arrives).
    var saidBye = false
    var segmentsDone = 0
    var framesDone = 0
    var busyMilliseconds = 0
    /// What it offers the scheduler (`JobCapabilities.offered`), fixed by its hello.
    let offers: [String: String]

    init(route: [UInt8], socket: Int, hello: WorkerHello, address: String?, connectedAt: UInt64, lastHeard: UInt64) {
        self.route = route
        self.socket = socket
        self.hello = hello
        self.address = address
        self.connectedAt = connectedAt
        self.lastHeard = lastHeard
        offers = JobCapabilities.offered(models: hello.models, precisions: hello.precisions)
    }

    func status(now: UInt64, leases: [Lease], quarantine: String?) -> WorkerStatus {
        WorkerStatus(name: hello.name, connection: LogText.escaped(String(decoding: route, as: UTF8.self)),
                     state: draining ? "leaving" : quarantine != nil ? "quarantined" : leases.isEmpty ? "idle" : "busy",
                     cores: hello.cores, slots: hello.slots, credit: hello.credit,
                     tasks: leases.map(\.key.description),
                     segmentsDone: segmentsDone, framesDone: framesDone,
                     framesPerSecond: busyMilliseconds > 0 ? Double(framesDone) * 1000 / Double(busyMilliseconds) : 0,
                     connectedSeconds: Double(now - connectedAt) / 1000, quarantine: quarantine,
                     models: hello.models.keys.sorted(), inference: hello.inference,
                     host: hello.host, address: address, software: hello.software, lastHeardSeconds: Double(now - min(now, lastHeard)) / 1000)
    }
}
