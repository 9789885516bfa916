import CFFmpeg
import Foundation
import RedactSupport

/// `redactfarm split`: cuts the video stream into GOP-aligned segments by stream copy, in one
/// pass, holding in memory only the segment being built and the GOP before it (a possible
/// decode prefix). Other streams are not split; stitch copies them from the source.
public enum Splitter {
    /// `carryContext`: every segment after the first carries the previous GOP (see
    /// `SegmentPlanner.alwaysCarryPreviousGOP`), and every segment before the last carries
    /// the first `lookAheadFrames` frames after it, so a worker can look both ways across each
    /// cut.
    /// `onSegment` sees each segment as soon as it is on disk, with the plan's header (final
    /// but for the input's hash and frame count, and with no segments: handing over the list
    /// so far each time would copy it, quadratic in a file's segments), so work can start on
    /// a file before it is fully split.
    /// `acceptDamage`: see `VideoScan` (`--accept-damage`).
    public static func split(input path: String, segmentSeconds: Double, frameRate: Rational? = nil, into directory: String, carryContext: Bool = false,
                             acceptDamage: Bool = false,
                             progress: ((Double) -> Void)? = nil,
                             onSegment: ((SegmentPlan.SegmentRecord, _ header: SegmentPlan) -> Void)? = nil) throws(MediaError) -> SegmentPlan {
        guard segmentSeconds > 0, segmentSeconds.isFinite else {
            throw MediaError(path: path, reason: "segment length must be a positive number of seconds")
        }
        let input = try MediaInput(path: path, frameRate: frameRate)
        let streams = try input.videoStreams()
        let folder = try OutputFolder(path: directory)
        do {
            let plan = try run(input: input, streams: streams, frameRate: frameRate, segmentSeconds: segmentSeconds,
                               carryContext: carryContext, acceptDamage: acceptDamage, folder: folder,
                               progress: progress, onSegment: onSegment)
            folder.keep()
            return plan
        } catch {
            throw MediaError(path: error.path.isEmpty ? path : error.path, reason: error.reason)
        }
    }

    /// Cuts each of `streams` in turn: a pass over the file per video stream, so memory
    /// holds one segment of one stream, as for a file with one.
    private static func run(input: MediaInput, streams: [Int], frameRate: Rational?, segmentSeconds: Double, carryContext: Bool,
                            acceptDamage: Bool, folder: OutputFolder, progress: ((Double) -> Void)?,
                            onSegment: ((SegmentPlan.SegmentRecord, SegmentPlan) -> Void)?) throws(MediaError) -> SegmentPlan {
        // The source is hashed on another thread while it is demuxed: the two passes read
        // the same pages and, with a core to spare, cost one.
        let inputPath = input.path
        let inputHash = BackgroundJob { () throws(MediaError) in try SHA256Hex.ofFile(at: inputPath) }
        let share = { (n: Int) in progress.map { report in { (done: Double) in report((Double(n) + done) / Double(streams.count)) } } }
        let firstScan = try VideoScan(input: input, stream: streams[0], acceptDamage: acceptDamage)
        let first = try run(scan: firstScan, header: try planHeader(input: input, video: videoRecord(firstScan), segmentSeconds: segmentSeconds),
                            firstIndex: 0, segmentSeconds: segmentSeconds, carryContext: carryContext, folder: folder,
                            progress: share(0), onSegment: onSegment)
        var plan = first.header
        var segments = first.segments
        for (n, stream) in streams.enumerated().dropFirst() {
            let scan = try VideoScan(input: try MediaInput(path: input.path, frameRate: frameRate), stream: stream, acceptDamage: acceptDamage)
            plan.otherVideo = (plan.otherVideo ?? []) + [videoRecord(scan)]
            let cut = try run(scan: scan, header: plan, firstIndex: segments.count, segmentSeconds: segmentSeconds,
                              carryContext: carryContext, folder: folder, progress: share(n), onSegment: onSegment)
            plan = cut.header
            segments += cut.segments
        }
        plan.input.sha256 = try inputHash.result()
        plan.frameCount = segments.reduce(0) { $0 + $1.frameCount }
        plan.segments = segments
        try PlanStore.write(plan, to: folder.path)
        return plan
    }

    /// How many frames after its end a segment cut with `carryContext` lets a worker see:
    /// two full-frame detection passes of the default profile (every 12th frame) and one.
    public static let lookAheadFrames = 25

    /// Cuts `scan`'s stream into segments numbered from `firstIndex`; `header` lists the
    /// stream's record last. Returns the header as the stream left it (whether it can be
    /// copied is known after its first keyframe) and the stream's segments.
    private static func run(scan: VideoScan, header: SegmentPlan, firstIndex: Int, segmentSeconds: Double, carryContext: Bool, folder: OutputFolder,
                            progress: ((Double) -> Void)?,
                            onSegment: ((SegmentPlan.SegmentRecord, SegmentPlan) -> Void)?) throws(MediaError) -> (header: SegmentPlan, segments: [SegmentPlan.SegmentRecord]) {
        let input = scan.input
        let tb = scan.timeBase
        var plan = header
        // The stream's record is the header's last.
        var video = plan.videoStreams.last!
        precondition(video.streamIndex == scan.streamIndex)
        let stream = plan.segmentStream(scan.streamIndex)
        let totalDuration = Double(input.context.pointee.duration) / Double(AV_TIME_BASE)
        var layout = SegmentLayout(targetSeconds: segmentSeconds, timeBase: tb, alwaysCarryPreviousGOP: carryContext,
                                    declaredEndPts: scan.declaredEndPts)
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
            onSegment?(record, plan)
            if totalDuration > 0 { progress?(min(1, Double(record.ptsLast) * tb.doubleValue / totalDuration)) }
        }
        // With `carryContext`, a complete segment waits here until enough of what follows
        // it (never more than the next segment) has been read for its look-ahead.
        var awaiting: (segment: SegmentFile, draft: SegmentLayout.Segment, following: [EncodedPacket])? = nil

