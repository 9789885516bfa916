import Foundation

/// Little-endian writer for RedactFarm's own binary formats (segment files, wire messages).
/// Fixed-width integers only, so a reader on any machine decodes exactly what was written.
public struct BinaryWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ raw: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: raw)
    }

    public mutating func write(_ data: [UInt8]) {
        bytes.append(contentsOf: data)
    }

    /// A length-prefixed (UInt32) byte string.
    public mutating func writeBlob(_ data: [UInt8]) {
        write(UInt32(data.count))
        bytes.append(contentsOf: data)
    }

    public mutating func writeString(_ string: String) {
        writeBlob(Array(string.utf8))
    }
}

/// Reads what `BinaryWriter` wrote; every read is bounds-checked and throws on truncation,
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
        let count = Int(try read(UInt32.self))
        guard count <= maxCount else { throw Truncated(offset: offset, wanted: count) }
        return Array(try readSlice(count: count))
    }

    public mutating func readString(maxCount: Int = 1 << 20) throws -> String {
        String(decoding: try readBlob(maxCount: maxCount), as: UTF8.self)
    }
}
