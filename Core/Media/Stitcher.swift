import CFFmpeg
import Foundation
import RedactSupport

/// What a stitch produced.
public struct StitchReport: Codable, Equatable, Sendable {
    public var output: String
    public var sha256: String
    public var sizeBytes: Int64
    public var segments: Int
    public var videoFrames: Int
    /// Every source stream with what was done to it; copied ones with their packet count and
    /// payload hash as written.
    public var streams: [StreamOutcome]
    public var chapters: [ChapterRecord]
    /// The codec the video was written in (absent in reports made before it was recorded).
    public var videoCodec: String?
    /// The segments written as the source's own packets, with the hash of those packets as
    /// written (absent or empty: every segment was re-encoded).
    public var copiedSegments: [CopiedSegment]?
    /// GOPs of re-encoded segments written as the source's own packets (absent or empty: none).
    public var copiedGOPs: [CopiedGOP]?
    public static let fileName = "stitch.json"
}

/// One segment as the stitch wrote it: the evidence of what in it is the source's packets.
public struct WrittenSegment: Sendable {
    public var index: Int
    /// The whole segment, when it was copied from the source.
    public var copy: CopiedSegment?
    /// The GOPs of a re-encoded segment written as the source's packets.
    public var copiedGOPs: [CopiedGOP]
}

/// A segment whose frames are the source's packets, byte for byte: `PayloadHash` over them
/// in decode order, which `verify --source` recomputes from both the source and the output.
public struct CopiedSegment: Codable, Equatable, Sendable {
    public var index: Int
    public var packets: Int
    public var payloadSHA256: String
    public init(index: Int, packets: Int, payloadSHA256: String) {
        self.index = index
        self.packets = packets
        self.payloadSHA256 = payloadSHA256
    }
}

/// One source stream in the output: the plan's decision and, for a copied stream, the
/// evidence that it was copied bit for bit (`PayloadHash` over every packet's bytes).
public struct StreamOutcome: Codable, Equatable, Sendable {
    public var stream: StreamPlan.Entry
    /// The stream's index in the output, when it is there.
    public var outputIndex: Int?
    public var packets: Int?
    public var payloadSHA256: String?
    /// For a muted audio stream, what was muted and which packets changed.
    public var muting: MutedStream?
    /// For cover art, what was hidden in it.
    public var picture: PictureRedaction?
    /// For a redacted video stream, the codec it was written in (absent in records made
    /// before it was kept).
    public var writtenCodec: String?
}

/// Cover art as redacted: the source picture's hash, what was found and hidden in it (coded
/// pixels, before the look's padding), and with what. The picture written is the stream's
/// `payloadSHA256`.
public struct PictureRedaction: Codable, Equatable, Sendable {
    public var sourcePayloadSHA256: String
    /// `[x0, y0, x1, y1]` per region hidden.
    public var hidden: [[Double]]
    public var examinedFor: [String]
    public var width: Int
    public var height: Int
    /// True when the source picture decoded only in part (`--accept-damage`): what decoded
    /// was examined and is what was written, never the source's bytes.
    public var damaged: Bool?

    public init(sourcePayloadSHA256: String, hidden: [[Double]], examinedFor: [String], width: Int, height: Int, damaged: Bool = false) {
        self.damaged = damaged ? true : nil
        self.sourcePayloadSHA256 = sourcePayloadSHA256
        self.hidden = hidden
        self.examinedFor = examinedFor
        self.width = width
        self.height = height
    }
}

/// A redacted attached picture for the stitch to write in place of the source's.
public struct RedactedPicture: Sendable {
    public var data: [UInt8]
    public var record: PictureRedaction
    public init(data: [UInt8], record: PictureRedaction) {
        self.data = data
        self.record = record
    }
}

