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

    /// Streams the file through one reused 1 MiB buffer: memory stays flat whatever the file's
    /// size, and the buffer stays in cache. (Not mmap: a file truncated by another process
    /// while mapped would kill this one with SIGBUS.)
    public static func ofFile(at path: String) throws(MediaError) -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw MediaError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        let failed: Bool = buffer.withUnsafeMutableBytes { raw in
            while true {
                let n = read(fd, raw.baseAddress!, raw.count)
                if n == 0 { return false }
                // An interrupted read is tried again, never taken for the end of the file
                // (which would hash a prefix).
                if n < 0 { if errno == EINTR { continue } else { return true } }
                hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: raw[..<n]))
            }
        }
        if failed { throw MediaError(path: path, reason: "read failed: \(String(cString: strerror(errno)))") }
        return hex(hasher.finalize())
    }

    package static func hex<D: Digest>(_ digest: D) -> String {
        lowercaseHex(digest)
    }

    /// Bytes as lowercase hex, two digits each. The end of a job writes several digests per
    /// segment (outputs, payloads, the manifest's records), and `String(format:)` per byte
    /// was about a tenth of a 20,000-segment job's finish.
    package static func lowercaseHex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
