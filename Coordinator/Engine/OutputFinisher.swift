import Foundation
import RedactCore

/// Where a file's pieces live in the coordinator's state folder while it is in the farm.
public struct FileWorkArea: Sendable {
    public let directory: String
    private let trash: String

    public init(stateDirectory: String, fileID: Int64) {
        directory = stateDirectory + "/work/file-\(fileID)"
        trash = Self.trash(stateDirectory)
    }

    /// Where removed work areas wait to be deleted (emptied again on every start).
    public static func trash(_ stateDirectory: String) -> String { stateDirectory + "/trash" }

    public func outputSegmentName(_ record: SegmentPlan.SegmentRecord) -> String {
        record.file.replacingOccurrences(of: ".\(SegmentFile.fileExtension)", with: ".out.\(SegmentFile.fileExtension)")
    }

    public func coveragePath(_ index: Int) -> String { directory + String(format: "/seg-%05d.coverage.json", index) }

    /// Each segment's manifest record, spooled as the stitch writes the segment.
    public var manifestSegmentsPath: String { directory + "/manifest-segments.jsonl" }

    /// Each segment's frames as the detections sidecar will hold them, spooled likewise.
    public var detectionsSpoolPath: String { directory + "/detections.jsonl" }

    /// Takes the folder out of `work/` at once (a rename) and deletes it on a background
    /// queue: a file of 100,000 segments has as many files to unlink, which would hold the
    /// broker's thread for many seconds (long enough to take every worker for dead).
    public func remove() {
        try? FileManager.default.createDirectory(atPath: trash, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let doomed = trash + "/" + URL(fileURLWithPath: directory).lastPathComponent + "-" + UUID().uuidString
        guard rename(directory, doomed) == 0 else {
            try? FileManager.default.removeItem(atPath: directory)
            return
        }
        Self.deleter.async { try? FileManager.default.removeItem(atPath: doomed) }
    }

    private static let deleter = DispatchQueue(label: "redactfarm.work-area-deleter", qos: .utility)
}

/// The files written beside every output.
public enum OutputSidecars {
    public static func detectionsPath(_ output: String) -> String { output + ".detections.json" }
    public static func manifestPath(_ output: String) -> String { output + ".manifest.json" }

    /// Refuses an output whose file or sidecars exist: a signed manifest alone would be taken
    /// as the record of the new output.
    public static func refuseExisting(_ output: String) throws(MediaError) {
        for existing in [output, manifestPath(output), detectionsPath(output)] where FileManager.default.fileExists(atPath: existing) {
            throw MediaError(path: existing, reason: "already exists (pass --overwrite to replace it)")
        }
    }
}

/// The last step for a file: stitch the verified redacted segments with the source's other
/// streams, then write the detections sidecar and, last of all, the signed manifest. If any
/// step fails, the output and its sidecars are removed: nothing half-finished looks done.
struct OutputFinisher: Sendable {
    var jobID: String
    var input: String
    var output: String
    var area: FileWorkArea
    var plan: SegmentPlan
    /// Segments arrive here as they are accepted; the stitch runs alongside processing.
    var gate: SegmentGate
    var options: JobOptions
    var identity: FarmIdentity
    /// When the job was accepted, for the record.
    var startedAt: Date
    var auditor: LeakAudit.Runner?
    /// Redacts the file's cover art; a re-render gives the earlier output's instead.
    var pictureRedactor: CoverArtRedactor.Runner?
    var reusedPictures: [Int: RedactedPicture] = [:]
    /// A re-render's: the segments taken from the earlier output, what it was made from, and
    /// what its operator should know beside the usual notes.
    var reused: [Int: ReusedPayload] = [:]
    var rerender: RedactionManifest.Rerender?
    var extraNotes: [String] = []

    /// A reused segment's packets as the earlier output holds them.
    struct ReusedPayload: Sendable {
        var packets: Int
        var sha256: String
    }

    struct Finished: Sendable {
        var outputSHA256: String
        var frames: Int
    }

    func finish() throws(MediaError) -> Finished {
        do {
            return try stitchAndRecord()
        } catch {
            for path in [output, OutputSidecars.detectionsPath(output), OutputSidecars.manifestPath(output)] { unlink(path) }
            throw error
        }
    }

    /// A segment's frames and what was hidden in each, as its worker returned them.
    private func coverage(of index: Int) throws(MediaError) -> [ProcessedSegment.FrameCoverage] {
        let bytes = try FileBytes.read(area.coveragePath(index))
        guard let coverage = try? JSONDecoder().decode([ProcessedSegment.FrameCoverage].self, from: Data(bytes)) else {
            throw MediaError(path: area.coveragePath(index), reason: "detections of segment \(index) cannot be read")
        }
        return coverage
    }

