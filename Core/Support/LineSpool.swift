import Foundation

/// Lines kept on disk instead of in memory, appended in order and read back in that order as
/// often as needed: what a file's stitch learns about each of 100,000 segments, which the
/// manifest is written from after the last one, without the coordinator's memory growing with
/// every segment finished.
///
/// One owner: the spool holds its descriptor open for appending until `close()` (or deinit),
/// and each reading opens the file afresh.
public final class LineSpool {
    public let path: String
    public private(set) var count = 0
    private var fd: Int32
    private var pending: [UInt8] = []
    private static var bufferSize: Int { 1 << 16 }

    /// Creates the spool at `path`, replacing any file there (a stitch started again after a
    /// restart starts its lines again).
    public init(path: String) throws(MediaError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw MediaError(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// `line` must not hold a line feed: it would read back as two.
    public func append(_ line: some Collection<UInt8>) throws(MediaError) {
        guard fd >= 0 else { throw MediaError(path: path, reason: "the spool is closed to new lines") }
        guard !line.contains(UInt8(ascii: "\n")) else { throw MediaError(path: path, reason: "line \(count + 1) holds a line feed") }
        pending += line
        pending.append(UInt8(ascii: "\n"))
        count += 1
        if pending.count >= Self.bufferSize { try flush() }
    }

    /// Writes what is buffered and closes the file to new lines; reading may begin.
    public func close() throws(MediaError) {
        guard fd >= 0 else { return }
        try flush()
        Glibc.close(fd)
        fd = -1
    }

    /// Every line in the order appended (without its line feed). The spool must be closed, and
    /// the file must still hold every line written, whole.
    public func forEach(_ body: (ArraySlice<UInt8>) throws(MediaError) -> Void) throws(MediaError) {
        guard fd < 0 else { throw MediaError(path: path, reason: "the spool is read before it is closed") }
        let input = open(path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw MediaError(path: path, reason: String(cString: strerror(errno))) }
        defer { Glibc.close(input) }
        var buffer = [UInt8](repeating: 0, count: Self.bufferSize)
        var partial: [UInt8] = []
        var seen = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress!, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw MediaError(path: path, reason: String(cString: strerror(errno))) }
            if n == 0 { break }
            var start = 0
            for i in 0..<n where buffer[i] == UInt8(ascii: "\n") {
                seen += 1
                if partial.isEmpty {
                    try body(buffer[start..<i])
                } else {
                    partial += buffer[start..<i]
                    try body(partial[...])
                    partial.removeAll(keepingCapacity: true)
                }
                start = i + 1
            }
            partial += buffer[start..<n]
        }
        guard partial.isEmpty, seen == count else {
            throw MediaError(path: path, reason: "holds \(seen) whole line(s) where \(count) were written")
        }
    }

    private func flush() throws(MediaError) {
        guard !pending.isEmpty else { return }
        if let failed = pending.withUnsafeBytes({ FileBytes.writeAll(fd, $0) }) {
            throw MediaError(path: path, reason: String(cString: strerror(failed)))
        }
        pending.removeAll(keepingCapacity: true)
    }
}