/// What muting did to an audio stream: the stretches asked for and the packets re-encoded;
/// every other packet is the source's, which `keptPayloadSHA256` lets `verify --source` check.
public struct MutedStream: Codable, Equatable, Sendable {
    /// Seconds from the first video frame, as asked (an open span is the whole stream).
    public var spans: [AudioTreatment.Span]
    public var sound: AudioTreatment.Sound
    /// The packets re-encoded, by ordinal (the stream's packets counted from 0), first and
    /// last of each run.
    public var replacedRuns: [[Int]]
    public var replacedPackets: Int
    /// `PayloadHash` over the packets kept as the source's, in order.
    public var keptPackets: Int
    public var keptPayloadSHA256: String
}

/// `redactfarm stitch`: rebuilds a file from the (possibly processed) video segments of a plan
/// and the source's other streams, copied packet for packet, in the source's container.
///
/// Nothing is trusted: the source must still hash to what split recorded, each segment to its
/// plan entry, and each segment must own exactly the frames (count and presentation range)
/// the plan says. Video and source packets are merged by decode time as they stream, so memory
/// holds one segment, not the file.
public enum Stitcher {
    /// Where a processed segment comes from while stitching runs alongside processing: blocks
    /// until segment `index` is done and returns its output record, or throws if it never
    /// will be (the file failed or was cancelled).
    public typealias Arrivals = @Sendable (_ index: Int) throws(MediaError) -> SegmentPlan.OutputRecord

    /// Stitches the plan in `directory` (its segments, or their outputs where the plan names them).
    public static func stitch(directory: String, output outputPath: String,
                              progress: ((Double) -> Void)? = nil) throws(MediaError) -> StitchReport {
        try stitch(plan: try PlanStore.read(directory: directory), directory: directory, output: outputPath, progress: progress)
    }