    /// Each cover art stream's picture as it is to be written: redacted here, or the earlier
    /// output's for a re-render. Fails closed: a picture nobody could examine stops the file.
    private func pictures() throws(MediaError) -> [Int: RedactedPicture] {
        let media = try MediaInput(path: input)
        let streams = StreamPlan.decide(media, videos: Set(plan.videoStreams.map(\.streamIndex)), dropping: Set(options.dropStreams ?? []),
                                        audio: options.job.audio)
        var pictures: [Int: RedactedPicture] = [:]
        for entry in streams.entries where entry.action == .redactedPicture {
            if let reused = reusedPictures[entry.index] {
                pictures[entry.index] = reused
            } else if let pictureRedactor {
                pictures[entry.index] = try pictureRedactor(input, entry.index, options.job)
            } else {
                throw MediaError(path: input, reason: "stream \(entry.index) is cover art, and there is no face model here to examine it (--drop-streams cover leaves it out)")
            }
        }
        return pictures
    }

    private func stitchAndRecord() throws(MediaError) -> Finished {
        let gate = self.gate
        let pictures = try pictures()
        // Each segment's record goes to a spool on disk as the stitch writes the segment, and
        // the manifest is written from it at the end (the chain linked as they go): memory
        // does not grow with the file's length. Its frames are spooled for the sidecar alike.
        let spool = try ManifestSegmentSpool(path: area.manifestSegmentsPath)
        let sidecarFrames = try DetectionsSpool(path: area.detectionsSpoolPath)
        var counts = CoverageCounts()
        var chain = SegmentChain()
        var tally = CopyTally()
        let stitched = try Stitcher.stitch(plan: plan, directory: area.directory, output: output,
                                           arrivals: { (index) throws(MediaError) in try gate.waitFor(index).output },
                                           dropping: Set(options.dropStreams ?? []), audio: options.job.audio, pictures: pictures,
                                           written: { (written) throws(MediaError) in
            let segment = try record(written, arrival: gate.take(written.index))
            let frames = try coverage(of: written.index)
            let planned = plan.segments[written.index]
            // A further video stream's frames name it (their pts are in its time base).
            let named = planned.stream.map { stream in
                frames.map { frame in
                    var frame = frame
                    frame.stream = stream
                    return frame
                }
            }
            try sidecarFrames.append(named ?? frames, ofSegment: written.index)
            counts.add(frames, timeBase: planned.timeBase)
            tally.add(segment)
            let video = try plan.video(of: planned)
            let copyOffered = options.job.copiesUnchanged && video.copying?.parameterSetID != nil
            if copyOffered, segment.handling == "redacted", segment.copiedGOPs?.isEmpty != false,
               frames.allSatisfy({ $0.covered.isEmpty && [nil, FrameDamage.none].contains($0.damage) }),
               let kind = planned.keyframe, kind != .idr {
                tally.notCopiedForTheirKeyframe[kind.rawValue, default: 0] += 1
            }
            chain.add(segment)
            try spool.append(segment)
        })
        try spool.close()
        try sidecarFrames.close()
        guard spool.count == plan.segments.count else {
            throw MediaError(path: output, reason: "the stitch wrote \(spool.count) of the plan's \(plan.segments.count) segments")
        }
        try checkCopies(spool, tally: tally, in: stitched)
        try checkDecidedTracks()

        let detections = tally.detections
        let tracks = counts.tracks.count
        let withRedaction = counts.framesWithRedaction
        let software = "redactfarm \(RedactFarmVersion.current)"
        var report = RedactionReport(
            software: software, input: plan.input.path, inputSHA256: plan.input.sha256, output: stitched.output,
            outputSHA256: stitched.sha256, models: DetectorRegistry.models(for: options.job), job: options.job, timeBase: plan.video.timeBase,
            frames: counts.frames, segments: plan.segments.count, detections: detections, tracks: tracks,
            framesWithRedaction: withRedaction, perFrame: [])
        // Zones alone run no inference: nothing to name.
        let inference = DetectorRegistry.models(for: options.job).isEmpty ? nil : CenterFaceDetector.engine(options.job.detector.effectivePrecision)
        report.inference = inference
        if plan.otherVideo != nil {
            report.streamTimeBases = plan.videoStreams.dropFirst().map { .init(stream: $0.streamIndex, timeBase: $0.timeBase) }
        }
        let sidecarSHA256 = try DetectionsSidecar.write(to: OutputSidecars.detectionsPath(output), report: report, frames: sidecarFrames)

        var manifest = RedactionManifest(
            software: software, createdAt: Date(), job: jobID,
            input: .init(path: plan.input.path, sha256: plan.input.sha256, sizeBytes: plan.input.sizeBytes),
            output: .init(path: stitched.output, sha256: stitched.sha256, sizeBytes: stitched.sizeBytes),
            videoFrames: stitched.videoFrames, models: DetectorRegistry.models(for: options.job), parameters: options.job,
            segments: [], detections: .init(detections: detections, tracks: tracks, framesWithRedaction: withRedaction))
        manifest.segmentChain = chain.link
        manifest.inference = inference
        manifest.streams = stitched.streams
        manifest.chapters = stitched.chapters
        manifest.detectionsSHA256 = sidecarSHA256
        manifest.provenance = options.provenance
        manifest.segmentSeconds = options.segmentSeconds
        manifest.correctionsSHA256 = options.correctionsSHA256
        manifest.rerender = rerender
        manifest.startedAt = RedactionManifest.timestamp(startedAt)
        manifest.finishedAt = RedactionManifest.timestamp(Date())
        manifest.coordinatorHost = WorkerHello.thisHost
        // Every video stream's, when the file has several.
        let retimedCounts = plan.videoStreams.compactMap(\.retimedFrames)
        let retimed = retimedCounts.isEmpty ? nil : retimedCounts.reduce(0, +)
        manifest.damage = .init(policy: options.job.acceptsDamage ? "accept" : "fail",
                                concealedFrames: counts.concealed, substitutedFrames: counts.substituted,
                                retimedFrames: retimed)
        manifest.notes = notes(stitched, tally) + extraNotes
        if let retimed {
            manifest.notes = (manifest.notes ?? []) + [
                "the input's timing is damaged: \(retimed) frame(s) placed or timed by rule where the container's times contradict "
                + "the order its frames are shown in (--accept-damage; docs/timestamps.md)"]
        }
        if let first = counts.firstDamagedSeconds {
            manifest.notes = (manifest.notes ?? []) + [
                "the input is damaged: \(counts.concealed) frame(s) decoded with errors and redacted as decoded, \(counts.substituted) "
                + "not decodable and stood in for by the frame before (--accept-damage); the first at "
                + String(format: "%.3f s", first)]
        }
        if options.audit == true {
            guard let auditor else {
                throw MediaError(path: input, reason: "the job asks for an audit, but this coordinator has no face model to audit with")
            }
            // The audit compares every frame with what was hidden there: it needs them all, a
            // video stream at a time.
            var summaries: [AuditSummary] = []
            for video in plan.videoStreams {
                var perFrame: [ProcessedSegment.FrameCoverage] = []
                for position in plan.segmentPositions(ofStream: video.streamIndex) { perFrame += try coverage(of: position) }
                let stream = try plan.otherVideo == nil ? nil : auditedStream(video, in: stitched)
                summaries.append(try auditor(stitched.output, perFrame, video.timeBase, options.job, stream))
            }
            manifest.audit = AuditSummary.merged(summaries)
        }
        try SignedManifest.write(manifest, segments: spool, signedBy: identity, to: OutputSidecars.manifestPath(output))
        return Finished(outputSHA256: stitched.sha256, frames: stitched.videoFrames)
    }

