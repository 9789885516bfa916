import CFFmpeg
import Foundation
import RedactMedia
import RedactSupport
import RedactVision

/// Whether a file can be redacted and written back exactly, decided before a byte of it is
/// split: what `probe` reports, and what the coordinator checks for every file of a job.
/// Everything a worker or the stitch would otherwise find late (and, for a deterministic
/// cause, find again on every retry) is tried here on the real thing: the pixel format is
/// one the redactor edits, the encoder opens with the source's size, format and the job's
/// settings, and the source's container accepts the re-encoded video and every stream that
/// is to be copied.
public struct PreflightReport: Codable, Equatable, Sendable {
    public var file: String
    public var canRedact: Bool
    /// Why not, each naming what and why; empty when it can.
    public var reasons: [String]
    /// What changes nothing hidden but is worth saying (a zone clipped at the edge).
    public var notes: [String]
    public var streams: [StreamPlan.Entry]
    /// The container written and the encoder the video goes through.
    public var muxer: String?
    public var encoder: String?
    /// Whether segments with nothing to hide will be copied from the source, or why every
    /// segment will be re-encoded (`SegmentCopying`).
    public var copying: String?
}

public enum Preflight {
    /// The report for `path`; never throws: a file that cannot even be opened gets a report
    /// that says so.
    /// `examinesPictures`: whether the process that will stitch the file can examine cover
    /// art (it holds the face model).
    public static func check(path: String, job: RedactionJob, dropping: Set<String> = [], examinesPictures: Bool = true) -> PreflightReport {
        var report = PreflightReport(file: path, canRedact: false, reasons: [], notes: [], streams: [])
        do throws(MediaError) {
            try run(path: path, job: job, dropping: dropping, examinesPictures: examinesPictures, into: &report)
        } catch {
            report.reasons.append(error.reason)
        }
        report.canRedact = report.reasons.isEmpty
        return report
    }

    /// Throws the first reason, naming the file, when it cannot be redacted.
    @discardableResult
    public static func require(path: String, job: RedactionJob, dropping: Set<String> = [], examinesPictures: Bool = true) throws(MediaError) -> PreflightReport {
        let report = check(path: path, job: job, dropping: dropping, examinesPictures: examinesPictures)
        if let first = report.reasons.first { throw MediaError(path: path, reason: first) }
        return report
    }