    /// With `arrivals`, each segment's output is waited for as the stitch reaches it, so a
    /// file is muxed while its last segments are still being processed.
    /// `dropping`: stream types the user asked to leave out (`--drop-streams`); every other
    /// stream is copied, or the stitch fails (the preflight refuses such files before work).
    /// `audio`: what is done to the audio streams (`--audio`, `--mute`); muted packets are
    /// made (`AudioMuter`) while the first segments are awaited.
    /// `written`: told of each segment, in the plan's order, once its packets are taken to be
    /// written; the report then lists no copied segments or GOPs (the caller keeps what it
    /// needs, so a file of 100,000 segments is not held whole in memory).
    public static func stitch(plan: SegmentPlan, directory: String, output outputPath: String, arrivals: Arrivals? = nil,
                              dropping: Set<String> = [], audio: AudioTreatment? = nil,
                              pictures: [Int: RedactedPicture] = [:],
                              progress: ((Double) -> Void)? = nil,
                              written: ((WrittenSegment) throws(MediaError) -> Void)? = nil) throws(MediaError) -> StitchReport {
        guard !plan.segments.isEmpty else { throw MediaError(path: directory, reason: "the plan has no segments") }
        try ContainerFormat.checkExtension(of: outputPath, matches: plan.input.muxer)

        // The source is hashed while its packets are copied; the output is published only if
        // the hash matches the plan, so an unverified source never reaches a finished file.
        let sourcePath = plan.input.path
        let sourceHash = BackgroundJob { () throws(MediaError) in try SHA256Hex.ofFile(at: sourcePath) }
        let source = try MediaInput(path: plan.input.path)
        let videos = plan.videoStreams
        for video in videos where video.streamIndex >= source.streamCount {
            throw MediaError(path: plan.input.path, reason: "has no stream \(video.streamIndex), which the plan says is video")
        }
        let positions = videos.map { plan.segmentPositions(ofStream: $0.streamIndex) }
        guard positions.allSatisfy({ !$0.isEmpty }), positions.reduce(0, { $0 + $1.count }) == plan.segments.count else {
            throw MediaError(path: directory, reason: "the plan lists a segment of no video stream it describes, or a video stream with no segment")
        }
        let videoIndices = Set(videos.map(\.streamIndex))
        // Streams keep their order and numbering, minus any the user asked to drop; chapters
        // come along (an MP4's chapter track is written anew from them).
        let streamPlan = StreamPlan.decide(source, videos: videoIndices, dropping: dropping, audio: audio)
        // Fail closed: cover art goes out redacted or not at all.
        for entry in streamPlan.entries where entry.action == .redactedPicture && pictures[entry.index] == nil {
            throw MediaError(path: plan.input.path, reason: "stream \(entry.index) is cover art and was not redacted, so it cannot be written")
        }
        let origin = Double(plan.firstFramePts) * plan.segments[0].timeBase.doubleValue
        var muting: [Int: BackgroundJob<MutedPackets>] = [:]
        for entry in streamPlan.entries where entry.action == .muted {
            let (spans, sound) = (audio?.mutedSpans ?? [], audio?.sound ?? .silence)
            muting[entry.index] = BackgroundJob { () throws(MediaError) in
                try AudioMuter.mute(path: sourcePath, stream: entry.index, spans: spans, origin: origin, sound: sound)
            }
        }

        // Each segment's output as its arrival says (asked again where needed, never kept:
        // a stitch that waits for most of a file holds nothing per segment meanwhile).
        func outputRecord(_ index: Int) throws(MediaError) -> SegmentPlan.OutputRecord? {
            if let arrivals, plan.segments[index].output == nil { return try arrivals(index) }
            return plan.segments[index].output
        }
        let segmentSource = SegmentSource(plan: plan, directory: directory)
        let load: StitchedVideo.Load = { (index, reference) throws(MediaError) in
            // The one record, not the plan: a plan changed per segment would be copied whole
            // each time (quadratic in the file's segments).
            var record = plan.segments[index]
            guard let arrivals, record.output == nil else { return try segmentSource.load(record, index: index, joinableWith: reference) }
            // The source segment is read before the output is waited for, not after: for the
            // file's last segment that wait is the end of processing, and what follows it is
            // time the whole run waits for. A read that fails here is made again, and its error
            // reported, once the output has come (a cancelled file's arrival says so first).
            let sourceRead = try? segmentSource.readSourceForComparison(index)
            record.output = try arrivals(index)
            return try segmentSource.load(record, index: index, joinableWith: reference, sourceRead: sourceRead)
        }
        // Each video stream's parameters in the output are those of its first re-encoded
        // segment (waited for in order), or the source's when every segment is copied.
        var tracks: [StitchedVideo] = []
        for (video, positions) in zip(videos, positions) {
            tracks.append(try StitchedVideo(record: video, positions: positions,
                                            source: CodecParameters(source.stream(video.streamIndex).pointee.codecpar),
                                            isCopy: { (index) throws(MediaError) in try outputRecord(index)?.isCopy == true }, load: load))
        }
        let primary = tracks[0]
        let others = Array(tracks.dropFirst())
        var muted: [Int: MutedPackets] = [:]
        for (index, job) in muting { muted[index] = try job.result() }
        let output = try MediaOutput(path: outputPath, muxer: plan.input.muxer)
        output.copyContainerMetadata(from: source)

        var outIndex: [Int: Int] = [:]
        // Cover art Matroska holds as an attachment: no packet of its own is written.
        var attachedAsFile = Set<Int>()
        for entry in streamPlan.entries {
            let st = source.stream(entry.index)
            switch entry.action {
            case .redacted:
                let track = tracks.first { $0.record.streamIndex == entry.index }!
                try track.add(to: output, like: st)
                outIndex[entry.index] = track.outIndex
            case .redactedPicture where plan.input.muxer == "matroska":
                outIndex[entry.index] = try output.addAttachment(picture: pictures[entry.index]!.data, like: st)
                attachedAsFile.insert(entry.index)
            case .copied, .muted, .redactedPicture:
                outIndex[entry.index] = try output.addStream(parameters: st.pointee.codecpar, like: st)
            case .dropped, .chapters:
                break
            }
        }
        try output.copyChapters(from: source)
        var options: [String: String] = [:]
        let isMP4 = ["mp4", "mov", "3gp"].contains(plan.input.muxer)
        if isMP4, plan.video.timeBase.num == 1, videos.allSatisfy({ $0.timeBase == plan.video.timeBase }) {
            // The MP4 muxer would otherwise round small time scales up and renumber every pts
            // (by powers of two, so times stay exact where video streams' time bases differ:
            // the option sets one for every video track).
            options["video_track_timescale"] = String(plan.video.timeBase.den)
        }
        if plan.input.muxer == "mpegts" {
            // Timestamps before a 33-bit PTS wrap are read as negative; written as they are, the
            // muxer keeps their low 33 bits, the source's own values. Shifted to non-negative
            // (the default), every timestamp moved by the time before the wrap (1.3 s here).
            options["avoid_negative_ts"] = "disabled"
        }
        // Fragmented stays fragmented (live and streaming tools read it as it grows), with the
        // source's layout: a fragment starts before each video sample that starts one in the
        // source, so fragments hold the same video samples, and the other streams' packets
        // as many as the source's did (`FragmentBoundaries`). Where the output's frames are
        // not the source's samples one for one (an edit list's unshown frames are not
        // written), a fragment per keyframe instead, FFmpeg's own layout.
        let trackID = { (index: Int) in UInt32(truncatingIfNeeded: source.stream(index).pointee.id) }
        var sourceFragments: MP4Fragments?
        if isMP4, let fragments = MP4Fragments.read(path: plan.input.path) {
            let sameSamples = tracks.allSatisfy { track in
                fragments.starts(ofTrack: trackID(track.record.streamIndex)).samples
                    == track.positions.reduce(0) { $0 + plan.segments[$1].frameCount }
            }
            if sameSamples {
                sourceFragments = fragments
                options["movflags"] = "frag_custom+empty_moov+default_base_moof"
            } else {
                options["movflags"] = "frag_keyframe+empty_moov+default_base_moof"
            }
        }
        do throws(MediaError) {
            try output.writeHeader(options: options)
        } catch {
            throw MediaError(path: outputPath, reason: "\(error.reason) (\(plan.input.muxer) cannot hold one of the streams: see `redactfarm probe`)")
        }

        let copied = Set(outIndex.keys).subtracting(videoIndices)
        // The first video stream's frames open the fragments; every other stream, video too,
        // is held to the source's count of packets before each.
        let limited = copied.filter { !attachedAsFile.contains($0) }.union(others.map(\.record.streamIndex))
        var boundaries = sourceFragments.map { fragments in
            FragmentBoundaries(fragments, videoTrack: trackID(primary.record.streamIndex), streams: limited.map { ($0, trackID($0)) })
        }
        // Source packets written, per stream.
        var sourceWritten: [Int: Int] = [:]
        var hashes: [Int: PayloadHash] = [:]
        // Muted streams: each packet's ordinal, and the hash of the packets kept as they were.
        var ordinals: [Int: Int] = [:]
        var kept: [Int: PayloadHash] = [:]
        var replaced: [Int: Int] = [:]
        source.selectStreams(copied)
        var pendingSource = copied.isEmpty ? nil : try source.readPacket()
        var declaredEnds: [Int: Int64] = [:]
        for (i, o) in outIndex { declaredEnds[o] = StreamTails.declaredEnd(of: source.stream(i)) }
        var tails = StreamTails(declaredEnds: declaredEnds)
        for track in tracks { try track.start(in: output) }

        /// A source packet goes out as it is, or with its muted bytes (same timestamps, flags,
        /// side data): checked to be the packet the muter replaced.
        func writeSource(_ index: Int, _ packet: EncodedPacket) throws(MediaError) {
            var p = packet
            if let picture = pictures[index] {
                // An attached picture is one packet; a second would be a picture nobody examined.
                guard ordinals[index, default: 0] == 0 else {
                    throw MediaError(path: plan.input.path, reason: "stream \(index) (cover art) has more than one picture")
                }
                ordinals[index] = 1
                guard SHA256Hex.of(p.data) == picture.record.sourcePayloadSHA256 else {
                    throw MediaError(path: plan.input.path, reason: "stream \(index)'s picture is not the one that was redacted")
                }
                p.data = picture.data
                if attachedAsFile.contains(index) {
                    hashes[index, default: PayloadHash()].add(p.data)
                    return
                }
            }
            if let mute = muted[index] {
                let ordinal = ordinals[index, default: 0]
                ordinals[index] = ordinal + 1
                if let data = mute.replacements[ordinal] {
                    guard mute.pts[ordinal] == p.pts else {
                        throw MediaError(path: plan.input.path, reason: "stream \(index)'s packet \(ordinal) is not the one muted (pts \(p.pts), muted \(mute.pts[ordinal] ?? 0))")
                    }
                    p.data = data
                    replaced[index, default: 0] += 1
                } else {
                    kept[index, default: PayloadHash()].add(p.data)
                }
            }
            hashes[index, default: PayloadHash()].add(p.data)
            try tails.write(p, stream: outIndex[index]!, timeBase: Rational(source.stream(index).pointee.time_base), to: output)
        }

        var copies: [CopiedSegment] = []
        var copiedGOPs: [CopiedGOP] = []
        // Segments are told of in the plan's order. Several video streams' segments finish
        // interleaved, so one finished ahead of its turn waits here (a further stream's wait
        // for the streams before it: a small record each).
        var ahead: [Int: WrittenSegment] = [:]
        var told = 0
        func finished(_ segment: WrittenSegment) throws(MediaError) {
            ahead[segment.index] = segment
            while let next = ahead.removeValue(forKey: told) {
                if let written {
                    try written(next)
                } else {
                    if let copy = next.copy { copies.append(copy) }
                    copiedGOPs += next.copiedGOPs
                }
                told += 1
                progress?(Double(told) / Double(plan.segments.count))
            }
        }

        /// Packets of the other streams (the source's, in file order, and the other video
        /// streams'), the earliest in decode time first.
        enum Feed { case source(Int), video(StitchedVideo) }
        func packetsWritten(of stream: Int) -> Int {
            others.first { $0.record.streamIndex == stream }?.frames ?? sourceWritten[stream, default: 0]
        }
        /// The feed whose next packet comes first, with that packet's decode time: among those
        /// not yet at their fragment's limit; with `underLimit`, only those that have one (what
        /// must still go into the fragment before the next).
        func earliest(underLimit: Bool) -> (feed: Feed, time: Double)? {
            func eligible(_ stream: Int) -> Bool {
                guard let limit = boundaries?.limit(of: stream) else { return !underLimit }
                return packetsWritten(of: stream) < limit
            }
            var best: (feed: Feed, time: Double)? = nil
            if let (index, p) = pendingSource, eligible(index) {
                best = (.source(index), Self.decodeTime(p, source.stream(index).pointee.time_base))
            }
            for track in others {
                guard let time = track.nextDecodeTime, eligible(track.record.streamIndex), best.map({ time < $0.time }) ?? true else { continue }
                best = (.video(track), time)
            }
            return best
        }
        func write(_ feed: Feed) throws(MediaError) {
            switch feed {
            case .source(let index):
                try writeSource(index, pendingSource!.packet)
                sourceWritten[index, default: 0] += 1
                pendingSource = try source.readPacket()
            case .video(let track):
                let (packet, tb) = try track.take(finished: finished)
                try tails.write(packet, stream: track.outIndex, timeBase: tb, to: output)
            }
        }

        while let time = primary.nextDecodeTime {
            // Other packets that come first in decode time go out first, but none that the
            // source put in a later fragment.
            while let next = earliest(underLimit: false), next.time <= time { try write(next.feed) }
            let frame = primary.frames
            let (packet, tb) = try primary.take(finished: finished)
            try tails.write(packet, stream: primary.outIndex, timeBase: tb, to: output)
            // The packet is held back (its duration may still change): everything before it
            // is in the muxer, so the fragment ends here and the packet starts the next.
            if var b = boundaries, b.opensFragment(atFrame: frame) {
                // Every other packet of the fragments before goes in now, even one decoded
                // after this frame; the newest of each stream, held back, too.
                while let next = earliest(underLimit: true) { try write(next.feed) }
                for index in limited where packetsWritten(of: index) == b.limit(of: index) {
                    if let o = outIndex[index] { try tails.release(stream: o, to: output) }
                }
                b.reached(frame: frame)
                boundaries = b
                try output.endFragment()
            }
        }
        boundaries = nil
        while let next = earliest(underLimit: false) { try write(next.feed) }
        guard told == plan.segments.count else {
            throw MediaError(path: outputPath, reason: "\(told) of the plan's \(plan.segments.count) segments were written")
        }
        for index in pictures.keys where ordinals[index, default: 0] != 1 {
            throw MediaError(path: plan.input.path, reason: "stream \(index)'s redacted cover art was not written")
        }
        for (index, mute) in muted where replaced[index, default: 0] != mute.replacements.count {
            throw MediaError(path: plan.input.path, reason: "stream \(index): \(mute.replacements.count) packets were muted but \(replaced[index, default: 0]) written")
        }
        try tails.finish(to: output)
        let sourceSHA = try sourceHash.result()
        guard sourceSHA == plan.input.sha256 else {
            throw MediaError(path: plan.input.path, reason: "source changed since it was split (SHA-256 \(sourceSHA.prefix(12))…, plan says \(plan.input.sha256.prefix(12))…)")
        }
        try output.finish()

        let sha = try SHA256Hex.ofFile(at: outputPath)
        let size = FileBytes.size(of: outputPath)
        let streams = streamPlan.entries.map { entry in
            var hash = entry.action.hasPayloadRecord ? hashes[entry.index] ?? PayloadHash() : nil
            // An attachment has no packets: its bytes are the stream's extradata.
            if entry.type == "attachment", hash != nil { hash?.add(CodecParameters.extradata(of: source.stream(entry.index))) }
            let muting = muted[entry.index].map { mute in
                let keptHash = kept[entry.index] ?? PayloadHash()
                return MutedStream(spans: audio?.mutedSpans ?? [], sound: audio?.sound ?? .silence, replacedRuns: mute.runs,
                                   replacedPackets: replaced[entry.index] ?? 0, keptPackets: keptHash.packets,
                                   keptPayloadSHA256: keptHash.finalize())
            }
            let track = tracks.first { $0.record.streamIndex == entry.index }
            return StreamOutcome(stream: entry, outputIndex: outIndex[entry.index],
                                 packets: track?.frames ?? hash?.packets, payloadSHA256: hash?.finalize(),
                                 muting: muting, picture: pictures[entry.index]?.record,
                                 writtenCodec: track.map { ($0.reference ?? $0.source).codecName })
        }
        let report = StitchReport(output: URL(fileURLWithPath: outputPath).standardizedFileURL.path, sha256: sha,
                                  sizeBytes: size, segments: plan.segments.count, videoFrames: tracks.reduce(0) { $0 + $1.frames },
                                  streams: streams, chapters: ChapterRecord.all(in: source.context),
                                  videoCodec: (primary.reference ?? primary.source).codecName, copiedSegments: written == nil ? copies : nil,
                                  copiedGOPs: copiedGOPs.isEmpty ? nil : copiedGOPs)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if let data = try? encoder.encode(report) {
            try AtomicOutput.write(Array(data), to: directory + "/" + StitchReport.fileName)
        }
        return report
    }

