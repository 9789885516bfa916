import ArgumentParser
import Foundation
import RedactCoordinator
import RedactCore

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Look for faces an output still shows: an independent check of a redaction.",
        discussion: """
        Decodes OUT again and searches every frame for faces (and licence plates, when the \
        job hid them) with settings other than the ones that redacted it: another network \
        input scale, half the score threshold (at most 0.1). Whatever is found outside \
        every region the detections sidecar says was hidden is listed as a possible miss, \
        with its time and box, for a person to look at.

        With --source, the source is searched with the same settings too, and the share of \
        what is found there that lies in hidden regions is printed: how much of what this \
        audit can see the redaction covered.

        Exit status: 0 when nothing was found, 1 when there are possible misses (or the \
        output or its record cannot be read).
        """
    )

    @Argument(help: "A redacted output (its OUT.detections.json must be beside it).")
    var output: String

    @Option(help: "The source it was redacted from, to measure the audit's view of it.")
    var source: String?

    @Option(parsing: .unconditional, help: "Examine every Nth frame (1: all).")
    var every: Int = 1

    @OptionGroup var models: ModelOptions

    @OptionGroup var common: CommonOptions

    struct Result: Encodable {
        var output: AuditSummary
        var source: AuditSummary?
    }

    func run() throws {
        // (A closure with a typed throw and no result crashes swiftc 6.3 here.)
        let every = try reportingErrors(verbose: common.verbose) { () throws(OptionError) -> Int in
            try JobLimits.check("--every", self.every, in: 1...1000)
            return self.every
        }
        let result = try reportingErrors(verbose: common.verbose) { () throws(MediaError) -> Result in
            let report = try OutputRecord.detections(of: output)
            let settings = LeakAudit.settings(for: report.job, every: every)
            let held = try models.load(required: report.job.targets.contains(.plate) ? [.face, .text] : [.face])
            let faceModel = try held.require(.face, for: "the audit")
            let faces = try CenterFaceDetector(model: CenterFaceModel(path: faceModel.path, bytes: faceModel.bytes),
                                               options: .init(threshold: settings.threshold, inferenceScale: settings.scale))
            let plates = try held[.text].map { (m) throws(MediaError) in try TextRegionDetector(model: m.bytes, path: m.path) }
            InferenceThreads.set(ProcessInfo.processInfo.activeProcessorCount)
            // A file with several video streams is audited a stream at a time, each against
            // what was hidden in its own frames (the k-th video stream of the output and of the
            // source is the k-th the sidecar lists).
            let others = report.streamTimeBases ?? []
            func audit(_ path: String) throws(MediaError) -> AuditSummary {
                guard !others.isEmpty else {
                    return try LeakAudit.run(output: path, hidden: report.perFrame, timeBase: report.timeBase, job: report.job,
                                             faces: faces, plates: plates, settings: settings)
                }
                let inFile = try MediaInput(path: path).videoStreams()
                guard inFile.count == others.count + 1 else {
                    throw MediaError(path: path, reason: "has \(inFile.count) video stream(s), the detections list \(others.count + 1)")
                }
                let listed: [(stream: Int?, timeBase: Rational)] = [(nil, report.timeBase)] + others.map { ($0.stream, $0.timeBase) }
                var parts: [AuditSummary] = []
                for (video, inPath) in zip(listed, inFile) {
                    parts.append(try LeakAudit.run(output: path, hidden: report.perFrame.filter { $0.stream == video.stream }, timeBase: video.timeBase,
                                                   job: report.job, faces: faces, plates: plates, settings: settings,
                                                   stream: (inPath, video.stream)))
                }
                return AuditSummary.merged(parts)!
            }
            var result = Result(output: try audit(output), source: nil)
            if let source { result.source = try audit(source) }
            return result
        }
        let audited = result.output, sourceAudit = result.source
        if common.json {
            try Terminal.printJSON(result)
        } else {
            print(AuditText.render(audited, path: output))
            if let sourceAudit, let source {
                let covered = sourceAudit.detections - sourceAudit.findings.count
                let share = sourceAudit.detections > 0 ? String(format: "%.1f%%", 100 * Double(covered) / Double(sourceAudit.detections)) : "-"
                print("source \(source): \(sourceAudit.detections) detection(s) at the audit's settings, \(covered) (\(share)) inside hidden regions")
            }
        }
        if !audited.passed { throw ExitCode(1) }
    }
}

/// The audit as a person reads it.
enum AuditText {
    static func render(_ a: AuditSummary, path: String) -> String {
        let how = "\(a.framesExamined) frames, \(a.detector) at scale \(a.scales.map { String($0) }.joined(separator: ",")), threshold \(a.threshold)"
        let weak = a.weak.isEmpty ? "" : "; \(a.weak.count) weak detection(s) outside hidden regions listed with --json"
        guard !a.passed else { return "audited \(path): \(how): no possible misses\(weak)" }
        var lines = ["audited \(path): \(how): \(a.findings.count) possible miss(es) in \(a.framesWithFindings) frame(s)\(weak)"]
        for f in a.findings.prefix(50) {
            lines.append(String(format: "  %.3f s (pts %lld): box %@ score %.2f", f.seconds, f.pts,
                                f.box.map { String(Int($0.rounded())) }.joined(separator: ","), f.score))
        }
        if a.findings.count > 50 { lines.append("  … and \(a.findings.count - 50) more (--json lists all)") }
        return lines.joined(separator: "\n")
    }
}
