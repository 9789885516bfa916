import CFFmpeg
import Foundation

/// `redactfarm split`: cuts the video stream into GOP-aligned segments by stream copy, in one
/// pass, holding in memory only the segment being built and the GOP before it (a possible
/// decode prefix). Other streams are not split; stitch copies them from the source.
public enum Splitter {
    /// `carryContext`: every segment after the first carries the previous GOP (see
    /// `SegmentPlanner.alwaysCarryPreviousGOP`).
    public static func split(input path: String, segmentSeconds: Double, into directory: String, carryContext: Bool = false,
                             progress: ((Double) -> Void)? = nil) throws(MediaError) -> SegmentPlan {
        guard segmentSeconds > 0, segmentSeconds.isFinite else {
            throw MediaError(path: path, reason: "segment length must be a positive number of seconds")
        }
        let input = try MediaInput(path: path)
        let scan = try VideoScan(input: input)
        let folder = try OutputFolder(path: directory)
        do {
            let plan = try run(input: input, scan: scan, segmentSeconds: segmentSeconds, carryContext: carryContext,
                               folder: folder, progress: progress)
            folder.keep()
            return plan
        } catch {
            throw MediaError(path: error.path.isEmpty ? path : error.path, reason: error.reason)
        }
    }

    private static func run(input: MediaInput, scan: VideoScan, segmentSeconds: Double, carryContext: Bool, folder: OutputFolder,
                            progress: ((Double) -> Void)?) throws(MediaError) -> SegmentPlan {
        // The source is hashed on another thread while it is demuxed: the two passes read
        // the same pages and, with a core to spare, cost one.
        let inputPath = input.path
        let inputHash = BackgroundJob { () throws(MediaError) in try SHA256Hex.ofFile(at: inputPath) }
        let tb = scan.timeBase
        let totalDuration = Double(input.context.pointee.duration) / Double(AV_TIME_BASE)
        var layout = SegmentLayout(targetSeconds: segmentSeconds, timeBase: tb, alwaysCarryPreviousGOP: carryContext)
        var accumulator = GOPAccumulator()
        var gopPackets: [EncodedPacket] = []
        var previousGOPPackets: [EncodedPacket] = []
        var building: SegmentFile? = nil
        var records: [SegmentPlan.SegmentRecord] = []
        // A finished segment is serialised, hashed and written on another thread while the
        // next one is demuxed; at most one write is in flight.
        var writing: BackgroundJob<SegmentPlan.SegmentRecord>? = nil
        var flushed = 0
        // On failure, let an in-flight write land before the folder is cleaned up.
        defer { _ = try? writing?.result() }

        func collectWrite() throws(MediaError) {
            guard let job = writing else { return }
            writing = nil
            let record = try job.result()
            records.append(record)
            if totalDuration > 0 { progress?(min(1, Double(record.ptsLast) * tb.doubleValue / totalDuration)) }
        }
        func flush() throws(MediaError) {
            // The layout may already hold the next segment: the one being flushed is the
            // first not yet handed to the writer.
            guard let segment = building, flushed < layout.segments.count else { return }
            let draft = layout.segments[flushed]
            flushed += 1
            try collectWrite()
            writing = BackgroundJob { () throws(MediaError) in try write(segment, draft: draft, timeBase: tb, in: folder) }
        }
        func place(_ gop: GOPSummary, isLast: Bool) throws(MediaError) {
            switch layout.add(gop, isLast: isLast) {
            case .startSegment(let withPrefix):
                try flush()
                let prefix = withPrefix ? previousGOPPackets : []
                building = SegmentFile(codec: scan.codec, timeBase: tb, decodePrefixCount: prefix.count,
                                       packets: prefix + gopPackets)
            case .append:
                building!.packets += gopPackets
            }
            previousGOPPackets = gopPackets
            gopPackets = []
        }

        try scan.run { (packet, info) throws(MediaError) in
            if let completed = accumulator.add(info) { try place(completed, isLast: false) }
            gopPackets.append(packet)
        }
        if let last = accumulator.finish() { try place(last, isLast: true) }
        try flush()
        try collectWrite()

        let inputSHA = try inputHash.result()
        let st = input.stream(scan.streamIndex)
        let report = StreamReport(st)
        let size = (try? FileManager.default.attributesOfItem(atPath: input.path)[.size] as? Int64) ?? 0
        let plan = SegmentPlan(
            formatVersion: SegmentPlan.formatVersion,
            software: "redactfarm \(RedactFarmVersion.current)",
            input: .init(path: URL(fileURLWithPath: input.path).standardizedFileURL.path, sha256: inputSHA, sizeBytes: size, container: input.formatName,
                         muxer: try ContainerFormat.muxerName(for: input)),
            video: .init(streamIndex: scan.streamIndex, codec: report.codec, width: report.width ?? 0,
                         height: report.height ?? 0, pixelFormat: report.pixelFormat ?? "unknown", timeBase: tb,
                         colorRange: report.colorRange ?? "unknown", colorPrimaries: report.colorPrimaries ?? "unknown",
                         colorTransfer: report.colorTransfer ?? "unknown", colorSpace: report.colorSpace ?? "unknown",
                         rotationDegrees: report.rotationDegrees, averageFrameRate: report.averageFrameRate),
            targetSegmentSeconds: segmentSeconds,
            frameCount: records.reduce(0) { $0 + $1.frameCount },
            segments: records)
        try PlanStore.write(plan, to: folder.path)
        return plan
    }

