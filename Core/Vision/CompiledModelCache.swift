import Foundation
import RedactSupport

/// Where OpenVINO keeps the networks it compiled (its model cache, `CACHE_DIR`), so a process
/// imports them instead of compiling again. Compiling the face model for each input size it
/// met (the full-frame passes, the crops) cost each worker slot 270-410 ms a size at every
/// start (2 slots: 2.5 core-seconds of a 13-second `run`); imported, the second slot's and
/// every later run's take 100-235 ms, and the outputs are byte-identical (Benchmarks/README.md,
/// "Compiled networks kept").
///
/// A blob is as trusted as the folder it is in: it is in the same user's home as the signing
/// keys (beside them under $REDACTFARM_HOME), so whoever could replace one could sign a
/// manifest anyway. The folder is the user's alone (0700). One subfolder per runtime and
/// processor (`fingerprint`): a home shared between machines never hands one CPU's compiled
/// network to another. Bounded: beyond `capacityBytes` the oldest blobs are deleted when a
/// process first compiles. A blob that cannot be imported is compiled again
/// (`OpenVINONetwork`); a folder that cannot be made means no cache, never a failed job.
public struct CompiledModelCache: Sendable, Equatable {
    /// This runtime's and processor's folder, made and pruned.
    public let folder: String

    public static let capacityBytes = 256 << 20

    private static let lock = NSLock()
    nonisolated(unsafe) private static var root: String?
    nonisolated(unsafe) private static var prepared: CompiledModelCache??

    /// Keeps compiled networks under `root` in this process (nil: none). The folder is made
    /// when a network is first compiled, so a command that runs none leaves nothing behind.
    public static func use(root: String?) {
        lock.withLock {
            self.root = root
            prepared = nil
        }
    }

    /// The process's cache (`use(root:)`), its folder made and pruned on first use; nil: every
    /// network is compiled.
    public static var shared: CompiledModelCache? {
        lock.withLock {
            if let prepared { return prepared }
            let cache = root.flatMap { CompiledModelCache(root: $0) }
            prepared = .some(cache)
            return cache
        }
    }

    /// Makes `root/<fingerprint>` (the user's only) and deletes the oldest blobs under `root`
    /// beyond `capacity`; nil where the folder cannot be made or written.
    public init?(root: String, capacity: Int = CompiledModelCache.capacityBytes) {
        let folder = root + "/" + Self.fingerprint
        let files = FileManager.default
        guard (try? files.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])) != nil,
              files.isWritableFile(atPath: folder) else { return nil }
        _ = try? files.setAttributes([.posixPermissions: 0o700], ofItemAtPath: root)
        self.folder = folder
        Self.prune(root, to: capacity)
    }

    /// The runtime's build and the processor's model and instruction sets, hashed.
    static let fingerprint: String = {
        let identity = [OpenVINONetwork.version, InferencePrecision.cpuField("model name"), InferencePrecision.cpuField("flags")].joined(separator: "\n")
        return "openvino-" + SHA256Hex.of(Array(identity.utf8)).prefix(16)
    }()

    /// Deletes the least recently written blobs under `root` (every runtime's folder) until
    /// what is left fits in `capacity` bytes.
    static func prune(_ root: String, to capacity: Int) {
        let files = FileManager.default
        guard let names = files.subpaths(atPath: root) else { return }
        var blobs: [(path: String, size: Int, written: Date)] = []
        for name in names where name.hasSuffix(".blob") {
            let path = root + "/" + name
            guard let attributes = try? files.attributesOfItem(atPath: path) else { continue }
            blobs.append((path, (attributes[.size] as? Int) ?? 0, (attributes[.modificationDate] as? Date) ?? .distantPast))
        }
        var total = blobs.reduce(0) { $0 + $1.size }
        for blob in blobs.sorted(by: { $0.written < $1.written }) where total > capacity {
            if (try? files.removeItem(atPath: blob.path)) != nil { total -= blob.size }
        }
    }
}