    /// Where the audit finds `video` in the output, and the source stream its findings name
    /// (none for the first).
    private func auditedStream(_ video: SegmentPlan.VideoRecord, in stitched: StitchReport) throws(MediaError) -> (output: Int, source: Int?) {
        guard let index = stitched.streams.first(where: { $0.stream.index == video.streamIndex })?.outputIndex else {
            throw MediaError(path: output, reason: "video stream \(video.streamIndex) is not in the output")
        }
        return (index, plan.segmentStream(video.streamIndex))
    }

    /// A segment's manifest record, from its plan entry, its worker's result and what the
    /// stitch wrote (not what the worker proposed: the two must agree).
    private func record(_ written: WrittenSegment, arrival done: SegmentGate.Arrival) throws(MediaError) -> RedactionManifest.Segment {
        let record = plan.segments[written.index]
        guard record.index == written.index else {
            throw MediaError(path: output, reason: "the plan's segment \(written.index) is numbered \(record.index)")
        }
        var segment = RedactionManifest.Segment(index: record.index, inputSHA256: record.sha256, outputSHA256: done.output.sha256,
                                                frameCount: record.frameCount, ptsFirst: record.ptsFirst, ptsLast: record.ptsLast,
                                                timeBase: record.timeBase, worker: done.worker, workerHost: done.workerHost,
                                                detections: done.detections)
        segment.stream = record.stream
        guard done.output.isCopy == (written.copy != nil) else {
            throw MediaError(path: output, reason: "segment \(record.index) was to be \(done.output.isCopy ? "copied" : "re-encoded"), and the stitch did otherwise")
        }
        segment.handling = done.output.isCopy ? RedactionManifest.Segment.copied : RedactionManifest.Segment.redacted
        segment.copiedPayloadSHA256 = written.copy?.payloadSHA256
        segment.copiedPackets = written.copy?.packets
        if !done.output.isCopy, !written.copiedGOPs.isEmpty { segment.copiedGOPs = written.copiedGOPs }
        if let payload = reused[record.index] {
            guard !done.output.isCopy else { throw MediaError(path: output, reason: "segment \(record.index) is both reused and copied") }
            segment.handling = RedactionManifest.Segment.reused
            segment.reusedPayloadSHA256 = payload.sha256
            segment.reusedPackets = payload.packets
        }
        return segment
    }

