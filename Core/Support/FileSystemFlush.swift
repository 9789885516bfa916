import CLinux
import Foundation

/// One flush for many files: files written without a flush each (`AtomicOutput` with
/// `durable: false`) all reach the disk, with their renames, when `flush` returns. A group
/// commit writes a batch of files, flushes once, and only then records them as done, so a
/// power cut can lose the batch but never leave a record of a file that is not on disk.
public enum FileSystemFlush {
    /// Flushes the file system holding `directory` (`syncfs`). Throws when the kernel reports
    /// a write error: what was written since the last flush may not be on disk.
    public static func flush(_ directory: String) throws(MediaError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw MediaError(path: directory, reason: "cannot open to flush it to disk: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard syncfs(fd) == 0 else {
            throw MediaError(path: directory, reason: "cannot flush to disk: \(String(cString: strerror(errno)))")
        }
    }
}
