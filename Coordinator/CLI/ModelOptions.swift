import ArgumentParser
import RedactCore

/// Where the pinned models are, for the commands that detect (`run`, `worker`, `audit`).
struct ModelOptions: ParsableArguments {
    @Option(help: "Path to centerface.onnx (default: the pinned copy fetched by ops/setup.sh).")
    var model: String?

    @Option(help: "Path to the licence-plate (text) model, \(PinnedModel.textDetector.fileName) (default: the pinned copy made by ops/setup.sh).")
    var plateModel: String?
}
