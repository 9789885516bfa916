import Crypto
import Foundation

/// SHA-256 as lowercase hex: the one digest every RedactFarm record uses.
public enum SHA256Hex {
    public static func of(_ bytes: UnsafeRawBufferPointer) -> String {
        hex(SHA256.hash(data: bytes))
    }

    public static func of(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { of($0) }
    }

    /// Streams the file in 4 MiB chunks so memory does not grow with the file.
    public static func ofFile(at path: String) throws(MediaError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MediaError(path: path, reason: "cannot open for reading")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
            }
        } catch {
            throw MediaError(path: path, reason: "read failed: \(error.localizedDescription)")
        }
        return hex(hasher.finalize())
    }

    static func hex<D: Digest>(_ digest: D) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
