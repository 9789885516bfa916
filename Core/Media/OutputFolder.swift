import Foundation
import RedactSupport

/// The folder split writes into. It must be new or empty, so a plan never mixes with stale
/// segments; if the split fails, everything it wrote (and the folder, if it made it) goes.
final class OutputFolder: @unchecked Sendable {
    let path: String
    private let created: Bool
    // Appended to by the writer thread; read only after every write has been collected.
    private var written: [String] = []
    private let lock = NSLock()
    private var kept = false

    init(path: String) throws(MediaError) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw MediaError(path: path, reason: "exists and is not a folder") }
            let contents = (try? fm.contentsOfDirectory(atPath: path)) ?? []
            guard contents.isEmpty else {
                throw MediaError(path: path, reason: "output folder is not empty; choose a new or empty folder")
            }
            created = false
        } else {
            do {
                // Segments are the source's frames, unredacted: only their owner may read them.
                try fm.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw MediaError(path: path, reason: "cannot create the output folder (\(Self.reason(error)))")
            }
            created = true
        }
        guard fm.isWritableFile(atPath: path) else { throw MediaError(path: path, reason: "output folder is not writable") }
        self.path = path
    }

    func write(_ segment: SegmentFile, named name: String) throws(MediaError) -> (byteSize: Int, sha256: String) {
        let target = path + "/" + name
        lock.withLock { written.append(target) }
        // Not flushed one by one: plan.json, written last and flushed, pins each segment by
        // SHA-256, so a segment torn by a power cut is refused when used, never trusted.
        return try segment.write(to: target, durable: false)
    }

    func keep() { kept = true }

    deinit {
        guard !kept else { return }
        for file in written { unlink(file) }
        if created { rmdir(path) }
    }

    private static func reason(_ error: Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}
