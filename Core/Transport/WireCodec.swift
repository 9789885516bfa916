import RedactMedia
import RedactSupport

/// Why a message was refused. The broker logs it and drops the message; nothing a peer sends
/// can take the coordinator down.
public struct ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Encodes and decodes `WireMessage` (docs/protocol.md). Integers are little-endian; strings
/// and blobs carry a u32 length. Every read is bounds-checked and every length capped.
public enum WireCodec {
    public static let magic: [UInt8] = Array("RFWP".utf8)
    public static let version: UInt8 = 7
    /// Cap on frame 1; bulk data travels in frames of its own.
    public static let maxBodyBytes = 1 << 20
    static let maxStringBytes = 64 << 10

    public static func encode(_ message: WireMessage) -> [[UInt8]] {
        var body = BinaryWriter()
        var bulk: [[UInt8]] = []
        switch message {
        case .hello(let h):
            body.writeString(h.name)
            body.writeString(h.software)
            writeModels(h.models, to: &body)
            body.writeString(h.inference)
            body.write(UInt32(clamping: h.precisions.count))
            for p in h.precisions { body.writeString(p) }
            body.write(UInt32(clamping: h.cores))
            body.write(UInt32(clamping: h.slots))
            body.write(UInt32(clamping: h.credit))
            body.writeString(h.host)
        case .welcome(let w):
            body.write(UInt32(clamping: w.heartbeatMilliseconds))
            body.write(UInt32(clamping: w.livenessMilliseconds))
        case .refuse(let reason):
            body.writeString(reason)
        case .task(let t, let segment):
            write(t.id, to: &body)
            body.writeString(t.muxer)
            body.write(t.frameRate?.average.num ?? 0)
            body.write(t.frameRate?.average.den ?? 0)
            body.write(UInt8(t.frameRate?.isConstant == true ? 1 : 0))
            body.write(t.view.firstFramePts)
            body.write(UInt16(clamping: t.view.clockwiseRotation))
            body.write(t.firstTrackID)
            body.writeString(t.segmentSHA256)
            body.writeBlob(t.jobJSON)
            writeModels(t.models, to: &body)
            body.write(Int8(t.copyParameterSetID ?? -1))
            body.write(Int32(clamping: t.videoStream ?? -1))
            bulk = [segment]
        case .result(let r, let segment, let coverage):
            write(r.id, to: &body)
            body.writeString(r.inputSHA256)
            body.writeString(r.outputSHA256)
            body.write(UInt32(clamping: r.frameCount))
            body.write(UInt32(clamping: r.detections))
            body.write(UInt32(clamping: r.milliseconds))
            body.write(UInt8(r.copied ? 1 : 0))
            bulk = [segment, coverage]
        case .failure(let id, let kind, let reason):
            write(id, to: &body)
            body.write(kind.rawValue)
            body.writeString(reason)
        case .heartbeat(let tasks):
            body.write(UInt32(tasks.count))
            for t in tasks {
                write(t.id, to: &body)
                body.write(Int32(clamping: t.framesDone))
            }
        case .cancel(let id):
            write(id, to: &body)
        case .bye(let ids):
            body.write(UInt32(ids.count))
            for id in ids { write(id, to: &body) }
        case .announceAgain, .drain:
            break
        }
        return [magic + [version, message.kind.rawValue], body.bytes] + bulk
    }

    public static func decode(_ frames: [[UInt8]]) throws(ProtocolError) -> WireMessage {
        guard let header = frames.first else { throw ProtocolError("empty message") }
        guard header.count == 6, Array(header[0..<4]) == magic else { throw ProtocolError("not a RedactFarm work message (bad header)") }
        guard header[4] == version else { throw ProtocolError("protocol version \(header[4]) (this side speaks \(version))") }
        guard let kind = WireMessage.Kind(rawValue: header[5]) else { throw ProtocolError("unknown message type \(header[5])") }
        guard frames.count >= 2 else { throw ProtocolError("\(kind) message without a body") }
        let body = frames[1]
        guard body.count <= maxBodyBytes else { throw ProtocolError("\(kind) body of \(body.count) bytes exceeds \(maxBodyBytes)") }
        let expectedFrames = kind == .task ? 3 : kind == .result ? 4 : 2
        guard frames.count == expectedFrames else {
            throw ProtocolError("\(kind) message has \(frames.count) frames, expected \(expectedFrames)")
        }
        do {
            return try body.withUnsafeBytes { raw in
                var r = BinaryReader(raw)
                let message = try decodeBody(kind, &r, bulk: Array(frames.dropFirst(2)))
                guard r.isAtEnd else { throw ProtocolError("\(kind) body has \(r.remaining) trailing bytes") }
                return message
            }
        } catch let e as ProtocolError {
            throw e
        } catch {
            throw ProtocolError("\(kind) message is malformed: \(error)")
        }
    }

    /// At most this many models in a map: a role per detector, with room to grow.
    static let maxModels = 64

    /// A models map: u32 count, then (role: str, sha256: str) pairs sorted by role, so equal
    /// maps encode to equal bytes.
    private static func writeModels(_ models: [String: String], to body: inout BinaryWriter) {
        body.write(UInt32(clamping: models.count))
        for (role, sha) in models.sorted(by: { $0.key < $1.key }) {
            body.writeString(role)
            body.writeString(sha)
        }
    }

