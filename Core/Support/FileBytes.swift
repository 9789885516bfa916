import Foundation

/// Whole-file reads with errors that name the file, and the small file-descriptor helpers the
/// writers share.
public enum FileBytes {
    /// Writes every byte, retrying short writes and interrupted calls; the errno on failure.
    static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer) -> Int32? {
        var offset = 0
        while offset < raw.count {
            let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return n == 0 ? EIO : errno }
            offset += n
        }
        return nil
    }

    /// The file's size in bytes, or 0 when it cannot be read.
    public static func size(of path: String) -> Int64 {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
    }

    public static func read(_ path: String) throws(MediaError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw MediaError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw MediaError(path: path, reason: String(cString: strerror(errno))) }
        let size = Int(st.st_size)
        var offset = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buf, initialized in
            while offset < size {
                let n = Glibc.read(fd, buf.baseAddress! + offset, size - offset)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                offset += n
            }
            initialized = offset
        }
        guard offset == size else { throw MediaError(path: path, reason: "read failed after \(offset) of \(size) bytes") }
        return bytes
    }
}