    /// Read back from the written file: the copied segments' packets are the ones the stitch
    /// copied (a muxer that rewrote them, adding a NAL unit say, would make the claim untrue).
    private func checkCopies(_ segments: some ManifestSegments, tally: CopyTally, in stitched: StitchReport) throws(MediaError) {
        guard tally.segments + tally.reused + tally.gops > 0 else { return }
        for source in plan.videoStreams {
            guard let video = stitched.streams.first(where: { $0.stream.index == source.streamIndex && $0.stream.action == .redacted })?.outputIndex else {
                throw MediaError(path: output, reason: "the output has no video stream \(source.streamIndex) to hold its copied segments")
            }
            try checkCopies(segments, tally: tally, videoStream: video, of: plan.segmentStream(source.streamIndex))
        }
    }

    private func checkCopies(_ segments: some ManifestSegments, tally: CopyTally, videoStream video: Int, of stream: Int?) throws(MediaError) {
        if tally.segments + tally.gops > 0 {
            switch try CopiedSegmentCheck.firstCopyMismatch(in: output, videoStream: video, segments: segments, of: stream) {
            case .segment(let bad)?:
                throw MediaError(path: output, reason: "segment \(bad) was copied from the source, but the written file holds other bytes there")
            case .gop(let bad)?:
                throw MediaError(path: output, reason: "a GOP of segment \(bad.segment) (from its packet \(bad.firstPacket)) was copied from the source, but the written file holds other bytes there")
            case nil:
                break
            }
        }
        if tally.reused > 0, let bad = try CopiedSegmentCheck.firstReusedMismatch(in: output, videoStream: video, segments: segments, of: stream) {
            throw MediaError(path: output, reason: "segment \(bad) was to be the earlier output's packets, bit for bit, but the written file holds other bytes there")
        }
    }

    /// Each segment's processor checked the decisions on its own tracks; a decision on a
    /// track id no segment gives would otherwise go unnoticed.
    private func checkDecidedTracks() throws(MediaError) {
        let limit = plan.segments.count * TrackIDs.perSegment
        if let stray = options.job.corrections?.tracks.first(where: { $0.track >= limit }) {
            throw MediaError(path: input, reason: "the corrections decide track \(stray.track), which no segment of this file has (\(plan.segments.count) segment(s): tracks below \(limit))")
        }
    }