    private static func run(path: String, job: RedactionJob, dropping: Set<String>, examinesPictures: Bool, into report: inout PreflightReport) throws(MediaError) {
        let input = try MediaInput(path: path, frameRate: job.sourceFrameRate)
        if let why = try frameRateRefusal(input, given: job.sourceFrameRate) {
            report.reasons.append(why)
            return
        }
        let videos = try input.videoStreams()
        // A box drawn on a camera the file does not have would be drawn nowhere.
        for (n, box) in (job.corrections?.boxes ?? []).enumerated() {
            if let stream = box.stream, !videos.contains(stream) {
                report.reasons.append("the corrections' box track \(n + 1) is drawn on stream \(stream), which is not a video stream of this file (its video streams: \(videos.map(String.init).joined(separator: ", ")))")
            }
        }
        let muxer = try ContainerFormat.muxerName(for: input)
        report.muxer = muxer
        let plan = StreamPlan.decide(input, videos: Set(videos), dropping: dropping, audio: job.audio)
        report.streams = plan.entries
        let pictureTargets = CoverArtRedactor.targets(of: job)
        if let why = plan.coverArtRefusal(examined: examinesPictures && !pictureTargets.isEmpty,
                                          why: pictureTargets.isEmpty ? "this job looks for neither faces nor plates in it (--targets)"
                                               : "this coordinator has no face model to examine it with", muxer: muxer) {
            report.reasons.append(why)
        } else if !pictureTargets.isEmpty {
            // A cover picture is redacted at the stitch; one that cannot be must stop the file now.
            for cover in plan.entries where cover.action == .redactedPicture {
                guard let packet = input.attachedPicture(stream: cover.index) else { continue }
                do throws(MediaError) {
                    _ = try StillPicture(packet: packet, stream: cover.index, of: input, acceptDamage: job.acceptsDamage)
                } catch {
                    report.reasons.append("\(error.path): \(error.reason)")
                }
            }
        }
        // FFmpeg 5.1's AVI muxer writes every AAC packet at pts 0 (a plain `ffmpeg -c copy`
        // remux does the same): the audio would lose its timing while the record said copied.
        if muxer == "avi", let aac = plan.entries.first(where: { $0.type == "audio" && $0.codec == "aac" && $0.action.isCarried }) {
            report.reasons.append("stream \(aac.index) is AAC audio in AVI, which this FFmpeg cannot write back with its timestamps; --audio drop leaves it out, or remux the file to MKV first (ffmpeg -i IN -c copy OUT.mkv)")
        }
        checkMuting(job.audio, plan: plan, input: input, video: videos[0], into: &report)
        // Each video stream is tried as it will be redacted; their reports are said per stream
        // when there are several.
        var encoded: [(stream: Int, parameters: CodecParameters)] = []
        var encoders: [String] = [], copying: [String] = []
        for video in videos {
            var one = PreflightReport(file: path, canRedact: false, reasons: [], notes: [], streams: [])
            guard let parameters = try check(video: video, of: input, job: job, muxer: muxer, into: &one) else {
                report.reasons += one.reasons.map { videos.count > 1 ? "video stream \(video): \($0)" : $0 }
                continue
            }
            encoded.append((video, parameters))
            report.reasons += one.reasons.map { videos.count > 1 ? "video stream \(video): \($0)" : $0 }
            report.notes += one.notes.map { videos.count > 1 ? "video stream \(video): \($0)" : $0 }
            encoders.append(videos.count > 1 ? "\(one.encoder ?? "?") (stream \(video))" : one.encoder ?? "?")
            copying.append(videos.count > 1 ? "stream \(video): \(one.copying ?? "?")" : one.copying ?? "?")
        }
        guard encoded.count == videos.count else { return }
        report.encoder = encoders.joined(separator: ", ")
        report.copying = copying.joined(separator: "; ")
        if let why = try headerRefusal(input, videos: encoded, plan: plan, muxer: muxer, only: nil) {
            var culprits: [String] = []
            for entry in plan.carried where try headerRefusal(input, videos: encoded, plan: plan, muxer: muxer, only: entry.index) != nil {
                culprits.append("stream \(entry.index) (\(entry.type) \(entry.codec)) cannot be written to a \(muxer) file; --drop-streams \(entry.type) leaves it out")
            }
            if !culprits.isEmpty {
                report.reasons += culprits
            } else if muxer == "webm" {
                report.reasons.append("a WebM file holds only VP8, VP9 or AV1 video, and redacted frames are re-encoded with \(report.encoder ?? "?"); remux it to .mkv first (ffmpeg -i IN -c copy OUT.mkv)")
            } else {
                report.reasons.append("a \(muxer) file cannot hold the redacted video as \(report.encoder ?? "?") writes it (\(why))")
            }
        }
    }

    /// Tries video stream `video` as it will be redacted: its frames editable, its timestamps
    /// there or derivable, its encoder opening, the job's zones and inference size fitting
    /// its picture; records the encoder and what copying will do. Returns the re-encoded
    /// stream's parameters, or nil when it stopped at a reason (nothing further could be tried).
    private static func check(video: Int, of input: MediaInput, job: RedactionJob, muxer: String,
                              into report: inout PreflightReport) throws(MediaError) -> CodecParameters? {
        let st = input.stream(video)
        let codec = CodecParameters(st.pointee.codecpar)

        do throws(MediaError) { try FrameRedactor.checkEditable(format: codec.format) } catch {
            report.reasons.append(error.reason)
            return nil  // nothing below can be tried on frames that cannot be redacted
        }
        try checkTimestamps(input, video: video, codec: codec)

        let label = "the \(codec.codecName) video"
        let stream = StreamReport(st)
        let frameRate = stream.averageFrameRate.map { SourceFrameRate(average: $0, isConstant: stream.constantFrameRate == $0) }
        if let choice = try? EncoderChoice.choose(source: codec, muxer: muxer, settings: job.encoder),
           [.x264, .x265].contains(choice.family), let why = subsamplingRefusal(codec) {
            report.reasons.append(why)
            return nil
        }
        let encoder: VideoEncoder
        do throws(MediaError) {
            encoder = try VideoEncoder(source: codec, timeBase: Rational(st.pointee.time_base), frameRate: frameRate, settings: job.encoder,
                                       globalHeader: SegmentProcessor.needsGlobalHeader(muxer), muxer: muxer, label: label)
        } catch {
            report.reasons.append("\(error.reason), so its frames could not be written back after redaction")
            return nil
        }
        report.encoder = encoder.name
        if let note = encoder.choice.note { report.notes.append(note) }
        let encoded = try encoder.parameters()
        try checkZones(job.zones, input: input, video: video, codec: codec, into: &report)
        if job.targets.contains(.face) {
            let w = CenterFaceDetector.roundUp32(Double(codec.width) * job.detector.inferenceScale)
            let h = CenterFaceDetector.roundUp32(Double(codec.height) * job.detector.inferenceScale)
            if w * h > CenterFaceDetector.maxInputPixels {
                report.reasons.append("--inference-scale \(job.detector.inferenceScale) on a \(codec.width)x\(codec.height) picture asks the face detector for a \(w)x\(h) input, more than it takes; use a smaller scale")
            }
        }
        report.copying = try copying(input, video: video, codec: codec, muxer: muxer, job: job)
        return encoded
    }

