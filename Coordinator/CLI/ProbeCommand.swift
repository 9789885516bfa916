import ArgumentParser
import RedactCore

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Describe a file: container, streams, GOP structure and the segment plan.",
        discussion: """
        Reads every video packet (without decoding) to report keyframes, GOP lengths and \
        open-GOP points: H.264 I-frames that are recovery points but not IDR, HEVC CRA \
        pictures with leading pictures. The plan shown is exactly what `split` would write \
        for the same --segment-seconds.

        It ends with whether the file can be redacted and why not: the same check `run` and \
        the coordinator make before a byte is split (pixel format, encoder, container, every \
        stream to copy). Exit status 1 when it cannot.

        With --zone (as `run` takes it), it also shows where each zone lands, on the picture \
        as shown and in coded pixels, and which frames it is active in.
        """
    )

    @Argument(help: "The video file to describe.")
    var file: String

    @Option(help: "Target segment length for the plan preview, in seconds.")
    var segmentSeconds: Double = 10

    @Option(name: .customLong("zone"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("A zone as `run --zone` takes it, to see where it lands and which frames it covers. Repeat for more.", valueName: "zone"))
    var zones: [String] = []

    @Option(help: ArgumentHelp("The frame rate of a raw video stream whose header states none, as `run --fps` takes it.", valueName: "rate"))
    var fps: String?

    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors(verbose: common.verbose) { try checkSegmentSeconds(segmentSeconds) }
        var job = RedactionJob()
        job.zones = try reportingErrors(verbose: common.verbose) { try zones.map { (zone) throws(OptionError) in try PrivacyZone(parsing: zone) } }
        job.sourceFrameRate = try reportingErrors(verbose: common.verbose) { () throws(OptionError) -> Rational? in try fps.map { (text) throws(OptionError) in try FrameRateArgument.parse(text) } }
        let rate = job.sourceFrameRate
        let report = try reportingErrors(verbose: common.verbose) {
            try MediaProbe.probe(path: file, segmentSeconds: segmentSeconds, frameRate: rate)
        }
        let previews = try reportingErrors(verbose: common.verbose) { try ZonePreview.preview(job.zones, path: file, frameRate: rate) }
        let preflight = Preflight.check(path: file, job: job)
        if common.json {
            try Terminal.printJSON(Output(probe: report, redaction: preflight, zones: previews.isEmpty ? nil : previews))
        } else {
            print(ProbeText.render(report))
            if !previews.isEmpty { print(ProbeText.render(previews)) }
            print(ProbeText.render(preflight))
        }
        if !preflight.canRedact { throw ExitCode(1) }
    }

    struct Output: Encodable {
        var probe: ProbeReport
        var redaction: PreflightReport
        var zones: [ZonePreview]?
    }
}

/// The human-readable form of a probe report.
enum ProbeText {
    static func render(_ r: ProbeReport) -> String {
        var lines: [String] = []
        lines.append("\(r.file)")
        lines.append("  container  \(r.containerLongName) (\(r.container)), \(r.sizeBytes) bytes"
            + (r.durationSeconds.map { ", \($0.formatted(3)) s" } ?? ""))
        for s in r.streams {
            var parts = ["#\(s.index) \(s.type)", s.codec + (s.profile.map { " (\($0))" } ?? "")]
            if let w = s.width, let h = s.height { parts.append("\(w)x\(h)") }
            if let pf = s.pixelFormat { parts.append(pf) }
            if let cs = s.colorSpace, cs != "unknown" || s.colorRange != "unknown" {
                parts.append("colour \(s.colorRange ?? "?")/\(cs)/\(s.colorPrimaries ?? "?")/\(s.colorTransfer ?? "?")")
            }
            if let fr = s.averageFrameRate { parts.append("\(fr.doubleValue.formatted(3)) fps" + (s.variableFrameRate == true ? " (variable)" : "")) }
            if let rot = s.rotationDegrees { parts.append("rotation \(rot.formatted(0))°") }
            if let sr = s.sampleRate { parts.append("\(sr) Hz") }
            if let layout = s.channelLayout { parts.append(layout) }
            if let lang = s.language { parts.append("lang \(lang)") }
            parts.append("tb \(s.timeBase)")
            lines.append("  stream     " + parts.joined(separator: ", "))
        }
        let videos = r.everyVideo
        for video in videos {
            let g = video.gop, of = videos.count > 1 ? " of stream #\(video.stream)" : ""
            lines.append("  gop        \(g.frames) frames\(of), \(g.keyframes) keyframes \(g.keyframeKinds.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
            lines.append("             GOP frames min \(g.shortestGOPFrames) / mean \(g.meanGOPFrames.formatted(1)) / max \(g.longestGOPFrames) (longest \(g.longestGOPSeconds.formatted(2)) s)")
            lines.append("             open-GOP points \(g.openGOPPoints), most leading pictures \(g.maxLeadingPictures)")
            lines.append("  plan       \(video.plan.segments.count) segments\(of) for \(video.plan.targetSegmentSeconds.formatted(1)) s target")
            for e in video.plan.segments {
                lines.append("             #\(e.index) at \(e.startSeconds.formatted(3)) s: \(e.frames) frames"
                    + (e.decodePrefixFrames > 0 ? " (+\(e.decodePrefixFrames) decode-only)" : ""))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func render(_ zones: [ZonePreview]) -> String {
        func box(_ b: [Double]) -> String { b.map { $0.formatted(0) }.joined(separator: ",") }
        return zones.map { z in
            let when = z.firstFrame.map { "frames \($0)-\(z.lastFrame ?? $0) (\(z.frames), \(z.firstSeconds?.formatted(3) ?? "?")-\(z.lastSeconds?.formatted(3) ?? "?") s from the first frame)" }
                ?? "no frame: it is active only after the video ends"
            guard z.shownBox.count == 4, z.shownBox[2] >= 1, z.shownBox[3] >= 1 else {
                return "  zone #\(z.number)\(z.stream.map { " (stream #\($0))" } ?? "")    lies outside the picture: it would hide nothing"
            }
            let stream = z.stream.map { " (stream #\($0))" } ?? ""
            return "  zone #\(z.number)\(stream)    shown at \(box(z.shownBox)), coded at \(box(z.codedBox)): \(when)"
        }.joined(separator: "\n")
    }

    static func render(_ p: PreflightReport) -> String {
        var lines: [String] = []
        if p.canRedact {
            lines.append("  redaction  can be redacted: yes, re-encoded with \(p.encoder ?? "?") into \(p.muxer ?? "?")")
        } else {
            lines.append("  redaction  can be redacted: no, because")
            lines += p.reasons.map { "             - \($0)" }
        }
        for s in p.streams where s.action != .redacted {
            lines.append("             stream #\(s.index) \(s.type) \(s.codec): \(s.action.rawValue)" + (s.reason.map { " (\($0))" } ?? ""))
        }
        if p.canRedact, let copying = p.copying { lines.append("  copying    \(copying)") }
        lines += p.notes.map { "             note: \($0)" }
        return lines.joined(separator: "\n")
    }
}
