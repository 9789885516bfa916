import Foundation
import RedactCore

/// `redactfarm rerender`: an earlier output made again with a reviewer's corrections, from
/// its own record. The source is split again exactly as it was (the manifest's segment
/// length; each segment must hash as recorded), the stored detections are hidden again with
/// the corrections applied (no detector runs), and only the segments where that hides
/// anything else are redacted and re-encoded: the others are taken from the earlier output
/// bit for bit (or copied from the source, as before), and the written file is read back to
/// prove it. The same output, source and corrections always give the same file.
public struct Rerenderer: Sendable {
    public var previousOutput: String
    public var corrections: Corrections
    public var correctionsSHA256: String
    public var output: String
    /// Where the source is now, when not at the path its manifest records.
    public var source: String?
    public var identity: FarmIdentity
    /// The coordinator key the earlier manifest must be signed with (nil: the key it names).
    public var trustedKey: FarmPublicKey?
    public var commandLine: [String] = CommandLine.arguments

    public init(previousOutput: String, corrections: Corrections, correctionsSHA256: String, output: String, source: String?,
                identity: FarmIdentity, trustedKey: FarmPublicKey?) {
        self.previousOutput = previousOutput
        self.corrections = corrections
        self.correctionsSHA256 = correctionsSHA256
        self.output = output
        self.source = source
        self.identity = identity
        self.trustedKey = trustedKey
    }

    public struct Result: Codable, Sendable {
        public var output: String
        public var outputSHA256: String
        public var frames: Int
        public var segments: Int
        public var reencodedSegments: Int
        public var reusedSegments: Int
        public var copiedSegments: Int
    }

    /// What happens to one segment.
    enum Handling: Equatable {
        case reencode, reuse, copy
    }