    /// The video stream's parameters in the output, and whether copied source segments can
    /// share it: the source's own when nothing was re-encoded; the re-encoded segments',
    /// with the source's parameter sets listed beside theirs in one avcC when they were
    /// numbered apart for copying (`SegmentCopying`); as they are otherwise (copies then
    /// only where parameter sets travel in band and the ids differ).
    static func videoParameters(reencoded: CodecParameters?, source: CodecParameters,
                                copying: SegmentCopying?) throws(MediaError) -> (parameters: CodecParameters, admitsCopies: Bool) {
        guard var parameters = reencoded else { return (source, true) }
        guard let id = copying?.parameterSetID else { return (parameters, false) }
        if source.codecName == "hevc" {
            // In band (MPEG-TS, raw HEVC), every GOP brings its own sets: the re-encoded
            // segments must then declare none out of band either.
            guard id == HEVCRenumbering.id, source.extradata.first == 1 else { return (parameters, parameters.extradata.isEmpty) }
            let ours = HEVCParameterSets(extradata: parameters.extradata)
            // Not numbered for copying (--reencode-all, or a plain split and stitch).
            guard ours.ids == [id] else { return (parameters, false) }
            guard let merged = HEVCParameterSets.mergedHVCC(ours, source: source.extradata) else {
                throw MediaError(path: "", reason: "cannot list the source's and the re-encoded segments' HEVC parameter sets together")
            }
            parameters.extradata = merged
            // libx265 states no reorder delay, and Matroska's demuxer gives the first copied
            // pictures no DTS: the muxer derives them from the delay, which is the source's
            // (the encoder reorders as deep, `EncoderChoice`). Left at 0, it took each
            // missing DTS for the PTS, and the next B-picture's DTS went backwards.
            parameters.videoDelay = max(parameters.videoDelay, source.videoDelay)
            return (parameters, true)
        }
        let ours = H264ParameterSets(extradata: parameters.extradata)
        // In band (MPEG-TS, raw H.264): every GOP brings its own sets.
        guard !ours.sequence.isEmpty, source.extradata.first == 1 else { return (parameters, ours.sequence.isEmpty) }
        // Not numbered for copying (--reencode-all, or a plain split and stitch).
        guard ours.sequenceIDs == [id] else { return (parameters, false) }
        // The re-encoded segments' sets first: what a reader of the first SPS alone finds is
        // the stream as re-encoded (its timing states the source's rate).
        guard let merged = H264ParameterSets.mergedAVCC(ours, H264ParameterSets(extradata: source.extradata), template: source.extradata) else {
            throw MediaError(path: "", reason: "cannot list the source's and the re-encoded segments' H.264 parameter sets together")
        }
        parameters.extradata = merged
        return (parameters, true)
    }

