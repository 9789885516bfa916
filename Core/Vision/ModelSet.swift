import RedactSupport

/// The pinned models one process holds, each checked against its SHA-256 when loaded: what a
/// worker announces in its hello and what its detectors are built from.
public struct ModelSet: Sendable {
    public struct Loaded: Sendable {
        public let role: ModelRole
        public let path: String
        public let bytes: [UInt8]
        /// An IR's weights (`PinnedModel.weights`).
        public let weights: [UInt8]?
    }

    public private(set) var loaded: [ModelRole: Loaded] = [:]

    public init() {}

    /// Loads `role`'s pinned file from `path`, or from the first default place that has it.
    public mutating func load(_ role: ModelRole, path: String? = nil) throws(MediaError) {
        let (found, bytes, weights) = try role.pinned.load(path: path)
        loaded[role] = Loaded(role: role, path: found, bytes: bytes, weights: weights)
    }

    /// Loads `role` when its file is there; a file that is there but wrong still fails.
    public mutating func loadIfPresent(_ role: ModelRole, path: String? = nil) throws(MediaError) {
        guard path != nil || role.pinned.isPresent else { return }
        try load(role, path: path)
    }

    public subscript(role: ModelRole) -> Loaded? { loaded[role] }

    /// role → SHA-256 of what is held.
    public var map: [String: String] { ModelRole.pinnedMap(loaded.keys) }

    /// The model `role`, or an error naming what needs it.
    public func require(_ role: ModelRole, for purpose: String) throws(MediaError) -> Loaded {
        guard let model = loaded[role] else {
            throw MediaError(path: "", reason: "\(purpose) needs the \(role.pinned.role), which this machine does not have (run ops/setup.sh or pass its path)")
        }
        return model
    }
}
