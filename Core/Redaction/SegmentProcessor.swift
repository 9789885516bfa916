import CFFmpeg
import RedactMedia
import RedactSupport
import RedactVision

/// What redacting one segment produced.
public struct ProcessedSegment: Sendable {
    /// The redacted segment; nil when nothing in it is to be hidden and it is to be copied
    /// from the source as it is (`SegmentCopying`).
    public var segment: SegmentFile?
    /// Set with a nil `segment`: why every owned frame was left as it was.
    public var copied: Bool { segment == nil }
    /// For each owned frame in presentation order: its pts and what was hidden in it.
    public var frames: [FrameCoverage]
    public var detections: Int
    /// Where the time went.
    public var times = StageTimes()
    /// The redacting pass took the frames the examining pass had decoded (`DecodedFrameCache`)
    /// instead of decoding them again.
    public var decodedOnce = false

    public struct FrameCoverage: Codable, Equatable, Sendable {
        public var pts: Int64
        /// Seconds from the file's first frame, to the microsecond (absent in records written
        /// before it was kept): where a person looks for the frame in a player.
        public var seconds: Double?
        /// What was hidden, each box clipped to the picture.
        public var covered: [DetectionTracker.Covered]
        /// Set when the source frame was damaged and the job accepts damage (absent otherwise).
        public var damage: FrameDamage?
        /// Tracks found here that a reviewer kept visible as the data subject (corrections),
        /// and those shown because they were not a target: recorded, not hidden (absent when none).
        public var kept: [DetectionTracker.Covered]?
        public var unhidden: [DetectionTracker.Covered]?
        /// The video stream of a file with several, when it is not the first: its pts are in
        /// that stream's time base (set by the coordinator in the detections sidecar).
        public var stream: Int?

        public init(pts: Int64, seconds: Double? = nil, covered: [DetectionTracker.Covered], damage: FrameDamage? = nil,
                    kept: [DetectionTracker.Covered] = [], unhidden: [DetectionTracker.Covered] = []) {
            self.pts = pts
            self.seconds = seconds?.rounded(toPlaces: 6)
            self.covered = covered
            self.damage = damage
            self.kept = kept.isEmpty ? nil : kept
            self.unhidden = unhidden.isEmpty ? nil : unhidden
        }
    }
}

/// Decode → detect → track → redact → encode for one segment: the only place a frame becomes
/// redacted, used by `redactfarm run` and by farm workers alike. Two passes: the first
/// decodes and detects, on the owned frames and on context frames either side of them, so
/// tracks can be built looking both ways in time and across cuts; the second redacts and
/// encodes, taking the frames the first kept where they fit in `frameCacheBytes` and decoding
/// them again where they do not, so memory stays bounded whatever the segment's length.
public final class SegmentProcessor {
    private let job: RedactionJob
    private let detectors: [any TargetDetector]
    private let redactor: FrameRedactor
    private let muxer: String
    private let frameRate: SourceFrameRate?
    private let sourceView: SourceView
    private let copyParameterSetID: Int?
    private let videoStream: Int?
    private let frameCacheBytes: Int

    /// Picture bytes a segment's decoded frames may hold between its two passes, per worker
    /// slot (`DecodedFrameCache`): a 10 s segment of 8-bit 4:2:0 720p at 30 fps (415 MB) fits;
    /// 1080p at that length (778 MB at 25 fps) does not, and is decoded twice.
    public static let defaultFrameCacheBytes = 448 << 20

    /// `detectors`: one per target the job asks to be found (`DetectorRegistry`); a job of
    /// zones alone has none. `muxer`: the container the stitched file will be (decides
    /// in-band vs global headers and whether B-frames can be carried). `view`: how the file is
    /// shown, which zones are drawn in. `copyParameterSetID`: set when the file's segments
    /// with nothing to hide are copied from the source (`SegmentCopying`): the parameter set
    /// id re-encoded segments use, so both kinds share one stream. `videoStream`: the source's
    /// video stream the segment is of, in a file with several (the corrections' boxes name it).
    public init(job: RedactionJob, detectors: [any TargetDetector], muxer: String, frameRate: SourceFrameRate?,
                view: SourceView = SourceView(), copyParameterSetID: Int? = nil, videoStream: Int? = nil,
                frameCacheBytes: Int = SegmentProcessor.defaultFrameCacheBytes) {
        self.frameCacheBytes = frameCacheBytes
        self.videoStream = videoStream
        self.sourceView = view
        self.copyParameterSetID = copyParameterSetID
        self.job = job
        self.detectors = detectors
        self.redactor = FrameRedactor(look: job.look)
        self.muxer = muxer
        self.frameRate = frameRate
    }