    static func decodeTime(_ p: EncodedPacket, _ tb: AVRational) -> Double {
        let t = p.dts != EncodedPacket.noTimestamp ? p.dts : p.pts
        return Double(t) * Double(tb.num) / Double(tb.den)
    }

    /// Segments encoded apart may restart their DTS below where the previous one ended (the
    /// B-frame delay). Nudge DTS forward where that stays at or below PTS; otherwise the join
    /// is not valid and the stitch stops rather than write a broken stream.
    static func monotonicDTS(_ p: EncodedPacket, in tb: Rational, after last: Int64, outputTimeBase: Rational,
                             segment: Int, path: String) throws(MediaError) -> Int64 {
        // Containers that store only PTS (Matroska) leave the first DTS unset; so do we.
        let dts = p.dts
        guard dts != EncodedPacket.noTimestamp, last != Int64.min,
              av_rescale_q(dts, tb.avRational, outputTimeBase.avRational) <= last else { return dts }
        let nudged = av_rescale_q_rnd(last + 1, outputTimeBase.avRational, tb.avRational, AV_ROUND_UP)
        guard nudged <= p.pts else {
            throw MediaError(path: path, reason: "segment \(segment) cannot be joined: its decode timestamps overlap the previous segment's")
        }
        return nudged
    }
}

