/// What a model is for: the key of every models map (a worker's hello, a task, a manifest),
/// each mapped to the SHA-256 of the exact file.
public enum ModelRole: String, Codable, Sendable, CaseIterable, Comparable {
    case face
    /// The face model quantized to int8 (`--precision int8`).
    case faceInt8 = "face-int8"
    case text

    /// The face model a job computing in `precision` runs.
    public static func face(for precision: InferencePrecision) -> ModelRole {
        precision == .int8 ? .faceInt8 : .face
    }

    /// The one file this build pins for the role.
    public var pinned: PinnedModel {
        switch self {
        case .face: .centerFace
        case .faceInt8: .centerFaceInt8
        case .text: .textDetector
        }
    }

    public static func < (a: ModelRole, b: ModelRole) -> Bool { a.rawValue < b.rawValue }

    /// role → SHA-256 of the pinned files for `roles`.
    public static func pinnedMap(_ roles: some Sequence<ModelRole>) -> [String: String] {
        Dictionary(uniqueKeysWithValues: Set(roles).map { ($0.rawValue, $0.pinned.sha256) })
    }
}
