import Foundation
import RedactSupport

/// A model file the project pins by SHA-256: fetched from a registry package (or made from one
/// by ops/fetch-assets.sh), and checked again here before a single frame is looked at.
public struct PinnedModel: Sendable {
    public let fileName: String
    public let sha256: String
    /// What it is, for errors ("face model").
    public let role: String
    /// An OpenVINO IR's weights, beside its XML (`fileName`) with the same stem, pinned too.
    public let weights: (fileName: String, sha256: String)?

    init(fileName: String, sha256: String, role: String, weights: (fileName: String, sha256: String)? = nil) {
        self.fileName = fileName
        self.sha256 = sha256
        self.role = role
        self.weights = weights
    }

    public static let centerFace = PinnedModel(
        fileName: "centerface.onnx", sha256: "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc", role: "face model")
    /// PP-OCRv4's text detector from rapidocr-onnxruntime 1.3.24, as shipped.
    public static let textDetector = PinnedModel(
        fileName: "ch_PP-OCRv4_det_infer.onnx", sha256: "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
        role: "licence-plate (text) model")
    /// CenterFace quantized to int8 by ops/models/quantize-centerface.py (NNCF, pinned) from
    /// `centerFace`, as OpenVINO IR. The SHA-256 of the XML is the model's in every models map;
    /// the weights are checked against their own pin whenever it is loaded.
    public static let centerFaceInt8 = PinnedModel(
        fileName: "centerface-int8.xml", sha256: "dd9fcfe3ac4adf00f9ea39066014cf754503c3b8e7e2edee07274e2e4ed3569f",
        role: "int8 face model", weights: ("centerface-int8.bin", "2456ef575b4f81d9cc34c1ea53980a626c40930c30e9ec528b5107af4face0de"))

    /// The model's bytes from `path`, or from the first default place that has the file:
    /// $REDACTFARM_MODELS, then PREFIX/share/redactfarm for an executable installed in
    /// PREFIX/bin (`make install`), then `.cache/assets` in the working folder or above the
    /// executable (a checkout).
    /// An IR's weights come from beside the XML found.
    public func load(path: String? = nil) throws(MediaError) -> (path: String, bytes: [UInt8], weights: [UInt8]?) {
        guard let found = path ?? defaultLocations().first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw MediaError(path: fileName, reason: "\(role) not found; run ops/setup.sh or pass its path")
        }
        let bytes = try Self.read(found, pinned: sha256, role: role)
        guard let weights else { return (found, bytes, nil) }
        let folder = URL(fileURLWithPath: found).deletingLastPathComponent().path
        return (found, bytes, try Self.read(folder + "/" + weights.fileName, pinned: weights.sha256, role: role + "'s weights"))
    }

    private static func read(_ path: String, pinned: String, role: String) throws(MediaError) -> [UInt8] {
        let bytes = try FileBytes.read(path)
        let sha = SHA256Hex.of(bytes)
        guard sha == pinned else {
            throw MediaError(path: path, reason: "\(role) has SHA-256 \(sha.prefix(12))…, expected the pinned \(pinned.prefix(12))…")
        }
        return bytes
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