    /// What the operator should know that hid nothing less: the video leaving its codec, zones
    /// clipped at the picture's edge, streams left out on request.
    private func notes(_ stitched: StitchReport, _ tally: CopyTally) -> [String] {
        var notes: [String] = []
        let several = plan.otherVideo != nil
        for video in plan.videoStreams {
            let written = stitched.streams.first { $0.stream.index == video.streamIndex }?.writtenCodec
            if let written, let note = EncoderChoice.codecChangeNote(source: video.codec, written: written) {
                notes.append(several ? "video stream \(video.streamIndex): \(note)" : note)
            }
        }
        let copied = tally.segments
        if copied > 0 {
            notes.append("\(copied) of \(plan.segments.count) segments had nothing to hide and are the source's packets, byte for byte; the other \(plan.segments.count - copied) were redacted and re-encoded")
        }
        if tally.gops > 0 {
            notes.append("\(tally.gops) GOP(s) in \(tally.segmentsWithGOPs) redacted segment(s) had nothing to hide and are the source's packets, byte for byte (\(tally.gopFrames) frames); the rest of those segments was re-encoded")
        }
        // Nothing was hidden in them, yet they were re-encoded: the record says why.
        for (kind, count) in tally.notCopiedForTheirKeyframe.sorted(by: { $0.key < $1.key }) {
            notes.append("\(count) segment(s) in which nothing was hidden were re-encoded all the same: each opens with a \(kind) keyframe, not an IDR picture, and the leading pictures of such an open GOP lean on the segment before, which may be re-encoded")
        }
        if copied == 0, tally.gops == 0 {
            if options.job.reencodeAll == true {
                notes.append("every segment was re-encoded (--reencode-all)")
            } else if let reason = plan.video.copying?.unavailable {
                notes.append("every segment was re-encoded: \(reason)")
            }
        }
        if several {
            notes.append("the file has \(plan.videoStreams.count) video streams (\(plan.videoStreams.map { String($0.streamIndex) }.joined(separator: ", "))), each redacted on its own: the segments of each name it, their times in its own time base"
                         + (options.job.zones.isEmpty ? "" : "; the zones apply to every one, timed from its own first frame"))
        }
        for video in plan.videoStreams {
            let shown = SourceView(firstFramePts: 0, displayRotationDegrees: video.rotationDegrees)
                .shownSize(codedWidth: video.width, codedHeight: video.height)
            for (n, zone) in options.job.zones.enumerated() {
                if let note = zone.edgeNote(width: shown.width, height: shown.height, number: n + 1) {
                    notes.append(several ? "video stream \(video.streamIndex): \(note)" : note)
                }
            }
        }
        for s in stitched.streams {
            guard let picture = s.picture else { continue }
            notes.append("stream \(s.stream.index) (cover art, \(s.stream.codec) \(picture.width)x\(picture.height)) examined for \(picture.examinedFor.joined(separator: " and ")): "
                         + (picture.damaged == true ? "damaged, only part of it decodes (--accept-damage); \(picture.hidden.count) region(s) hidden in what decodes, which is what was written back in \(s.stream.codec)"
                            : picture.hidden.isEmpty ? "nothing found, kept as it was" : "\(picture.hidden.count) region(s) hidden, written back in \(s.stream.codec)"))
        }
        for s in stitched.streams where s.stream.action == .dropped {
            notes.append("stream \(s.stream.index) (\(s.stream.type) \(s.stream.codec)) dropped: \(s.stream.reason ?? "asked for")")
        }
        return notes
    }
}

/// What the manifest's segments say was copied, reused and found, counted as they are spooled.
struct CopyTally {
    var segments = 0
    var reused = 0
    var gops = 0
    var segmentsWithGOPs = 0
    var gopFrames = 0
    var detections = 0
    /// Redacted segments in which nothing was hidden, by the kind of keyframe that kept them
    /// from being copied (an open GOP's).
    var notCopiedForTheirKeyframe: [String: Int] = [:]

    mutating func add(_ segment: RedactionManifest.Segment) {
        if segment.isCopied { segments += 1 }
        if segment.isReused { reused += 1 }
        if let copied = segment.copiedGOPs, !copied.isEmpty {
            gops += copied.count
            segmentsWithGOPs += 1
            gopFrames += copied.reduce(0) { $0 + $1.packets }
        }
        detections += segment.detections
    }
}

/// What the manifest and the sidecar's header say about a file's frames, counted segment by
/// segment without keeping the frames.
struct CoverageCounts {
    var frames = 0
    var framesWithRedaction = 0
    var tracks = Set<Int>()
    var concealed = 0
    var substituted = 0
    /// The first damaged frame's time in its stream's clock.
    var firstDamagedSeconds: Double?

    /// `timeBase`: the frames' stream's.
    mutating func add(_ coverage: [ProcessedSegment.FrameCoverage], timeBase: Rational) {
        frames += coverage.count
        for frame in coverage {
            if !frame.covered.isEmpty { framesWithRedaction += 1 }
            for covered in frame.covered { if let track = covered.track { tracks.insert(track) } }
            switch frame.damage {
            case .concealed?: concealed += 1
            case .substituted?: substituted += 1
            case .none?, nil: continue
            }
            let seconds = Double(frame.pts) * timeBase.doubleValue
            firstDamagedSeconds = min(firstDamagedSeconds ?? seconds, seconds)
        }
    }
}
