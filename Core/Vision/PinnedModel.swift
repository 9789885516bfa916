import Foundation
import RedactSupport

/// A model file the project pins by SHA-256: fetched from a registry package by
/// ops/fetch-assets.sh, and checked again here before a single frame is looked at.
public struct PinnedModel: Sendable {
    public let fileName: String
    public let sha256: String
    /// What it is, for errors ("face model").
    public let role: String

    public static let centerFace = PinnedModel(
        fileName: "centerface.onnx", sha256: "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc", role: "face model")
    /// PP-OCRv4's text detector from rapidocr-onnxruntime 1.3.24, as shipped.
    public static let textDetector = PinnedModel(
        fileName: "ch_PP-OCRv4_det_infer.onnx", sha256: "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
        role: "licence-plate (text) model")

    /// The model's bytes from `path`, or from the first default place that has the file:
    /// $REDACTFARM_MODELS, then PREFIX/share/redactfarm for an executable installed in
    /// PREFIX/bin (`make install`), then `.cache/assets` in the working folder or above the
    /// executable (a checkout).
    public func load(path: String? = nil) throws(MediaError) -> (path: String, bytes: [UInt8]) {
        guard let found = path ?? defaultLocations().first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw MediaError(path: fileName, reason: "\(role) not found; run ops/setup.sh or pass its path")
        }
        let bytes = try FileBytes.read(found)
        let sha = SHA256Hex.of(bytes)
        guard sha == sha256 else {
            throw MediaError(path: found, reason: "\(role) has SHA-256 \(sha.prefix(12))…, expected the pinned \(sha256.prefix(12))…")
        }
        return (found, bytes)
    }

    /// Whether a default place has the file (not whether it is the right one: `load` checks).
    public var isPresent: Bool { defaultLocations().contains { FileManager.default.fileExists(atPath: $0) } }

    func defaultLocations() -> [String] {
        var places: [String] = []
        if let dir = ProcessInfo.processInfo.environment["REDACTFARM_MODELS"] { places.append(dir + "/" + fileName) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        places.append(dir.deletingLastPathComponent().path + "/share/redactfarm/" + fileName)
        places.append(FileManager.default.currentDirectoryPath + "/.cache/assets/" + fileName)
        for _ in 0..<5 {
            places.append(dir.path + "/.cache/assets/" + fileName)
            dir = dir.deletingLastPathComponent()
        }
        return places
    }
}