    /// What split will decide about copying (`SegmentCopying.decide`), from the same first
    /// keyframe, in words.
    static func copying(_ input: MediaInput, video: Int, codec: CodecParameters, muxer: String, job: RedactionJob) throws(MediaError) -> String {
        guard job.copiesUnchanged else { return "every segment is re-encoded (--reencode-all)" }
        input.selectStreams([video])
        var firstKeyframe: [UInt8] = []
        for _ in 0..<1000 {
            guard let (_, packet) = try input.readPacket() else { break }
            if packet.isKeyframe { firstKeyframe = packet.data; break }
        }
        let decision = SegmentCopying.decide(source: codec, muxer: muxer, firstKeyframe: firstKeyframe)
        if let why = decision.unavailable { return "every segment is re-encoded: \(why)" }
        if job.targets.contains(.person) { return "every segment is re-encoded: moving people are found frame by frame while redacting" }
        let codecName = codec.codecName == "hevc" ? "HEVC" : "H.264"
        let condition = codec.codecName != "hevc" ? ""
            : decision.parameterSetID == HEVCRenumbering.id ? "; the re-encoded ones' parameter sets are numbered \(HEVCRenumbering.id), beside the source's"
            : " carrying its parameter sets"
        return "a segment with nothing to hide is copied from the source as it is (\(codecName) in \(muxer), if it starts with an IDR picture\(condition))"
    }

    /// x264 and x265 encode subsampled chroma only over whole chroma samples; libx264 says
    /// no more than "generic error" when the size does not divide. (libavcodec's own
    /// encoders, MJPEG's for one, take any size.)
    static func subsamplingRefusal(_ codec: CodecParameters) -> String? {
        guard let d = av_pix_fmt_desc_get(AVPixelFormat(rawValue: codec.format))?.pointee else { return nil }
        let oddWidth = d.log2_chroma_w > 0 && codec.width % 2 != 0, oddHeight = d.log2_chroma_h > 0 && codec.height % 2 != 0
        guard oddWidth || oddHeight else { return nil }
        let format = VideoEncoder.pixelFormatName(codec.format)
        return "the picture is \(codec.width)x\(codec.height) in \(format), which halves chroma \(oddWidth ? "across" : "down") it: the encoder cannot write an odd \(oddWidth ? "width" : "height") in that format"
    }

    /// The first video packets must carry presentation timestamps, be in decode order (as
    /// AVI's without B-frames are), or come from a container whose missing times
    /// `PresentationOrder` derives; the split checks every packet (and that frames an MP4
    /// edit list leaves unshown come only before the first one shown, `VideoScan`).
    private static func checkTimestamps(_ input: MediaInput, video: Int, codec: CodecParameters) throws(MediaError) {
        input.selectStreams([video])
        var seen = 0
        let derived = VideoScan.derivesTimestamps(input, codec: codec) || PresentationOrder.applies(to: input, codec: codec)
        while seen < 64, let (_, packet) = try input.readPacket() {
            if packet.pts == EncodedPacket.noTimestamp, !derived, !(codec.videoDelay == 0 && packet.dts != EncodedPacket.noTimestamp) {
                throw MediaError(path: input.path, reason: VideoScan.missingTimestampReason(input, packet: seen))
            }
            seen += 1
        }
    }

    /// A raw video stream is timed by the rate its header states, or the one `--fps` gives
    /// when it states none; a guess (the demuxer's 25 fps) would retime every frame, and an
    /// `--fps` that contradicts the header or has nothing to apply to is not silently ignored.
    static func frameRateRefusal(_ input: MediaInput, given: Rational?) throws(MediaError) -> String? {
        let fps = { (r: Rational) in r.den == 1 ? "\(r.num)" : "\(r.num)/\(r.den)" }
        switch try VideoScan.rawStreamRate(input) {
        case .unstated where given == nil:
            return "a raw video stream whose header states no frame rate, so its frames' times are not known; give it with --fps (25, 30000/1001, ...)"
        case .stated(let stated) where given != nil && av_cmp_q(stated.avRational, given!.avRational) != 0:
            return "the stream states \(fps(stated)) fps itself; --fps \(fps(given!)) would retime every frame"
        case .notRaw where given != nil:
            return "--fps applies only to raw video streams, whose headers may state no frame rate; this file's container times every frame"
        default:
            return nil
        }
    }

