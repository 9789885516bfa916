import Crypto
import RedactSupport

/// SHA-256 over a stream's packet payloads in file order, each prefixed by its length (so
/// moving bytes between packets changes it): what `verify` recomputes from the output.
public struct PayloadHash {
    private var hasher = SHA256()
    public private(set) var packets = 0

    public init() {}

    public mutating func add(_ data: [UInt8]) {
        var length = UInt32(data.count).littleEndian
        withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
        data.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        packets += 1
    }

    public func finalize() -> String { SHA256Hex.hex(hasher.finalize()) }
}
