import Foundation
import RedactCore

/// Writes `OUT.detections.json` one segment at a time: an hour of video holds ninety
/// thousand frames' coverage, which the stitch used to keep in memory all at once. The bytes
/// are exactly what encoding the whole `RedactionReport` would give (sorted keys, compact):
/// the report is encoded with no frames, and each segment's frames are spliced into its
/// `perFrame` array in order.
final class DetectionsSidecar {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static let emptyFrames = Array(#""perFrame":[]"#.utf8)

    private let path: String
    private let output: AtomicOutput
    private var fd: Int32
    private var writer: HashingFileWriter
    private let tail: [UInt8]
    private var wroteFrames = false

    /// `report`'s `perFrame` must be empty; the frames come from `append`.
    init(path: String, report: RedactionReport) throws(MediaError) {
        precondition(report.perFrame.isEmpty)
        guard let encoded = try? Self.encoder.encode(report) else { throw MediaError(path: path, reason: "cannot encode the detections report") }
        let bytes = Array(encoded)
        // Quotes inside strings are escaped, so this can only be the top-level key.
        guard let at = Self.firstIndex(of: Self.emptyFrames, in: bytes) else {
            throw MediaError(path: path, reason: "cannot lay out the detections report")
        }
        let split = at + Self.emptyFrames.count - 1  // just before the closing bracket
        self.path = path
        output = try AtomicOutput(finalPath: path)
        fd = open(output.temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw MediaError(path: path, reason: "cannot write: \(String(cString: strerror(errno)))") }
        var head = HashingFileWriter(fd: fd)
        bytes[..<split].withUnsafeBytes { head.append($0) }
        writer = head
        tail = Array(bytes[split...])
    }

    /// One segment's frames, in presentation order after those appended before.
    func append(_ frames: [ProcessedSegment.FrameCoverage]) throws(MediaError) {
        guard !frames.isEmpty else { return }
        guard let encoded = try? Self.encoder.encode(frames), encoded.count >= 2 else {
            throw MediaError(path: "detections", reason: "cannot encode a segment's detections")
        }
        if wroteFrames { writer.write(UInt8(ascii: ",")) }
        encoded.dropFirst().dropLast().withUnsafeBytes { writer.append($0) }
        wroteFrames = true
    }

    /// Moves the sidecar into place; its SHA-256. Not called (an error on the way), the
    /// temporary is removed with `output`.
    func commit() throws(MediaError) -> String {
        tail.withUnsafeBytes { writer.append($0) }
        let result = writer.finish()
        close(fd)
        fd = -1
        switch result {
        case .failure(let e): throw MediaError(path: path, reason: "cannot write: \(String(cString: strerror(e.code)))")
        case .success(let sha):
            try output.commit()
            return sha
        }
    }

    deinit {
        if fd >= 0 { close(fd) }  // not committed: the temporary goes with `output`
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { i in haystack[i..<(i + needle.count)].elementsEqual(needle) }
    }
}