    /// Writes a trial header with the re-encoded video and the streams to copy (or only
    /// `only` of them); nil when the container accepts it, else the muxer's reason.
    private static func headerRefusal(_ input: MediaInput, videos: [(stream: Int, parameters: CodecParameters)], plan: StreamPlan,
                                      muxer: String, only: Int?) throws(MediaError) -> String? {
        let trial = try MediaOutput(trialOf: muxer, label: input.path)
        for video in videos { _ = try trial.addVideoStream(encoded: video.parameters, like: input.stream(video.stream)) }
        for entry in plan.carried where only == nil || only == entry.index {
            _ = try trial.addStream(parameters: input.stream(entry.index).pointee.codecpar, like: input.stream(entry.index))
        }
        do throws(MediaError) {
            try trial.writeHeader(options: [:])
            return nil
        } catch {
            return error.reason
        }
    }

    /// Every audio stream to be muted must be one the muter can rewrite packet for packet
    /// (`AudioMuter`), or the file is refused: keeping its voices while the record says
    /// "muted" is not an option. A stretch after the end would mute nothing: refused too.
    private static func checkMuting(_ audio: AudioTreatment?, plan: StreamPlan, input: MediaInput, video: Int,
                                    into report: inout PreflightReport) {
        guard let audio, audio.mode == .mute else { return }
        let muted = plan.entries.filter { $0.action == .muted }
        if muted.isEmpty, !plan.entries.contains(where: { $0.type == "audio" }) {
            report.notes.append("the file has no audio stream, so there is nothing to mute")
        }
        for entry in muted {
            if let why = AudioMuter.refusal(input.stream(entry.index)) {
                report.reasons.append("stream \(entry.index) (audio \(entry.codec)) cannot be muted: \(why); --audio drop leaves the audio out, recorded in the manifest")
            }
        }
        let length = videoLength(input, video: video)
        for span in audio.spans {
            if let length, let from = span.from, from >= length {
                report.reasons.append("a --mute stretch starts at \(String(format: "%.2f", from)) s, after the video's \(String(format: "%.2f", length)) s end (mute times count from the first frame), so it would mute nothing")
            }
        }
    }

    /// The video's length in seconds, from its stream or the container.
    private static func videoLength(_ input: MediaInput, video: Int) -> Double? {
        let st = input.stream(video)
        let tb = Double(st.pointee.time_base.num) / Double(st.pointee.time_base.den)
        return st.pointee.duration != EncodedPacket.noTimestamp ? Double(st.pointee.duration) * tb
            : input.context.pointee.duration > 0 ? Double(input.context.pointee.duration) / Double(AV_TIME_BASE) : nil
    }

    /// A zone that misses the picture, or the file's time, would hide nothing while the
    /// record lists it: refused. One that reaches past an edge is clipped, and said so. Both
    /// as a player shows the file: the picture turned, the clock from the first frame.
    private static func checkZones(_ zones: [PrivacyZone], input: MediaInput, video: Int, codec: CodecParameters,
                                   into report: inout PreflightReport) throws(MediaError) {
        guard !zones.isEmpty else { return }
        let st = input.stream(video)
        let length = videoLength(input, video: video)
        let shown = SourceView(firstFramePts: 0, displayRotationDegrees: StreamReport(st).rotationDegrees)
            .shownSize(codedWidth: Int(codec.width), codedHeight: Int(codec.height))
        for (n, zone) in zones.enumerated() {
            do throws(OptionError) {
                _ = try zone.fit(width: shown.width, height: shown.height, number: n + 1)
                if let note = zone.edgeNote(width: shown.width, height: shown.height, number: n + 1) { report.notes.append(note) }
            } catch {
                report.reasons.append("\(error.option) \(error.value) \(error.accepted)")
            }
            if let length, let from = zone.from, from >= length {
                report.reasons.append("--zone #\(n + 1) starts at \(String(format: "%.2f", from)) s, after the video's \(String(format: "%.2f", length)) s end (zone times count from the first frame), so it would hide nothing")
            }
        }
    }
}
