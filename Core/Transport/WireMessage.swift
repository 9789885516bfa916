import Foundation
import RedactMedia

/// The work channel between the coordinator and its workers, version 6 (docs/protocol.md).
///
/// Every message is multipart: frame 0 is a six-byte header (`RFWP`, version, type), frame 1
/// a small binary body, and any bulk bytes (segments, coverage) follow as frames of their own
/// so they are never copied into or re-encoded inside the body.
public enum WireMessage: Equatable, Sendable {
    /// Worker → coordinator, first message on every (re)connection.
    case hello(WorkerHello)
    /// Coordinator → worker: accepted, with the timing both sides keep.
    case welcome(Welcome)
    /// Coordinator → worker: not accepted (wrong version or model); the worker stops.
    case refuse(reason: String)
    /// Coordinator → worker: one segment to redact; the payload is the `.rfseg` bytes.
    case task(TaskAssignment, segment: [UInt8])
    /// Worker → coordinator: the redacted segment and its per-frame coverage (JSON).
    case result(TaskResult, segment: [UInt8], coverage: [UInt8])
    /// Worker → coordinator: the task failed, with the reason.
    case failure(TaskID, FailureKind, reason: String)
    /// Both ways, every heartbeat interval. A worker lists what it holds and how far it is.
    case heartbeat([TaskProgress])
    /// Coordinator → worker: drop this task (its job was cancelled).
    case cancel(TaskID)
    /// Worker → coordinator: leaving; tasks it still holds go back to the queue.
    case bye([TaskID])
    /// Coordinator → worker: "I do not know you" (for example after a coordinator restart);
    /// the worker announces itself again.
    case announceAgain
    /// Coordinator → worker: an operator drained it (`redactfarm drain`): finish what you
    /// are running, hand back the rest, say bye and exit, as on SIGTERM.
    case drain

    public enum Kind: UInt8, Sendable, CaseIterable {
        case hello = 1, welcome, refuse, task, result, failure, heartbeat, cancel, bye, announceAgain, drain
    }

    public var kind: Kind {
        switch self {
        case .hello: .hello
        case .welcome: .welcome
        case .refuse: .refuse
        case .task: .task
        case .result: .result
        case .failure: .failure
        case .heartbeat: .heartbeat
        case .cancel: .cancel
        case .bye: .bye
        case .announceAgain: .announceAgain
        case .drain: .drain
        }
    }
}

/// Which attempt at which segment of which file of which job. Results are accepted once per
/// id; anything else (a duplicate, a superseded attempt, a cancelled job) is ignored.
public struct TaskID: Hashable, Sendable, CustomStringConvertible {
    public var job: String
    public var file: Int64
    public var segment: Int32
    public var attempt: Int32

    public init(job: String, file: Int64, segment: Int32, attempt: Int32) {
        self.job = job
        self.file = file
        self.segment = segment
        self.attempt = attempt
    }

    public var description: String { "\(job)/file \(file)/segment \(segment)/attempt \(attempt)" }
}

/// Whether another attempt can help. Redaction is deterministic: a segment that cannot be
/// decoded, redacted or encoded on one worker fails the same way on every other, so only
/// failures of the moment (a damaged transfer, memory) are worth retrying.
public enum FailureKind: UInt8, Codable, Sendable {
    case permanent = 1
    case transient = 2
}

public struct WorkerHello: Equatable, Sendable {
    public var name: String
    /// The machine the worker runs on, for the record (manifests name it).
    public var host: String
    public var software: String
    /// role → SHA-256 of every model the worker holds (`ModelRole`).
    public var models: [String: String]
    /// The inference engine, its version, device and the precisions it can run.
    public var inference: String
    /// The inference precisions it computes natively (`InferencePrecision` raw values).
    public var precisions: [String]
    public var cores: Int
    /// Segments processed at once.
    public var slots: Int
    /// Tasks the worker may hold at once: running plus prefetched.
    public var credit: Int

    public init(name: String, host: String = WorkerHello.thisHost, software: String, models: [String: String],
                inference: String = "", precisions: [String] = ["f32"], cores: Int, slots: Int, credit: Int) {
        self.name = name
        self.host = host
        self.software = software
        self.models = models
        self.inference = inference
        self.precisions = precisions
        self.cores = cores
        self.slots = slots
        self.credit = credit
    }
}

extension WorkerHello {
    public static var thisHost: String {
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        return String(cString: host)
    }
}

public struct Welcome: Equatable, Sendable {
    public var heartbeatMilliseconds: Int
    /// Silence after which the other side is taken for dead.
    public var livenessMilliseconds: Int

    public init(heartbeatMilliseconds: Int, livenessMilliseconds: Int) {
        self.heartbeatMilliseconds = heartbeatMilliseconds
        self.livenessMilliseconds = livenessMilliseconds
    }
}

public struct TaskAssignment: Equatable, Sendable {
    public var id: TaskID
    /// The stitched file's container (decides header placement and B-frames).
    public var muxer: String
    /// The source's: the re-encoded segments all state the same timing.
    public var frameRate: SourceFrameRate?
    /// How a viewer sees the file (zones are drawn in that view).
    public var view: SourceView
    public var firstTrackID: Int64
    public var segmentSHA256: String
    /// `RedactionJob` as JSON: identical bytes for every segment of a file.
    public var jobJSON: [UInt8]
    /// role → SHA-256 of the models the job's targets need; the worker checks it holds them.
    public var models: [String: String]
    /// Set when the file's segments with nothing to hide are copied from the source: the
    /// H.264 parameter set id re-encoded ones are written with (`SegmentCopying`).
    public var copyParameterSetID: Int?
    /// The source's video stream the segment is of (its index in the file): a box a reviewer
    /// drew on one camera of a file with several is drawn on that camera's frames only.
    /// nil: every box is drawn (a coordinator that does not say).
    public var videoStream: Int?

    public init(id: TaskID, muxer: String, frameRate: SourceFrameRate?, view: SourceView = SourceView(), firstTrackID: Int64,
                segmentSHA256: String, jobJSON: [UInt8], models: [String: String], copyParameterSetID: Int? = nil) {
        self.copyParameterSetID = copyParameterSetID
        self.id = id
        self.muxer = muxer
        self.frameRate = frameRate
        self.view = view
        self.firstTrackID = firstTrackID
        self.segmentSHA256 = segmentSHA256
        self.jobJSON = jobJSON
        self.models = models
    }
}

public struct TaskResult: Equatable, Sendable {
    public var id: TaskID
    public var inputSHA256: String
    public var outputSHA256: String
    public var frameCount: Int
    public var detections: Int
    public var milliseconds: Int
    /// Nothing in the segment is to be hidden: it goes into the output as the source's packets
    /// (no segment is sent back, and `outputSHA256` is the input's).
    public var copied: Bool

    public init(id: TaskID, inputSHA256: String, outputSHA256: String, frameCount: Int, detections: Int, milliseconds: Int,
                copied: Bool = false) {
        self.copied = copied
        self.id = id
        self.inputSHA256 = inputSHA256
        self.outputSHA256 = outputSHA256
        self.frameCount = frameCount
        self.detections = detections
        self.milliseconds = milliseconds
    }
}

public struct TaskProgress: Equatable, Sendable {
    public var id: TaskID
    /// Frames examined so far; -1 while the task waits its turn.
    public var framesDone: Int

    public init(id: TaskID, framesDone: Int) {
        self.id = id
        self.framesDone = framesDone
    }
}