    /// `onFrameStep` is called twice for each owned frame, for progress: once it has been
    /// examined, once it has been written (encoded, or kept as the source's). Counting the
    /// examination alone showed a segment nearly done while half its work, the encode, was
    /// still ahead. `isCancelled`
    /// is asked before every frame of both passes, so an abandoned segment stops within a
    /// frame's work.
    /// `found`: what detection found in each owned frame, by pts, from an earlier output's
    /// record (`FrameCoverage.foundRegions`): a re-render hides it again, with the job's
    /// corrections applied, and runs no detector (the processor must have none).
    public func process(_ segment: SegmentFile, label: String, firstTrackID: Int = 0, found stored: [Int64: [DetectionTracker.Covered]]? = nil,
                        onFrameStep: () -> Void = {}, isCancelled: () -> Bool = { false }) throws(MediaError) -> ProcessedSegment {
        let cancelled = MediaError(path: label, reason: "cancelled")
        let corrections: CorrectionsApplied
        do throws(MediaError) {
            try FrameRedactor.checkEditable(format: segment.codec.format)
            if stored != nil {
                guard detectors.isEmpty else { throw MediaError(path: "", reason: "a re-render from stored detections runs no detector") }
            } else {
                let asked = Set(DetectorRegistry.registrations(for: job).map(\.target)), given = Set(detectors.map(\.target))
                guard asked == given else {
                    throw MediaError(path: "", reason: "the job asks for \(asked.map(\.rawValue).sorted()) but the worker built detectors for \(given.map(\.rawValue).sorted())")
                }
            }
            do throws(OptionError) { corrections = try CorrectionsApplied(job.corrections, videoStream: videoStream) } catch {
                throw MediaError(path: "", reason: "the job's corrections: \(error.description)")
            }
        } catch {
            throw MediaError(path: label, reason: error.reason)
        }
        var times = StageTimes()
        // Pass 1: detections per frame in presentation order, context frames included.
        var perFrame: [(pts: Int64, owned: Bool, found: [Detection])] = []
        var detectionCount = 0
        var damagedFrames = 0
        var damagedPts = Set<Int64>()
        var seen = 0
        let every = max(1, job.detector.every)
        let lastOwnedPts = segment.lastOwnedPts
        let scene = SegmentScene(width: Int(segment.codec.width), height: Int(segment.codec.height), ownedFrames: segment.shownPackets.count)
        for detector in detectors { detector.beginSegment(scene) }
        // Zones alone need no detection pass (and every frame is then covered by the zones).
        let detects = !detectors.isEmpty
        let examineStart = StageTimes.clock
        let decoded = DecodedFrameCache(budget: detects ? frameCacheBytes : 0, frames: segment.shownPackets.count, of: segment.codec)
        if detects {
            // One decoding thread (`ThreadBudget`): the slots are the parallelism.
            try SegmentDecoder.decodeFrames(of: segment, label: label, threads: 1, contextFrames: job.contextFrames, lookAheadFrames: 2 * every + 1,
                                            acceptDamage: job.acceptsDamage) { (frame, owned, damage) throws(MediaError) in
                if isCancelled() { throw cancelled }
                let view = VideoFrame(frame)
                if damage != .none {
                    damagedFrames += 1
                    damagedPts.insert(view.pts)
                }
                // Frames arrive in presentation order. Without look-ahead (the file's last
                // segment) the last owned frame is always examined, so every track has a hit
                // near the end.
                let visit = FrameVisit(index: seen, owned: owned,
                                       isCadenceFrame: seen % every == 0 || (view.pts == lastOwnedPts && segment.contextSuffixCount == 0),
                                       isPastOwnedEnd: !owned && view.pts > lastOwnedPts)
                seen += 1
                var found: [Detection] = []
                let detectStart = StageTimes.clock
                for detector in detectors { found += try detector.examine(view, visit) }
                times.detect += StageTimes.elapsed(since: detectStart)
                if owned {
                    detectionCount += found.count
                    decoded.keep(frame, damage: damage)
                    onFrameStep()
                }
                perFrame.append((view.pts, owned, found))
            }
        }
        for detector in detectors { detector.endExamination() }
        times.decode += StageTimes.elapsed(since: examineStart) - times.detect
        let trackStart = StageTimes.clock
        perFrame.sort { $0.pts < $1.pts }
        var trackerOptions = job.tracker
        // A face is first found at a full-frame pass, and a small one can be missed at one:
        // each track reaches back (and on) past two passes, so a face that was in view for
        // one missed pass is still hidden from the frame it appeared.
        trackerOptions.extend = max(trackerOptions.extend, 2 * every + 1)
        trackerOptions.maxGap = max(trackerOptions.maxGap, 2 * every)
        // A small face's track one pass further still: it may be lost behind another face
        // and come back out too small or too covered for the passes to find it again. (Back
        // across a cut it reaches as far as the look-ahead the segment before was given.)
        trackerOptions.smallExtend = max(trackerOptions.smallExtend ?? 0, 3 * every + 1)
        var found: [Int64: [DetectionTracker.Covered]] = [:]
        if let stored {
            for packet in segment.shownPackets {
                guard let regions = stored[packet.pts] else {
                    throw MediaError(path: label, reason: "the stored detections have no record of the frame at pts \(packet.pts)")
                }
                found[packet.pts] = regions
            }
        } else {
            let covered = DetectionTracker(options: trackerOptions).cover(perFrame.map(\.found), firstTrackID: firstTrackID)
            for (i, f) in perFrame.enumerated() where f.owned { found[f.pts] = covered[i] }
            if detects { try Self.checkDecisions(corrections, match: found, in: segment, view: sourceView, firstTrackID: firstTrackID, label: label) }
        }
        // What is hidden once the reviewer's decisions are applied, and what they left visible.
        var coverage: [Int64: [DetectionTracker.Covered]] = [:]
        var visible: [Int64: CorrectedFrame] = [:]
        let coverageKnown = detects || stored != nil
        for (pts, regions) in found {
            let corrected = corrections.correct(regions, atSeconds: sourceView.seconds(at: pts, timeBase: segment.timeBase))
            coverage[pts] = corrected.hidden
            if !corrected.kept.isEmpty || !corrected.unhidden.isEmpty { visible[pts] = corrected }
        }
        if !coverageKnown, corrections.corrections?.boxes.isEmpty == false {
            for packet in segment.shownPackets {
                coverage[packet.pts] = corrections.manualBoxes(atSeconds: sourceView.seconds(at: packet.pts, timeBase: segment.timeBase))
            }
        }
        times.track = StageTimes.elapsed(since: trackStart)
        let w = Double(segment.codec.width), h = Double(segment.codec.height)
        /// Recorded clipped to the picture, to a hundredth of a pixel and a score to four
        /// places: the sidecar of an hour of video stays a size a person can keep.
        func recorded(_ box: DetectionTracker.Covered) -> DetectionTracker.Covered {
            var r = box
            r.box = box.box.clamped(width: w, height: h).rounded(toPlaces: 2)
            r.score = box.score?.rounded(toPlaces: 4)
            return r
        }
        func visibleRecord(_ pts: Int64) -> (kept: [DetectionTracker.Covered], unhidden: [DetectionTracker.Covered]) {
            guard let v = visible[pts] else { return ([], []) }
            return (v.kept.map(recorded), v.unhidden.map(recorded))
        }
        /// The record of a frame left as the source has it (copied): nothing hidden.
        func untouched(_ pts: Int64) -> ProcessedSegment.FrameCoverage {
            let shown = visibleRecord(pts)
            return .init(pts: pts, seconds: sourceView.seconds(at: pts, timeBase: segment.timeBase), covered: [],
                         kept: shown.kept, unhidden: shown.unhidden)
        }

        let codedZones = (job.zones + corrections.zones).map {
            $0.inCodedPixels(sourceView, codedWidth: Int(segment.codec.width), codedHeight: Int(segment.codec.height))
        }
        // Each owned frame's steps still to count for progress: pass 1 counted one where it ran.
        var stepsLeft = detects ? 1 : 2
        var copies = false
        if let id = copyParameterSetID, nothingToHide(segment, coverage: coverage, known: coverageKnown, zones: codedZones, damaged: damagedFrames),
           SegmentCopying.reasonNotToCopy(segment, parameterSetID: id, muxer: muxer) == nil {
            copies = detects ? true : try decodesCleanly(segment, label: label, onFrameStep: onFrameStep, isCancelled: isCancelled,
                                                         times: &times, stepsLeft: &stepsLeft)
        }
        if copies {
            for _ in 0..<(stepsLeft * segment.shownPackets.count) { onFrameStep() }
            return ProcessedSegment(segment: nil, frames: segment.shownPackets.map(\.pts).sorted().map(untouched), detections: detectionCount,
                                    times: times)
        }

        // Where the segment is not copied whole, the GOPs in it with nothing to hide may be.
        // A pass that examines no frame (zones alone, a re-render) finds damage only in pass
        // 2, which under --accept-damage redacts a damaged frame rather than fail: there,
        // whole segments only are copied, decoded first.
        let gopPlan: GOPCopyPlan? = copyParameterSetID.flatMap { id in
            guard detects || !job.acceptsDamage else { return nil }
            return GOPCopyPlan.decide(segment) { gop in
                let damaged = gop.ownedPackets.filter { damagedPts.contains($0.pts) }.count
                return nothingToHide(gop, coverage: coverage, known: coverageKnown, zones: codedZones, damaged: damaged)
                    && SegmentCopying.reasonNotToCopy(gop, parameterSetID: id, muxer: muxer) == nil
            }
        }

        // Pass 2: redact every owned frame and encode it (but for the frames of copied GOPs).
        // Keyframes where the source's are. A segment starts with one, at its first frame
        // shown: at an open-GOP cut that is the first of the recovery point's leading
        // pictures, so the keyframe moves there (a segment encoded alone cannot start with
        // pictures that lean on a GOP it does not have).
        // An edit list's unshown frames are not encoded: the first frame shown starts it.
        let shown = segment.shownPackets
        var keyframes = Set(shown.filter(\.isKeyframe).map(\.pts))
        if let first = shown.map(\.pts).min(), !keyframes.contains(first) {
            if let opening = segment.ownedPackets.first(where: \.isKeyframe) { keyframes.remove(opening.pts) }
            keyframes.insert(first)
        }
        // Made at the first frame, which carries the source's HDR10 metadata if it has any.
        var encoder: VideoEncoder?
        let makeEncoder = { (first: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> VideoEncoder in
            try VideoEncoder(source: segment.codec, timeBase: segment.timeBase, frameRate: self.frameRate, settings: self.job.encoder,
                             globalHeader: Self.needsGlobalHeader(self.muxer), muxer: self.muxer, hdr: HDRMetadata(frame: first),
                             streamOrigin: self.sourceView.firstFramePts, parameterSetID: self.copyParameterSetID, label: label)
        }
        var packets: [EncodedPacket] = []
        var frames: [ProcessedSegment.FrameCoverage] = []
        let redactPassStart = StageTimes.clock
        var redactAndEncode = 0.0
        // With copied GOPs, each run of re-encoded ones has an encoder of its own, started at
        // its first frame (an IDR: the source's keyframe) and drained before the copied GOP
        // after it, so the packets stay in decode order GOP by GOP.
        var currentGOP: Int?
        var finishedEncoders: [VideoEncoder] = []
        func drainEncoder() throws(MediaError) {
            guard let running = encoder else { return }
            let drainStart = StageTimes.clock
            try running.encode(nil) { packets.append($0) }
            times.encode += StageTimes.elapsed(since: drainStart)
            redactAndEncode += StageTimes.elapsed(since: drainStart)
            finishedEncoders.append(running)
            encoder = nil
        }
        func redactAndEncodeFrame(_ frame: UnsafeMutablePointer<AVFrame>, _ damage: FrameDamage) throws(MediaError) {
            if isCancelled() { throw cancelled }
            let view = VideoFrame(frame)
            if let gopPlan {
                guard let g = gopPlan.gopOfFrame[view.pts] else {
                    throw MediaError(path: label, reason: "frame at pts \(view.pts) is in none of the segment's GOPs")
                }
                if g != currentGOP {
                    currentGOP = g
                    if gopPlan.copied[g] {
                        try drainEncoder()
                        packets += gopPlan.sourcePackets(of: g, codec: segment.codec)
                    }
                }
                if gopPlan.copied[g] {
                    // Examined in pass 1 with nothing to hide (damage included): left as it is.
                    guard damage == .none else { throw MediaError(path: label, reason: "frame at pts \(view.pts) of a GOP to copy decoded damaged") }
                    frames.append(untouched(view.pts))
                    for _ in 0..<stepsLeft { onFrameStep() }
                    return
                }
            }
            let redactStart = StageTimes.clock
            guard var boxes = coverage[view.pts] ?? (coverageKnown ? nil : []) else {
                throw MediaError(path: label, reason: "frame at pts \(view.pts) was not seen by the detector")
            }
            let seconds = sourceView.seconds(at: view.pts, timeBase: segment.timeBase)
            let zones = codedZones.filter { $0.isActive(atSeconds: seconds) }
            for detector in detectors {
                boxes += detector.untrackedRegions(in: view).map { DetectionTracker.Covered(track: nil, target: detector.target, box: $0, score: nil) }
            }
            let hidden: FrameRedactor.Hidden
            do throws(MediaError) {
                hidden = try redactor.redact(boxes.map(\.box), zones: zones, in: view)
            } catch {
                throw MediaError(path: label, reason: "frame at pts \(view.pts): \(error.reason)", transient: error.transient)
            }
            // The record lists what was hidden, checked, not what was asked for: a box that
            // lies wholly outside the picture hid nothing.
            var covered = zip(boxes, hidden.boxes).filter(\.1).map { recorded($0.0) }
            covered += zip(zones, hidden.zones).filter(\.1).map {
                DetectionTracker.Covered(track: nil, target: .zone, box: $0.0.bounds.clamped(width: w, height: h), score: nil)
            }
            frame.pointee.pts = view.pts
            let encodeStart = StageTimes.clock
            times.redact += Double(encodeStart - redactStart) / 1_000_000
            if encoder == nil { encoder = try makeEncoder(frame) }
            try encoder!.encode(frame, keyframe: keyframes.contains(view.pts)) { packets.append($0) }
            let encoded = StageTimes.elapsed(since: encodeStart)
            times.encode += encoded
            redactAndEncode += StageTimes.elapsed(since: redactStart)
            let shown = visibleRecord(view.pts)
            frames.append(.init(pts: view.pts, seconds: seconds, covered: covered, damage: damage == .none ? nil : damage,
                                kept: shown.kept, unhidden: shown.unhidden))
            for _ in 0..<stepsLeft { onFrameStep() }
        }
        // The frames kept from pass 1 where they fitted; otherwise decoded again.
        let kept = decoded.frames(count: shown.count)
        if let kept {
            for (frame, damage) in kept { try redactAndEncodeFrame(frame, damage) }
        } else {
            try SegmentDecoder.decodeOwnedFrames(of: segment, label: label, threads: 1, acceptDamage: job.acceptsDamage, redactAndEncodeFrame)
        }
        guard encoder != nil || !finishedEncoders.isEmpty else { throw MediaError(path: label, reason: "the segment decoded to no frame") }
        try drainEncoder()
        times.decode += StageTimes.elapsed(since: redactPassStart) - redactAndEncode
        guard packets.count == frames.count else {
            throw MediaError(path: label, reason: "encoder returned \(packets.count) packets for \(frames.count) frames")
        }
        // Each frame keeps the duration its source packet had (the encoder would guess the
        // last one's), so the stitched file ends exactly where the source did.
        var durations: [Int64: Int64] = [:]
        for p in shown { durations[p.pts] = p.duration }
        for i in packets.indices {
            guard let d = durations[packets[i].pts] else {
                throw MediaError(path: label, reason: "encoder returned a packet at pts \(packets[i].pts), which no source frame had")
            }
            packets[i].duration = d
        }
        if copyParameterSetID != nil, let delimiter = SegmentCopying.hevcDelimiter(of: segment) {
            for i in packets.indices { packets[i].data = SegmentCopying.delimited(packets[i].data, by: delimiter) }
        }
        // Every run's encoder was opened alike (same source, settings and parameter set id):
        // the first one's parameters stand for all.
        let output = SegmentFile(codec: try finishedEncoders[0].parameters(), timeBase: segment.timeBase, decodePrefixCount: 0, packets: packets)
        return ProcessedSegment(segment: output, frames: frames, detections: detectionCount, times: times, decodedOnce: kept != nil)
    }

    /// A job of zones alone examines no frame, but a segment is copied only once every frame
    /// has been decoded, so damage is found as it would be otherwise: by default it fails the
    /// segment; under `--accept-damage` the segment is redacted as decoded (and the damage
    /// recorded) instead of copied.
    /// Counts each frame's examination step.
    private func decodesCleanly(_ segment: SegmentFile, label: String, onFrameStep: () -> Void, isCancelled: () -> Bool,
                                times: inout StageTimes, stepsLeft: inout Int) throws(MediaError) -> Bool {
        stepsLeft = 1
        let start = StageTimes.clock
        defer { times.decode += StageTimes.elapsed(since: start) }
        var damaged = false
        try SegmentDecoder.decodeOwnedFrames(of: segment, label: label, threads: 1, acceptDamage: job.acceptsDamage) { (_, damage) throws(MediaError) in
            if isCancelled() { throw MediaError(path: label, reason: "cancelled") }
            if damage != .none { damaged = true }
            onFrameStep()
        }
        return !damaged
    }

    /// Whether no owned frame has anything to hide: no track or detection covers it, no zone
    /// is active at it, no target hides regions it finds frame by frame (moving people), and
    /// no frame was damaged (a damaged frame is redacted as decoded, never copied).
    private func nothingToHide(_ segment: SegmentFile, coverage: [Int64: [DetectionTracker.Covered]], known: Bool, zones: [PrivacyZone],
                               damaged: Int) -> Bool {
        guard damaged == 0, detectors.allSatisfy({ !$0.hidesUntrackedRegions }) else { return false }
        for packet in segment.shownPackets {
            if known {
                guard let covered = coverage[packet.pts], covered.isEmpty else { return false }
            } else if coverage[packet.pts]?.isEmpty == false {
                return false
            }
            let seconds = sourceView.seconds(at: packet.pts, timeBase: segment.timeBase)
            if zones.contains(where: { $0.isActive(atSeconds: seconds) }) { return false }
        }
        return true
    }

    /// A run that detects again gives a track the id it had in the output the corrections
    /// were made on only if detection went the same way: each decided track of this
    /// segment's ids must be found here as the page saw it (target, first and last frame),
    /// or the segment fails rather than show or keep the wrong face.
    static func checkDecisions(_ corrections: CorrectionsApplied, match found: [Int64: [DetectionTracker.Covered]], in segment: SegmentFile,
                               view: SourceView, firstTrackID: Int, label: String) throws(MediaError) {
        let mine = corrections.corrections?.tracks.filter { $0.track >= firstTrackID && $0.track < firstTrackID + TrackIDs.perSegment } ?? []
        guard !mine.isEmpty else { return }
        var spans: [Int: (target: TargetClass, from: Double, until: Double)] = [:]
        for (pts, regions) in found {
            let t = view.seconds(at: pts, timeBase: segment.timeBase)
            for region in regions {
                guard let id = region.track else { continue }
                let span = spans[id] ?? (region.target, t, t)
                spans[id] = (span.target, min(span.from, t), max(span.until, t))
            }
        }
        let tolerance = 0.0015
        for decision in mine {
            let span = spans[decision.track]
            let matches = span.map { s in
                (decision.target.map { $0 == s.target } ?? true)
                    && (decision.from.map { abs($0 - s.from) <= tolerance } ?? true)
                    && (decision.until.map { abs($0 - s.until) <= tolerance } ?? true)
            } ?? false
            guard matches else {
                throw MediaError(path: label, reason: "the corrections \(decision.action == .keep ? "keep" : "unhide") track \(decision.track), which this run's detection did not find as the corrections describe it; they were made on other detections: apply them to that output with `redactfarm rerender`")
            }
        }
    }

    public static func needsGlobalHeader(_ muxer: String) -> Bool {
        guard let format = av_guess_format(muxer, nil, nil) else { return true }
        return format.pointee.flags & AVFMT_GLOBALHEADER != 0
    }
}