/// Loads a plan's segments one at a time, checking each against its plan entry before any of
/// its bytes are used.
public struct SegmentSource: Sendable {
    public let plan: SegmentPlan
    public let directory: String

    public init(plan: SegmentPlan, directory: String) {
        self.plan = plan
        self.directory = directory
    }

    public struct Loaded: Sendable {
        public var segment: SegmentFile
        public var path: String
        /// The segment is the source's, to be copied as it is.
        public var isCopy: Bool
        /// For a re-encoded segment of a file whose untouched GOPs may be copied: the source
        /// segment, to find the GOPs written as it has them.
        public var source: SegmentFile?
    }

    /// `reference`: the codec parameters every segment must share with segment 0.
    public func load(_ index: Int, joinableWith reference: CodecParameters? = nil) throws(MediaError) -> Loaded {
        try load(plan.segments[index], index: index, joinableWith: reference)
    }

    /// Where the file's untouched GOPs may be copied, segment `index` of the source as read
    /// from the work area, for `load(_:index:joinableWith:sourceRead:)` to compare a
    /// re-encoded output with (or to take as the output, when that is the source's segment);
    /// nil where nothing is compared. Checked there, not here.
    public func readSourceForComparison(_ index: Int) throws(MediaError) -> (segment: SegmentFile, sha256: String)? {
        guard comparesWithSource else { return nil }
        return try SegmentFile.read(path: directory + "/" + plan.segments[index].file)
    }

