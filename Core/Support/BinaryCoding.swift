import Crypto
import Foundation

/// Where RedactFarm's binary formats (segment files, wire messages) are written: an array in
/// memory or a file. Fixed-width little-endian integers only, so any machine reads back
/// exactly what was written.
public protocol ByteSink {
    mutating func append(_ bytes: UnsafeRawBufferPointer)
}

extension ByteSink {
    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { append($0) }
    }

    public mutating func write(_ data: [UInt8]) {
        data.withUnsafeBytes { append($0) }
    }

    /// A length-prefixed (UInt32) byte string.
    public mutating func writeBlob(_ data: [UInt8]) {
        write(UInt32(data.count))
        write(data)
    }

    public mutating func writeString(_ string: String) {
        writeBlob(Array(string.utf8))
    }
}

/// Bytes in memory.
public struct BinaryWriter: ByteSink, Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func append(_ raw: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: raw)
    }
}

/// Bytes to a file descriptor through one small buffer, hashed (SHA-256) on the way, so a
/// large record is written and fingerprinted without ever being assembled in memory.
public struct HashingFileWriter: ByteSink {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var hasher = SHA256()
    public private(set) var byteCount = 0
    public private(set) var failed: Int32? = nil
    private static let capacity = 256 << 10

    public init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(Self.capacity)
    }

    public mutating func append(_ raw: UnsafeRawBufferPointer) {
        byteCount += raw.count
        if buffer.count + raw.count <= Self.capacity {
            buffer.append(contentsOf: raw)
            return
        }
        flush()
        if raw.count >= Self.capacity / 4 {
            emit(raw)
        } else {
            buffer.append(contentsOf: raw)
        }
    }

    /// Writes what is buffered and returns the hex SHA-256 of everything, or the errno of the
    /// first failed write.
    public mutating func finish() -> Result<String, Errno> {
        flush()
        if let failed { return .failure(Errno(code: failed)) }
        return .success(SHA256Hex.hex(hasher.finalize()))
    }

    public struct Errno: Error { public var code: Int32 }

    private mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { emit($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func emit(_ raw: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: raw)
        guard failed == nil else { return }
        failed = FileBytes.writeAll(fd, raw)
    }
}

/// Reads what a `ByteSink` wrote; every read is bounds-checked and throws on truncation,
/// so a damaged file or message is an error, never a crash.
public struct BinaryReader {
    public let bytes: UnsafeRawBufferPointer
    public private(set) var offset: Int = 0

    public struct Truncated: Error, CustomStringConvertible {
        public let offset: Int
        public let wanted: Int
        public var description: String { "truncated data: wanted \(wanted) bytes at offset \(offset)" }
    }

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    public var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { offset >= bytes.count }

    public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw Truncated(offset: offset, wanted: size) }
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + size]))
        }
        offset += size
        return T(littleEndian: value)
    }

    /// A view into the underlying bytes; valid as long as they are.
    public mutating func readSlice(count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else { throw Truncated(offset: offset, wanted: count) }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
        offset += count
        return slice
    }

    public mutating func readBlob(maxCount: Int = Int(UInt32.max)) throws -> [UInt8] {
        Array(try readBlobSlice(maxCount: maxCount))
    }

    /// Steps over a length-prefixed byte string without copying it.
    public mutating func skipBlob(maxCount: Int = Int(UInt32.max)) throws {
        _ = try readBlobSlice(maxCount: maxCount)
    }

    /// A length-prefixed byte string, as a view (`readSlice`).
    private mutating func readBlobSlice(maxCount: Int) throws -> UnsafeRawBufferPointer {
        let count = Int(try read(UInt32.self))
        guard count <= maxCount else { throw Truncated(offset: offset, wanted: count) }
        return try readSlice(count: count)
    }

    public mutating func readString(maxCount: Int = 1 << 20) throws -> String {
        String(decoding: try readBlob(maxCount: maxCount), as: UTF8.self)
    }
}