        func startWrite(_ segment: SegmentFile, _ draft: SegmentLayout.Segment) throws(MediaError) {
            try collectWrite()
            writing = BackgroundJob { () throws(MediaError) in
                try write(segment, draft: draft, index: firstIndex + draft.index, stream: stream, timeBase: tb, in: folder)
            }
        }
        func finishAwaiting() throws(MediaError) {
            guard let (complete, draft, following) = awaiting else { return }
            awaiting = nil
            var segment = complete
            let lookAhead = leadingFrames(of: following, count: lookAheadFrames)
            segment.packets += lookAhead
            segment.contextSuffixCount = lookAhead.count
            try startWrite(segment, draft)
        }
        func flush() throws(MediaError) {
            // The layout may already hold the next segment: the one being flushed is the
            // first not yet handed to the writer.
            guard let segment = building, flushed < layout.segments.count else { return }
            let draft = layout.segments[flushed]
            flushed += 1
            try finishAwaiting()
            if carryContext {
                awaiting = (segment, draft, [])
            } else {
                try startWrite(segment, draft)
            }
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
            if awaiting != nil {
                awaiting!.following += gopPackets
                // Whole GOPs always decode to a run of frames with nothing missing.
                if awaiting!.following.count >= lookAheadFrames { try finishAwaiting() }
            }
            previousGOPPackets = gopPackets
            gopPackets = []
        }

        try scan.run { (packet, info) throws(MediaError) in
            if video.copying == nil, packet.isKeyframe {
                video.copying = SegmentCopying.decide(source: scan.codec, muxer: plan.input.muxer, firstKeyframe: packet.data)
                plan.replaceVideo(video)
            }
            if let completed = accumulator.add(info) { try place(completed, isLast: false) }
            gopPackets.append(packet)
        }
        if let last = accumulator.finish() { try place(last, isLast: true) }
        try flush()
        // The last segment has nothing after it to look at.
        try finishAwaiting()
        try collectWrite()
        return (plan, records)
    }

    /// The shortest run of `packets` (whole GOPs), from their start in decode order, that
    /// decodes to exactly their earliest frames in presentation order, at least `count` of
    /// them (or all): with B-frames, the first packets in decode order are not the first
    /// frames shown.
    static func leadingFrames(of packets: [EncodedPacket], count: Int) -> [EncodedPacket] {
        let sorted = packets.map(\.pts).sorted()
        var latest = Int64.min
        for (i, p) in packets.enumerated() {
            latest = max(latest, p.pts)
            if i + 1 >= count, latest == sorted[i] { return Array(packets[...i]) }
        }
        return packets
    }

    /// Everything about the plan that is known before the first packet is read.
    private static func planHeader(input: MediaInput, video: SegmentPlan.VideoRecord, segmentSeconds: Double) throws(MediaError) -> SegmentPlan {
        SegmentPlan(
            formatVersion: SegmentPlan.formatVersion,
            software: "redactfarm \(RedactFarmVersion.current)",
            input: .init(path: URL(fileURLWithPath: input.path).standardizedFileURL.path, sha256: "", sizeBytes: FileBytes.size(of: input.path),
                         container: input.formatName, muxer: try ContainerFormat.muxerName(for: input)),
            video: video, targetSegmentSeconds: segmentSeconds, frameCount: 0, segments: [])
    }

    /// What the plan records of `scan`'s stream before its first packet is read.
    private static func videoRecord(_ scan: VideoScan) -> SegmentPlan.VideoRecord {
        let report = StreamReport(scan.input.stream(scan.streamIndex))
        var video = SegmentPlan.VideoRecord(
            streamIndex: scan.streamIndex, codec: report.codec, width: report.width ?? 0,
            height: report.height ?? 0, pixelFormat: report.pixelFormat ?? "unknown", timeBase: scan.timeBase,
            colorRange: report.colorRange ?? "unknown", colorPrimaries: report.colorPrimaries ?? "unknown",
            colorTransfer: report.colorTransfer ?? "unknown", colorSpace: report.colorSpace ?? "unknown",
            rotationDegrees: report.rotationDegrees, averageFrameRate: report.averageFrameRate,
            constantFrameRate: report.constantFrameRate)
        if let retimed = scan.order?.retimedFrames, retimed > 0 { video.retimedFrames = retimed }
        return video
    }

    private static func write(_ segment: SegmentFile, draft: SegmentLayout.Segment, index: Int, stream: Int?, timeBase: Rational,
                              in folder: OutputFolder) throws(MediaError) -> SegmentPlan.SegmentRecord {
        let name = String(format: "seg-%05d.%@", index, SegmentFile.fileExtension)
        let (byteSize, sha) = try folder.write(segment, named: name)
        return .init(index: index, file: name, sha256: sha, byteSize: byteSize,
                     packetCount: segment.packets.count, decodePrefixPackets: segment.decodePrefixCount,
                     frameCount: segment.shownPackets.count, ptsFirst: draft.ptsFirst, ptsLast: draft.ptsLast,
                     timeBase: timeBase, startSeconds: Double(draft.ptsFirst) * timeBase.doubleValue,
                     keyframe: draft.keyframe, output: nil, stream: stream)
    }
}
