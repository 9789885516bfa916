import ArgumentParser
import Foundation
import RedactCore

struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "List the faces found in every frame, without changing anything.",
        discussion: "For reviewing what the detector sees and tuning --threshold and --inference-scale before a run."
    )

    @Argument(help: "The video file to scan.")
    var file: String

    @Option(parsing: .unconditional, help: "Detection score threshold (0.01-0.9); lower finds more, with more false alarms.")
    var threshold: Double = 0.2

    @Option(parsing: .unconditional, help: "Network input size relative to the source: 1 finds faces from about 16 px, 2 from about 8 px at 4x the cost.")
    var inferenceScale: Double = 1.0

    @Option(help: "Path to centerface.onnx (default: the pinned copy fetched by ops/setup.sh).")
    var model: String?

    @OptionGroup var common: CommonOptions

    struct FrameRow: Codable {
        var pts: Int64
        var faces: [Detection]
    }

    func run() throws {
        _ = try reportingErrors(verbose: common.verbose) { () throws(OptionError) -> Double in
            try JobLimits.check("--threshold", threshold, in: JobLimits.threshold, "a detection score")
            try JobLimits.check("--inference-scale", inferenceScale, in: JobLimits.inferenceScale, "network input size relative to the source")
            return threshold
        }
        try reportingErrors(verbose: common.verbose) {
            let detector = try CenterFaceDetector(model: try CenterFaceModel.load(path: model),
                                                  options: .init(threshold: threshold, inferenceScale: inferenceScale))
            var rows: [FrameRow] = []
            try FileDetections.scan(path: file, detector: detector) { (pts, found) throws(MediaError) in
                if common.json {
                    rows.append(FrameRow(pts: pts, faces: found))
                } else {
                    let boxes = found.map { d in
                        String(format: "[%.0f,%.0f %.0fx%.0f %.2f]", d.box.x0, d.box.y0, d.box.width, d.box.height, d.score)
                    }
                    print("pts \(pts): \(found.count) \(boxes.joined(separator: " "))")
                }
            }
            if common.json { try Terminal.printJSON(rows) }
        }
    }
}
