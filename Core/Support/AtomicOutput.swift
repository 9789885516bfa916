import Foundation

/// A file that appears under its final name only when complete: written to a hidden
/// temporary beside the target (same file system, so the rename is atomic) and renamed on
/// `commit()`. Dropped uncommitted, the temporary is removed: nothing partial ever looks done.
public final class AtomicOutput {
    public let finalPath: String
    public let temporaryPath: String
    /// Whether `commit()` waits for the bytes to reach the disk. Files whose integrity is
    /// checked by hash before use (segments) can skip it: a torn one is detected, not trusted.
    public let durable: Bool
    private var committed = false

    public init(finalPath: String, durable: Bool = true) throws(MediaError) {
        self.durable = durable
        let url = URL(fileURLWithPath: finalPath)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MediaError(path: finalPath, reason: "output folder \(directory) does not exist")
        }
        var targetIsDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: finalPath, isDirectory: &targetIsDirectory), targetIsDirectory.boolValue {
            throw MediaError(path: finalPath, reason: "is a folder; name a file to write")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw MediaError(path: finalPath, reason: "output folder \(directory) is not writable")
        }
        self.finalPath = finalPath
        self.temporaryPath = directory + "/." + url.lastPathComponent + ".\(getpid()).partial"
    }

    /// Flushes the temporary to disk, renames it into place and flushes the folder, so a
    /// crash right after `commit()` returns cannot lose the file or leave a torn one.
    public func commit() throws(MediaError) {
        guard !durable || Self.fsync(path: temporaryPath) else {
            throw MediaError(path: finalPath, reason: "cannot flush \(temporaryPath) to disk")
        }
        guard rename(temporaryPath, finalPath) == 0 else {
            let reason = String(cString: strerror(errno))
            throw MediaError(path: finalPath, reason: "cannot move the finished file into place: \(reason)")
        }
        committed = true
        if durable { _ = Self.fsync(path: URL(fileURLWithPath: finalPath).deletingLastPathComponent().path) }
    }

    private static func fsync(path: String) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return Foundation.fsync(fd) == 0
    }

    deinit {
        if !committed { unlink(temporaryPath) }
    }

    /// Removes the hidden temporaries in `folder` whose writing process is gone (a run or a
    /// coordinator killed mid-write); returns what was removed. A live process's are kept.
    @discardableResult
    public static func removeStaleTemporaries(in folder: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(".") && name.hasSuffix(".partial") {
            let parts = name.split(separator: ".")
            guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]), pid > 0 else { continue }
            guard kill(pid, 0) != 0, errno == ESRCH else { continue }
            if unlink(folder + "/" + name) == 0 { removed.append(folder + "/" + name) }
        }
        return removed
    }

    /// Writes a file atomically through a `HashingFileWriter` (`body` writes it) and returns
    /// its size and SHA-256, computed from the bytes as they were written: for files too
    /// large to assemble in memory first. If `body` throws, nothing is left behind.
    public static func writeHashed(to path: String, durable: Bool = true, mode: mode_t = 0o644,
                                   _ body: (inout HashingFileWriter) throws(MediaError) -> Void) throws(MediaError) -> (byteSize: Int, sha256: String) {
        let output = try AtomicOutput(finalPath: path, durable: durable)
        let fd = open(output.temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard fd >= 0 else { throw MediaError(path: path, reason: "cannot write: \(String(cString: strerror(errno)))") }
        var writer = HashingFileWriter(fd: fd)
        do throws(MediaError) { try body(&writer) } catch {
            close(fd)
            throw error
        }
        let result = writer.finish()
        close(fd)
        switch result {
        case .failure(let e): throw MediaError(path: path, reason: "cannot write: \(String(cString: strerror(e.code)))")
        case .success(let sha):
            try output.commit()
            return (writer.byteCount, sha)
        }
    }

    /// Writes bytes atomically in one step.
    public static func write(_ bytes: [UInt8], to path: String, durable: Bool = true, mode: mode_t = 0o644) throws(MediaError) {
        let output = try AtomicOutput(finalPath: path, durable: durable)
        let fd = open(output.temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, mode)
        var ok = fd >= 0
        if ok {
            ok = bytes.withUnsafeBytes { FileBytes.writeAll(fd, $0) == nil }
            close(fd)
        }
        guard ok else { throw MediaError(path: path, reason: "cannot write \(output.temporaryPath)") }
        try output.commit()
    }
}