    /// `progress(stage, fraction)` on the calling thread; `isCancelled` is asked between
    /// frames. The working folder (the source's segments, unredacted) is removed however this ends.
    public func run(progress: (String, Double) -> Void = { _, _ in }, isCancelled: @escaping @Sendable () -> Bool = { false }) throws(MediaError) -> Result {
        let started = Date()
        // The earlier output must be intact and signed before anything is taken from it.
        progress("verifying \(URL(fileURLWithPath: previousOutput).lastPathComponent)", 0)
        _ = try ManifestVerifier.verify(output: previousOutput, key: trustedKey, source: source)
        let manifestBytes = try FileBytes.read(OutputSidecars.manifestPath(previousOutput))
        let m = try SignedManifest.open(manifestBytes, path: previousOutput).manifest
        let fail = { (reason: String) in MediaError(path: previousOutput, reason: reason) }
        if let made = corrections.outputSHA256, made != m.output.sha256 {
            throw fail("the corrections were made on another output (SHA-256 \(made.prefix(12))…, this one is \(m.output.sha256.prefix(12))…)")
        }
        guard let segmentSeconds = m.segmentSeconds else {
            throw fail("its manifest does not record the segment length (written by an older version): run the source again with --corrections")
        }
        let record = try OutputRecord.detections(of: previousOutput)
        let found = Set(record.perFrame.flatMap { f in (f.covered + (f.kept ?? []) + (f.unhidden ?? [])).compactMap(\.track) })
        if let unknown = corrections.tracks.first(where: { !found.contains($0.track) }) {
            throw fail("the corrections decide track \(unknown.track), which its detections do not have")
        }
        let previousCorrections: CorrectionsApplied, newCorrections: CorrectionsApplied
        var job = m.parameters
        job.corrections = corrections
        do throws(OptionError) {
            previousCorrections = try CorrectionsApplied(m.parameters.corrections)
            newCorrections = try CorrectionsApplied(corrections)
            try job.validate()
        } catch {
            throw fail("the corrections cannot be applied: \(error.description)")
        }
        let input = source ?? m.input.path
        guard FileManager.default.fileExists(atPath: input) else {
            throw MediaError(path: input, reason: "the source of \(previousOutput) is not here (--source names where it is)")
        }
        // Where each video stream is in it: reused segments are read from their own stream.
        var videoOut: [Int: Int] = [:]
        for s in m.streams ?? [] where s.stream.action == .redacted {
            guard let index = s.outputIndex else { throw fail("its video stream \(s.stream.index) has no place in it") }
            videoOut[s.stream.index] = index
        }
        guard !videoOut.isEmpty else {
            throw fail("its manifest lists no video stream (written by an older version): run the source again with --corrections")
        }
        // Its cover art was redacted when it was made; no detector runs here, so the picture
        // it holds is the one written again.
        var reusedPictures: [Int: RedactedPicture] = [:]
        for s in m.streams ?? [] where s.stream.action == .redactedPicture {
            var hash = PayloadHash()
            guard let record = s.picture, let index = s.outputIndex,
                  let bytes = try MediaInput(path: previousOutput).attachedPicture(stream: index) else {
                throw fail("its cover art (stream \(s.stream.index)) is not in it as its manifest records")
            }
            hash.add(bytes)
            guard hash.finalize() == s.payloadSHA256 else { throw fail("its cover art (stream \(s.stream.index)) is not the picture its manifest records") }
            reusedPictures[s.stream.index] = RedactedPicture(data: bytes, record: record)
        }

        // The source's segments are its frames, unredacted: they live beside the new output,
        // readable by the owner only, and go however this ends.
        let destination = URL(fileURLWithPath: output).standardizedFileURL
        let state = destination.deletingLastPathComponent().path + "/.redactfarm-rerender-" + UUID().uuidString
        do {
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw MediaError(path: output, reason: "cannot make a working folder beside it (\(error.localizedDescription))")
        }
        defer { try? FileManager.default.removeItem(atPath: state) }
        let area = FileWorkArea(stateDirectory: state, fileID: 1)
        let dropping = Set((m.streams ?? []).compactMap { s in
            s.stream.reason.flatMap { $0.hasPrefix("--drop-streams ") ? String($0.dropFirst("--drop-streams ".count)) : nil }
        })

        progress("splitting \(URL(fileURLWithPath: input).lastPathComponent)", 0)
        _ = try Preflight.require(path: input, job: job, dropping: dropping)
        let plan = try Splitter.split(input: input, segmentSeconds: segmentSeconds, frameRate: job.sourceFrameRate, into: area.directory,
                                      carryContext: true, acceptDamage: job.acceptsDamage)
        guard plan.input.sha256 == m.input.sha256, plan.segments.count == m.segments.count,
              zip(plan.segments, m.segments).allSatisfy({ $0.sha256 == $1.inputSHA256 && $0.frameCount == $1.frameCount })
        else {
            throw MediaError(path: input, reason: "does not split into the segments \(previousOutput) was made from (another source, or another version of the splitter)")
        }

        // The stored frames, segment by segment (the sidecar lists them in order).
        var frames: [[ProcessedSegment.FrameCoverage]] = []
        var offset = 0
        for s in m.segments {
            guard offset + s.frameCount <= record.perFrame.count else { throw fail("its detections hold fewer frames than its segments") }
            frames.append(Array(record.perFrame[offset..<offset + s.frameCount]))
            offset += s.frameCount
        }
        guard offset == record.perFrame.count else { throw fail("its detections hold more frames than its segments") }

        var handling: [Handling] = []
        for (i, s) in m.segments.enumerated() {
            let video = try plan.video(of: plan.segments[i])
            let (width, height) = (Double(video.width), Double(video.height))
            // A box drawn on one camera of a file with several is drawn on that camera's frames only.
            let (new, previous) = (newCorrections.on(videoStream: video.streamIndex), previousCorrections.on(videoStream: video.streamIndex))
            let changed = frames[i].contains { new.changes($0, from: previous, jobZones: job.zones, width: width, height: height) }
            handling.append(changed ? .reencode : s.isCopied ? .copy : .reuse)
        }

        let gate = SegmentGate()
        let host = WorkerHello.thisHost
        let worker = "rerender"
        func publish(_ index: Int, _ out: SegmentPlan.OutputRecord, coverage: [ProcessedSegment.FrameCoverage]) throws(MediaError) {
            guard let bytes = try? JSONEncoder().encode(coverage) else { throw MediaError(path: output, reason: "cannot record segment \(index)'s detections") }
            try AtomicOutput.write(Array(bytes), to: area.coveragePath(index), durable: false)
            gate.publish(index, .init(output: out, worker: worker, workerHost: host, detections: m.segments[index].detections))
        }
        /// An unchanged frame's record: hidden as before, with the new decisions' reasons for
        /// what is left visible.
        func recorded(_ frame: ProcessedSegment.FrameCoverage) -> ProcessedSegment.FrameCoverage {
            let corrected = newCorrections.correct(frame.foundRegions, atSeconds: frame.seconds ?? 0)
            return ProcessedSegment.FrameCoverage(pts: frame.pts, seconds: frame.seconds, covered: frame.covered, damage: frame.damage,
                                                  kept: corrected.kept, unhidden: corrected.unhidden)
        }

        // Unchanged segments the earlier output redacted: its packets, as segment files.
        var reused: [Int: OutputFinisher.ReusedPayload] = [:]
        let reuse = Set(handling.indices.filter { handling[$0] == .reuse })
        if !reuse.isEmpty {
            progress("taking unchanged segments from \(URL(fileURLWithPath: previousOutput).lastPathComponent)", 0)
            let inBand = !SegmentProcessor.needsGlobalHeader(plan.input.muxer)
            // A video stream at a time, its segments counted in its own packets.
            for video in plan.videoStreams {
                let positions = plan.segmentPositions(ofStream: video.streamIndex)
                let wanted = Set(positions.indices.filter { reuse.contains(positions[$0]) })
                guard !wanted.isEmpty else { continue }
                guard let out = videoOut[video.streamIndex] else { throw fail("its video stream \(video.streamIndex) is not in it") }
                let copyID = job.copiesUnchanged ? video.copying?.parameterSetID : nil
                try OutputSegments.read(path: previousOutput, videoStream: out, frameCounts: positions.map { m.segments[$0].frameCount }, wanted: wanted,
                                        timeBase: plan.segments[positions[0]].timeBase, inBandParameterSets: inBand,
                                        parameterSetID: copyID) { (extracted) throws(MediaError) in
                    let i = positions[extracted.index], planned = plan.segments[i]
                    let source = try SegmentFile(bytes: try FileBytes.read(area.directory + "/" + planned.file), path: planned.file)
                    guard extracted.segment.ownedPackets.map(\.pts).sorted() == source.shownPackets.map(\.pts).sorted() else {
                        throw fail("segment \(i)'s frames are not at the source's times there: it cannot be reused")
                    }
                    let bytes = extracted.segment.encoded()
                    let name = area.outputSegmentName(planned)
                    try AtomicOutput.write(bytes, to: area.directory + "/" + name, durable: false)
                    reused[i] = .init(packets: extracted.packets, sha256: extracted.payloadSHA256)
                    try publish(i, .init(file: name, sha256: SHA256Hex.of(bytes), byteSize: bytes.count, frameCount: planned.frameCount),
                                coverage: frames[i].map(recorded))
                }
            }
        }
        for i in handling.indices where handling[i] == .copy {
            try publish(i, plan.segments[i].copiedOutput, coverage: frames[i].map(recorded))
        }

        // Changed segments: the stored detections hidden again with the corrections applied.
        let changed = handling.indices.filter { handling[$0] == .reencode }
        var copiedAfterAll = 0
        for (n, i) in changed.enumerated() {
            if isCancelled() { throw MediaError(path: output, reason: "cancelled") }
            progress("redacting segment \(i + 1) of \(plan.segments.count)", Double(n) / Double(changed.count))
            let planned = plan.segments[i]
            let segment = try SegmentFile(bytes: try FileBytes.read(area.directory + "/" + planned.file), path: planned.file)
            let video = try plan.video(of: planned)
            let processor = SegmentProcessor(job: job, detectors: [], muxer: plan.input.muxer, frameRate: SourceFrameRate(video),
                                             view: try plan.view(of: planned),
                                             copyParameterSetID: job.copiesUnchanged ? video.copying?.parameterSetID : nil,
                                             videoStream: video.streamIndex)
            let stored = Dictionary(frames[i].map { ($0.pts, $0.foundRegions) }, uniquingKeysWith: { a, _ in a })
            let processed = try processor.process(segment, label: "segment \(i)", firstTrackID: TrackIDs.first(ofSegment: i), found: stored,
                                                  isCancelled: isCancelled)
            if let redacted = processed.segment {
                let bytes = redacted.encoded()
                let name = area.outputSegmentName(planned)
                try AtomicOutput.write(bytes, to: area.directory + "/" + name, durable: false)
                try publish(i, .init(file: name, sha256: SHA256Hex.of(bytes), byteSize: bytes.count, frameCount: processed.frames.count),
                            coverage: processed.frames)
            } else {
                copiedAfterAll += 1
                try publish(i, planned.copiedOutput, coverage: processed.frames)
            }
        }

        let counts = (reencoded: changed.count - copiedAfterAll, reused: reuse.count, copied: handling.filter { $0 == .copy }.count + copiedAfterAll)
        var provenance = m.provenance ?? Provenance()
        provenance.commandLine = commandLine
        provenance.submittedFrom = host
        var options = JobOptions(job: job, segmentSeconds: segmentSeconds, provenance: provenance, audit: false, dropStreams: dropping.sorted())
        options.correctionsSHA256 = correctionsSHA256
        var finisher = OutputFinisher(jobID: "rerender-" + m.job, input: input, output: destination.path, area: area, plan: plan, gate: gate,
                                      options: options, identity: identity, startedAt: started, auditor: nil)
        finisher.reused = reused
        finisher.reusedPictures = reusedPictures
        finisher.rerender = .init(previousOutput: m.output, previousManifestSHA256: SHA256Hex.of(manifestBytes),
                                  reencodedSegments: counts.reencoded, reusedSegments: counts.reused, copiedSegments: counts.copied)
        finisher.extraNotes = ["a re-render of \(m.output.path) with a reviewer's corrections, from its stored detections (no detector ran): \(counts.reencoded) segment(s) redacted again, \(counts.reused) taken from it bit for bit, \(counts.copied) copied from the source"]
            + (m.audit != nil ? ["the leak audit was not run on the re-render (redactfarm audit runs it)"] : [])
        progress("stitching", 1)
        let finished = try finisher.finish()
        return Result(output: destination.path, outputSHA256: finished.outputSHA256, frames: finished.frames, segments: plan.segments.count,
                      reencodedSegments: counts.reencoded, reusedSegments: counts.reused, copiedSegments: counts.copied)
    }
}