    private static func write(_ segment: SegmentFile, draft: SegmentLayout.Segment, timeBase: Rational,
                              in folder: OutputFolder) throws(MediaError) -> SegmentPlan.SegmentRecord {
        let name = String(format: "seg-%05d.%@", draft.index, SegmentFile.fileExtension)
        let (byteSize, sha) = try folder.write(segment, named: name)
        return .init(index: draft.index, file: name, sha256: sha, byteSize: byteSize,
                     packetCount: segment.packets.count, decodePrefixPackets: segment.decodePrefixCount,
                     frameCount: segment.ownedPackets.count, ptsFirst: draft.ptsFirst, ptsLast: draft.ptsLast,
                     timeBase: timeBase, startSeconds: Double(draft.ptsFirst) * timeBase.doubleValue,
                     keyframe: draft.keyframe, output: nil)
    }
}

/// The folder split writes into. It must be new or empty, so a plan never mixes with stale
/// segments; if the split fails, everything it wrote (and the folder, if it made it) goes.
final class OutputFolder: @unchecked Sendable {
    let path: String
    private let created: Bool
    // Appended to by the writer thread; read only after every write has been collected.
    private var written: [String] = []
    private let lock = NSLock()
    private var kept = false

    init(path: String) throws(MediaError) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw MediaError(path: path, reason: "exists and is not a folder") }
            let contents = (try? fm.contentsOfDirectory(atPath: path)) ?? []
            guard contents.isEmpty else {
                throw MediaError(path: path, reason: "output folder is not empty; choose a new or empty folder")
            }
            created = false
        } else {
            do {
                try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw MediaError(path: path, reason: "cannot create the output folder (\(Self.reason(error)))")
            }
            created = true
        }
        guard fm.isWritableFile(atPath: path) else { throw MediaError(path: path, reason: "output folder is not writable") }
        self.path = path
    }

    func write(_ segment: SegmentFile, named name: String) throws(MediaError) -> (byteSize: Int, sha256: String) {
        let target = path + "/" + name
        lock.withLock { written.append(target) }
        // Not flushed one by one: plan.json, written last and flushed, pins each segment by
        // SHA-256, so a segment torn by a power cut is refused when used, never trusted.
        return try segment.write(to: target, durable: false)
    }

    func keep() { kept = true }

    deinit {
        guard !kept else { return }
        for file in written { unlink(file) }
        if created { rmdir(path) }
    }

    private static func reason(_ error: Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}

/// Reads and writes plan.json.
public enum PlanStore {
    public static func write(_ plan: SegmentPlan, to directory: String) throws(MediaError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let path = directory + "/" + SegmentPlan.fileName
        guard let data = try? encoder.encode(plan) else { throw MediaError(path: path, reason: "cannot encode the plan") }
        try AtomicOutput.write(Array(data), to: path)
    }

    public static func read(directory: String) throws(MediaError) -> SegmentPlan {
        let path = directory + "/" + SegmentPlan.fileName
        let bytes = try FileBytes.read(path)
        let plan: SegmentPlan
        do {
            plan = try JSONDecoder().decode(SegmentPlan.self, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, _) {
            throw MediaError(path: path, reason: "not a valid segment plan (missing \(key.stringValue))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw MediaError(path: path, reason: "not a valid segment plan (bad value at \(field))")
        } catch {
            throw MediaError(path: path, reason: "not a valid segment plan (not JSON)")
        }
        guard plan.formatVersion == SegmentPlan.formatVersion else {
            throw MediaError(path: path, reason: "plan format version \(plan.formatVersion) is not supported (this is \(SegmentPlan.formatVersion))")
        }
        return plan
    }
}
