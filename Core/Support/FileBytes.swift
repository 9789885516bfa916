import Foundation

/// Whole-file reads with errors that name the file.
public enum FileBytes {
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
