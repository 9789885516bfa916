import Foundation

/// A working folder that holds the source's unredacted segments: mode 0700 (only the owner
/// can list or open what is inside, whatever the files' own modes), held by its process
/// through an exclusive lock on `owner.lock`. The lock dies with the process however it
/// dies (SIGKILL included), so the next command that uses the parent folder can tell a
/// stale folder from a live one, even if the PID has been reused, and remove it.
public final class PrivateFolder: @unchecked Sendable {
    public let path: String
    private var lockDescriptor: Int32

    static let lockName = "owner.lock"

    /// Creates (or takes over) `path` and locks it for this process.
    public init(path: String) throws(MediaError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw MediaError(path: path, reason: "cannot create the working folder")
        }
        guard chmod(path, 0o700) == 0 else { throw MediaError(path: path, reason: "cannot make the working folder private") }
        let fd = open(path + "/" + Self.lockName, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0, flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            if fd >= 0 { close(fd) }
            throw MediaError(path: path, reason: "is in use by another RedactFarm process")
        }
        lockDescriptor = fd
        self.path = path
    }

    /// Removes the folder and everything in it, then lets go of the lock.
    public func remove() {
        guard lockDescriptor >= 0 else { return }
        try? FileManager.default.removeItem(atPath: path)
        close(lockDescriptor)
        lockDescriptor = -1
    }

    deinit { if lockDescriptor >= 0 { close(lockDescriptor) } }

    /// Whether a process holds the folder's lock. A folder without a lock file was never
    /// one of ours or is half-made, and counts as not held.
    public static func isHeld(_ path: String) -> Bool {
        let fd = open(path + "/" + lockName, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }

    /// Removes the entries of `folder` whose names start with `prefix` and whose owner is
    /// gone; returns what was removed.
    @discardableResult
    public static func removeStale(in folder: String, prefix: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix) {
            let path = folder + "/" + name
            guard !isHeld(path), (try? FileManager.default.removeItem(atPath: path)) != nil else { continue }
            removed.append(path)
        }
        return removed
    }
}
