import ArgumentParser
import RedactCore

/// Where the pinned models are, for the commands that detect (`run`, `worker`, `audit`).
struct ModelOptions: ParsableArguments {
    @Option(help: "Path to centerface.onnx (default: the pinned copy fetched by ops/setup.sh).")
    var model: String?

    @Option(name: .customLong("int8-model"), help: "Path to the int8 face model, \(PinnedModel.centerFaceInt8.fileName), with its weights beside it (default: the pinned copy made by ops/setup.sh); used with --precision int8.")
    var int8Model: String?

    @Option(help: "Path to the licence-plate (text) model, \(PinnedModel.textDetector.fileName) (default: the pinned copy made by ops/setup.sh).")
    var plateModel: String?
}

extension ModelOptions {
    /// The path given for `role`, if any.
    func path(for role: ModelRole) -> String? {
        switch role {
        case .face: model
        case .faceInt8: int8Model
        case .text: plateModel
        }
    }

    /// The pinned models: `required` ones fail without their file, `optional` ones are
    /// loaded when present (a file given by path, or present but wrong, still fails).
    func load(required: [ModelRole], optional: [ModelRole] = []) throws(MediaError) -> ModelSet {
        var set = ModelSet()
        for role in Set(required).sorted() { try set.load(role, path: path(for: role)) }
        for role in Set(optional).subtracting(required).sorted() { try set.loadIfPresent(role, path: path(for: role)) }
        return set
    }
}
