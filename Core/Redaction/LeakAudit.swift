import Foundation
import RedactMedia
import RedactSupport
import RedactVision

/// An independent look at a finished output: the redacted file is decoded again and searched
/// for faces (and plates, when they were targeted) with detector settings other than the ones
/// that redacted it (another input scale, a lower threshold, every frame rather than every
/// Nth), and whatever is found outside every hidden region is listed as a possible miss.
///
/// It does not prove an output clean (the same model family looks twice), but it catches what
/// the redaction's own settings are blind to: a face the tracker lost between passes, a target
/// switched off, a zone in the wrong place.
public enum LeakAudit {
    public struct Settings: Equatable, Sendable {
        public var threshold: Double
        public var scale: Double
        /// Every Nth frame is examined (1: all of them).
        public var every: Int
    }

    /// Settings that differ from the job's: half its threshold (at most 0.1), and an input
    /// scale it did not use.
    public static func settings(for job: RedactionJob, every: Int = 1) -> Settings {
        let threshold = max(JobLimits.threshold.lowerBound, min(0.1, job.detector.threshold / 2))
        let scale = [1.5, 1.25, 1.75].first { abs($0 - job.detector.inferenceScale) > 0.01 } ?? 1.5
        return Settings(threshold: threshold, scale: scale, every: max(1, every))
    }

    /// Audits one video stream of an output: what the coordinator calls after a stitch for
    /// jobs that ask for it, for each video stream (`stream`: the one to decode, by its index
    /// in the output, and the source stream its findings name, when not the first; nil: the
    /// output's only one).
    public typealias Runner = @Sendable (_ output: String, _ hidden: [ProcessedSegment.FrameCoverage], _ timeBase: Rational,
                                         _ job: RedactionJob, _ stream: (output: Int, source: Int?)?) throws(MediaError) -> AuditSummary

    /// A runner on the pinned models; each call builds its own detectors (they are not shared
    /// between threads, and stitches run side by side).
    public static func runner(models: ModelSet) -> Runner {
        { (output: String, hidden: [ProcessedSegment.FrameCoverage], timeBase: Rational, job: RedactionJob,
           stream: (output: Int, source: Int?)?) throws(MediaError) -> AuditSummary in
            let settings = Self.settings(for: job)
            let faceModel = try models.require(.face, for: "the leak audit")
            let faces = try CenterFaceDetector(model: CenterFaceModel(path: faceModel.path, bytes: faceModel.bytes),
                                               options: .init(threshold: settings.threshold, inferenceScale: settings.scale))
            let plates = try job.targets.contains(.plate) ? { () throws(MediaError) -> TextRegionDetector in
                let m = try models.require(.text, for: "the leak audit of licence plates")
                return try TextRegionDetector(model: m.bytes, path: m.path)
            }() : nil
            do throws(MediaError) {
                return try run(output: output, hidden: hidden, timeBase: timeBase, job: job, faces: faces, plates: plates, settings: settings,
                               stream: stream)
            } catch {
                throw error.path.isEmpty ? MediaError(path: output, reason: error.reason, transient: error.transient) : error
            }
        }
    }

    /// A detection counts as hidden when at least this share of it lies in hidden regions.
    static let coveredShare = 0.5

    /// Audits `output` against what its record says was hidden (`hidden`, per frame pts) with
    /// `faces` (and `plates`, for a job that hid them), built with `settings`. `job` gives the
    /// padding, shape and targets.
    /// `timeBase`: the video's, in which `hidden` gives its pts.
    /// `stream`: as `Runner` takes it.
    public static func run(output: String, hidden: [ProcessedSegment.FrameCoverage], timeBase: Rational, job: RedactionJob,
                           faces: any FaceFinder, plates: TextRegionDetector?, settings: Settings,
                           stream: (output: Int, source: Int?)? = nil, onFrame: () -> Void = {}) throws(MediaError) -> AuditSummary {
        var regions: [Int64: [Box]] = [:]
        for frame in hidden {
            // What a reviewer decided to leave visible (the data subject, a track that was no
            // face) is accounted for: shown on purpose, recorded, not a miss.
            regions[frame.pts] = (frame.covered + (frame.kept ?? []) + (frame.unhidden ?? [])).map { $0.target == .zone ? $0.box : $0.box.scaled(by: max(1, job.look.padding)) }
        }
        var candidates: [(frame: Int, box: Box, finding: AuditSummary.Finding)] = []
        var examined = 0, seen = 0, detections = 0
        try VideoFileDecoder.forEachFrame(path: output, stream: stream?.output) { (frame) throws(MediaError) in
            defer { seen += 1 }
            guard seen % settings.every == 0 else { return }
            let view = VideoFrame(frame)
            var found = try faces.detect(view, scale: settings.scale)
            if job.targets.contains(.plate) {
                guard let plates else { throw MediaError(path: output, reason: "the audit of licence plates needs the licence-plate (text) model") }
                found += try plates.detect(view)
            }
            let boxes = regions[view.pts] ?? []
            detections += found.count
            for d in found where share(of: d.box, inside: boxes) < coveredShare {
                candidates.append((examined, d.box, .init(
                    pts: view.pts, seconds: (Double(view.pts) * timeBase.doubleValue).rounded(toPlaces: 3),
                    box: [d.box.x0, d.box.y0, d.box.width, d.box.height].map { $0.rounded(toPlaces: 1) },
                    score: d.score.rounded(toPlaces: 3), stream: stream?.source)))
            }
            examined += 1
            onFrame()
        }
        // A possible miss scores at least what the job itself would have acted on and is
        // seen again in a neighbouring examined frame at the same place: a face left in view
        // stays in view, while the audit's low-threshold false alarms (mosaic edges, texture)
        // mostly flicker. Everything else is listed as weak, for review.
        var byFrame: [Int: [Box]] = [:]
        for c in candidates { byFrame[c.frame, default: []].append(c.box) }
        var strong: [AuditSummary.Finding] = [], weak: [AuditSummary.Finding] = []
        for c in candidates {
            let seenAgain = [c.frame - 1, c.frame + 1].contains { byFrame[$0]?.contains { $0.intersectionOverUnion(c.box) > 0.3 } == true }
            if c.finding.score >= job.detector.threshold && seenAgain { strong.append(c.finding) } else { weak.append(c.finding) }
        }
        return AuditSummary(detector: "CenterFace" + (job.targets.contains(.plate) ? " + PP-OCRv4 text" : ""), threshold: settings.threshold,
                            scales: [settings.scale], framesExamined: examined, detections: detections, findings: strong, weak: weak)
    }

    /// The share of `box` inside the union of `regions`, sampled on a 10 x 10 grid.
    static func share(of box: Box, inside regions: [Box]) -> Double {
        guard !regions.isEmpty, box.width > 0, box.height > 0 else { return 0 }
        var inside = 0
        for i in 0..<10 {
            for j in 0..<10 {
                let x = box.x0 + (Double(i) + 0.5) * box.width / 10, y = box.y0 + (Double(j) + 0.5) * box.height / 10
                if regions.contains(where: { x >= $0.x0 && x < $0.x1 && y >= $0.y0 && y < $0.y1 }) { inside += 1 }
            }
        }
        return Double(inside) / 100
    }
}
