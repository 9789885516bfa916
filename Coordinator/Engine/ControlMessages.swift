import Foundation
import RedactCore

/// The control channel between clients (`submit`, `status`, `cancel`, `jobs`, `workers`) and
/// the coordinator, version 1: a two-frame message, a header (`RFCP`, version) and a JSON
/// body (docs/protocol.md). Control traffic is small and rare, so JSON keeps it readable.
public enum ControlCodec {
    public static let header: [UInt8] = Array("RFCP".utf8) + [1]
    public static let maxBodyBytes = 4 << 20

    public static func encode<T: Encodable>(_ value: T) -> [[UInt8]] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [header, Array((try? encoder.encode(value)) ?? Data("{}".utf8))]
    }

    public static func decode<T: Decodable>(_ type: T.Type, _ frames: [[UInt8]]) throws(ProtocolError) -> T {
        guard frames.count == 2, frames[0] == header else { throw ProtocolError("not a RedactFarm control message (bad header)") }
        guard frames[1].count <= maxBodyBytes else { throw ProtocolError("control message of \(frames[1].count) bytes is too large") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(frames[1]))
        } catch {
            throw ProtocolError("malformed control message: \(error)")
        }
    }
}

public struct ControlRequest: Codable, Sendable {
    public enum Operation: String, Codable, Sendable { case submit, status, cancel, workers, drain, prioritize }
    public var op: Operation
    public var job: String?
    public var submit: SubmitRequest?
    /// The worker to drain (its name, as `workers` lists it).
    public var worker: String?
    /// The job's new priority (`prioritize`).
    public var priority: Int?

    public init(op: Operation, job: String? = nil, submit: SubmitRequest? = nil, worker: String? = nil, priority: Int? = nil) {
        self.op = op
        self.job = job
        self.submit = submit
        self.worker = worker
        self.priority = priority
    }
}

/// What to redact and where to put it. Paths are as the coordinator sees them (a shared
/// file system, or the same machine); directories and glob patterns are expanded there.
public struct SubmitRequest: Codable, Sendable {
    public var inputs: [String]
    /// A folder (each output keeps its input's name) or, with `outputIsFile`, the output file
    /// for a single input.
    public var output: String
    public var outputIsFile: Bool
    public var overwrite: Bool
    public var options: JobOptions
    /// Higher goes first; absent is 0.
    public var priority: Int?

    public init(inputs: [String], output: String, outputIsFile: Bool = false, overwrite: Bool = false, options: JobOptions, priority: Int? = nil) {
        self.inputs = inputs
        self.output = output
        self.outputIsFile = outputIsFile
        self.overwrite = overwrite
        self.options = options
        self.priority = priority
    }
}

public struct ControlResponse: Codable, Sendable {
    public var ok: Bool
    public var error: String?
    public var job: String?
    public var status: FarmStatus?

    public static func failure(_ reason: String) -> ControlResponse { ControlResponse(ok: false, error: reason) }
}

/// What `status`, `watch`, `jobs` and `workers` show, and what the coordinator publishes on
/// its event socket.
public struct FarmStatus: Codable, Sendable, Equatable {
    public var jobs: [JobStatus]
    public var workers: [WorkerStatus]
    /// Frames per second over the last 20 seconds, the whole farm.
    public var framesPerSecond: Double
}

public struct JobStatus: Codable, Sendable, Equatable {
    public var id: String
    public var state: JobState
    public var createdAt: Double
    /// Timeline (seconds since 1970): first segment dispatched, last attempt ended, job ended.
    public var firstDispatchAt: Double?
    public var lastResultAt: Double?
    public var finishedAt: Double?
    public var files: [FileStatus]
    /// Higher goes first (absent from coordinators before priorities).
    public var priority: Int? = nil

    public var framesDone: Int { files.reduce(0) { $0 + $1.framesDone } }
    public var frameCount: Int { files.reduce(0) { $0 + $1.frameCount } }
    /// How far the job is, 0…1: the mean of its files' shares, an ended file (done, failed
    /// or cancelled) counting whole and one not yet split as nothing. Unlike frames over
    /// frames it never goes back when a file's frame count becomes known.
    public var fractionDone: Double {
        guard !files.isEmpty else { return state.isFinal ? 1 : 0 }
        return files.reduce(0) { sum, f in
            sum + (f.state.isFinal ? 1 : f.frameCount > 0 ? Double(f.framesDone) / Double(f.frameCount) : 0)
        } / Double(files.count)
    }
}

public struct FileStatus: Codable, Sendable, Equatable {
    public var id: Int64
    public var input: String
    public var output: String
    public var state: FileState
    public var frameCount: Int
    public var framesDone: Int
    public var segments: Int
    public var segmentsDone: Int
    public var segmentsRunning: Int
    public var segmentsQueued: Int
    public var error: String?
    public var outputSHA256: String?
    /// Why its queued segments wait (no connected worker holds a model its job needs).
    public var waiting: String? = nil
}

public struct WorkerStatus: Codable, Sendable, Equatable {
    public var name: String
    public var connection: String
    public var state: String
    public var cores: Int
    public var slots: Int
    public var credit: Int
    public var tasks: [String]
    public var segmentsDone: Int
    public var framesDone: Int
    /// Frames per second while busy.
    public var framesPerSecond: Double
    public var connectedSeconds: Double
    /// Why it gets no new work for now, when it failed too often in a row.
    public var quarantine: String?
    /// The model roles it holds (absent from coordinators before capability routing).
    public var models: [String]? = nil
    /// Its inference engine, version, device and the precisions it can run.
    public var inference: String? = nil
    /// The machine it runs on and its software ("redactfarm 0.1.0").
    public var host: String? = nil
    /// The IP address it connected from (TCP; absent over ipc and inproc).
    public var address: String? = nil
    public var software: String? = nil
    /// Seconds since the coordinator last heard from it (a heartbeat, a result).
    public var lastHeardSeconds: Double? = nil
}