    /// Whether a re-encoded segment's output is compared with its source segment, GOP by GOP.
    private var comparesWithSource: Bool { plan.video.copying?.parameterSetID != nil }

    /// As `load(_:joinableWith:)`, for segment `index` as `record` has it (its output known
    /// since the plan was written). `sourceRead`: the source segment as
    /// `readSourceForComparison` read it, if it has been.
    public func load(_ record: SegmentPlan.SegmentRecord, index: Int, joinableWith reference: CodecParameters? = nil,
                     sourceRead: (segment: SegmentFile, sha256: String)? = nil) throws(MediaError) -> Loaded {
        let file = record.output?.file ?? record.file
        let path = directory + "/" + file
        let expectedSHA = record.output?.sha256 ?? record.sha256
        // A file of the work area, taken from `sourceRead` when it is the source segment.
        func read(_ file: String) throws(MediaError) -> (SegmentFile, String) {
            if file == record.file, let sourceRead { return sourceRead }
            return try SegmentFile.read(path: directory + "/" + file)
        }
        let (segment, sha) = try read(file)
        guard sha == expectedSHA else {
            throw MediaError(path: path, reason: "segment \(index) does not match the plan (SHA-256 \(sha.prefix(12))…, plan says \(expectedSHA.prefix(12))…)")
        }
        let isCopy = record.output?.isCopy == true
        guard !isCopy || (record.output?.file == record.file && expectedSHA == record.sha256) else {
            throw MediaError(path: path, reason: "segment \(index) is to be copied, but its output is not the source's segment")
        }
        let owned = segment.ownedPackets
        if record.output == nil, owned.count != segment.shownPackets.count {
            throw MediaError(path: path, reason: "segment \(index) holds frames the source's edit list leaves unshown, which a stitch of the split alone cannot leave out (a redaction decodes them for reference and writes the others: `redactfarm run`)")
        }
        let expectedFrames = record.output?.frameCount ?? record.frameCount
        guard owned.count == expectedFrames else {
            throw MediaError(path: path, reason: "segment \(index) has \(owned.count) frames, the plan says \(expectedFrames)")
        }
        let ptsFirst = owned.map(\.pts).min() ?? 0
        let ptsLast = owned.map(\.pts).max() ?? 0
        let inPlanTB = { (t: Int64) in av_rescale_q(t, segment.timeBase.avRational, record.timeBase.avRational) }
        guard inPlanTB(ptsFirst) == record.ptsFirst, inPlanTB(ptsLast) == record.ptsLast else {
            throw MediaError(path: path, reason: "segment \(index) covers pts \(ptsFirst)…\(ptsLast), the plan says \(record.ptsFirst)…\(record.ptsLast)")
        }
        if !isCopy, let reference, !segment.codec.isJoinable(with: reference) {
            throw MediaError(path: path, reason: "segment \(index) was encoded with different stream parameters than the first re-encoded one and cannot be joined")
        }
        if isCopy, owned.count != segment.shownPackets.count {
            throw MediaError(path: path, reason: "segment \(index) is to be copied, but an edit list hides some of its frames")
        }
        // (A plain `redactfarm stitch` of a split, with no outputs, writes the source segments
        // themselves: nothing to compare.)
        var source: SegmentFile?
        if !isCopy, let output = record.output, output.file != record.file, comparesWithSource {
            let (sourceSegment, sourceSHA) = try read(record.file)
            guard sourceSHA == record.sha256 else {
                throw MediaError(path: directory + "/" + record.file, reason: "source segment \(index) does not match the plan (SHA-256 \(sourceSHA.prefix(12))…)")
            }
            source = sourceSegment
        }
        return Loaded(segment: segment, path: path, isCopy: isCopy, source: source)
    }
}