    private static func readModels(_ r: inout BinaryReader) throws -> [String: String] {
        let count = Int(try r.read(UInt32.self))
        guard count <= maxModels else { throw ProtocolError("a models map of \(count) entries (at most \(maxModels))") }
        var models: [String: String] = [:]
        for _ in 0..<count {
            let role = try r.readString(maxCount: 64), sha = try r.readString(maxCount: 128)
            guard models.updateValue(sha, forKey: role) == nil else { throw ProtocolError("model role \(role) appears twice") }
        }
        return models
    }

    private static func decodeBody(_ kind: WireMessage.Kind, _ r: inout BinaryReader, bulk: [[UInt8]]) throws -> WireMessage {
        switch kind {
        case .hello:
            let name = try r.readString(maxCount: maxStringBytes), software = try r.readString(maxCount: maxStringBytes)
            let models = try readModels(&r), inference = try r.readString(maxCount: maxStringBytes)
            let precisionCount = Int(try r.read(UInt32.self))
            guard precisionCount <= 16 else { throw ProtocolError("\(precisionCount) precisions in a hello (at most 16)") }
            let precisions = try (0..<precisionCount).map { _ in try r.readString(maxCount: 32) }
            let cores = Int(try r.read(UInt32.self)), slots = Int(try r.read(UInt32.self)), credit = Int(try r.read(UInt32.self))
            return .hello(WorkerHello(name: name, host: try r.readString(maxCount: maxStringBytes), software: software,
                                      models: models, inference: inference, precisions: precisions, cores: cores, slots: slots, credit: credit))
        case .welcome:
            return .welcome(Welcome(heartbeatMilliseconds: Int(try r.read(UInt32.self)), livenessMilliseconds: Int(try r.read(UInt32.self))))
        case .refuse:
            return .refuse(reason: try r.readString(maxCount: maxStringBytes))
        case .task:
            let id = try readID(&r)
            let muxer = try r.readString(maxCount: maxStringBytes)
            let num = try r.read(Int32.self), den = try r.read(Int32.self)
            let constant = try r.read(UInt8.self)
            guard constant <= 1 else { throw ProtocolError("a task's constant-frame-rate flag is \(constant) (0 or 1)") }
            let rate = den > 0 ? SourceFrameRate(average: Rational(num: num, den: den), isConstant: constant == 1) : nil
            let firstFramePts = try r.read(Int64.self), rotation = Int(try r.read(UInt16.self))
            guard [0, 90, 180, 270].contains(rotation) else { throw ProtocolError("a task's picture is turned \(rotation) degrees (0, 90, 180 or 270)") }
            var assignment = TaskAssignment(id: id, muxer: muxer, frameRate: rate,
                                            view: SourceView(firstFramePts: firstFramePts, clockwiseRotation: rotation),
                                            firstTrackID: try r.read(Int64.self), segmentSHA256: try r.readString(maxCount: maxStringBytes),
                                            jobJSON: try r.readBlob(maxCount: maxBodyBytes), models: try readModels(&r))
            let copyID = try r.read(Int8.self)
            guard (-1...31).contains(copyID) else { throw ProtocolError("a task's parameter set id is \(copyID) (0-31, or -1 for none)") }
            assignment.copyParameterSetID = copyID < 0 ? nil : Int(copyID)
            let stream = try r.read(Int32.self)
            guard stream >= -1 else { throw ProtocolError("a task's video stream is \(stream) (0 or more, or -1 for a file's only one)") }
            assignment.videoStream = stream < 0 ? nil : Int(stream)
            return .task(assignment, segment: bulk[0])
        case .result:
            var result = TaskResult(id: try readID(&r), inputSHA256: try r.readString(maxCount: maxStringBytes),
                                    outputSHA256: try r.readString(maxCount: maxStringBytes), frameCount: Int(try r.read(UInt32.self)),
                                    detections: Int(try r.read(UInt32.self)), milliseconds: Int(try r.read(UInt32.self)))
            let copied = try r.read(UInt8.self)
            guard copied <= 1 else { throw ProtocolError("a result's copied flag is \(copied) (0 or 1)") }
            result.copied = copied == 1
            return .result(result, segment: bulk[0], coverage: bulk[1])
        case .failure:
            let id = try readID(&r)
            guard let kind = FailureKind(rawValue: try r.read(UInt8.self)) else { throw ProtocolError("failure of an unknown kind") }
            return .failure(id, kind, reason: try r.readString(maxCount: maxStringBytes))
        case .heartbeat:
            let count = Int(try r.read(UInt32.self))
            guard count <= 1024 else { throw ProtocolError("heartbeat lists \(count) tasks") }
            return .heartbeat(try (0..<count).map { _ in TaskProgress(id: try readID(&r), framesDone: Int(try r.read(Int32.self))) })
        case .cancel:
            return .cancel(try readID(&r))
        case .bye:
            let count = Int(try r.read(UInt32.self))
            guard count <= 1024 else { throw ProtocolError("bye lists \(count) tasks") }
            return .bye(try (0..<count).map { _ in try readID(&r) })
        case .announceAgain:
            return .announceAgain
        case .drain:
            return .drain
        }
    }

    private static func write(_ id: TaskID, to w: inout BinaryWriter) {
        w.writeString(id.job)
        w.write(id.file)
        w.write(id.segment)
        w.write(id.attempt)
    }

    private static func readID(_ r: inout BinaryReader) throws -> TaskID {
        TaskID(job: try r.readString(maxCount: 256), file: try r.read(Int64.self), segment: try r.read(Int32.self), attempt: try r.read(Int32.self))
    }
}
