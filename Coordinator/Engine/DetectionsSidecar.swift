import Foundation
import RedactCore

/// Writes `OUT.detections.json` from a spool the stitch fills one segment at a time: an hour
/// of video holds ninety thousand frames' coverage, which must never be in memory at once,
/// and whose decoding and encoding, left to the end, held a finished file back (every
/// segment's coverage read and decoded twice, once as its segment was stitched and again
/// here). The bytes are exactly what encoding the whole `RedactionReport` would give (sorted
/// keys, compact): the report is encoded with no frames, and the spooled frames are spliced
/// into its `perFrame` array in order.
enum DetectionsSidecar {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static let emptyFrames = Array(#""perFrame":[]"#.utf8)

    /// `report`'s `perFrame` must be empty; `frames` must be closed. Returns the sidecar's
    /// SHA-256; if anything fails, no sidecar is left.
    static func write(to path: String, report: RedactionReport, frames: DetectionsSpool) throws(MediaError) -> String {
        precondition(report.perFrame.isEmpty)
        guard let encoded = try? encoder.encode(report) else { throw MediaError(path: path, reason: "cannot encode the detections report") }
        let bytes = Array(encoded)
        // Quotes inside strings are escaped, so this can only be the top-level key.
        guard let at = ByteSearch.occurrences(of: emptyFrames, in: bytes).first else {
            throw MediaError(path: path, reason: "cannot lay out the detections report")
        }
        let split = at + emptyFrames.count - 1  // just before the closing bracket
        return try AtomicOutput.writeHashed(to: path) { (writer) throws(MediaError) in
            bytes[..<split].withUnsafeBytes { writer.append($0) }
            var wroteFrames = false
            try frames.lines.forEach { (elements) throws(MediaError) in
                if wroteFrames { writer.write(UInt8(ascii: ",")) }
                elements.withUnsafeBytes { writer.append($0) }
                wroteFrames = true
            }
            bytes[split...].withUnsafeBytes { writer.append($0) }
        }.sha256
    }
}

/// Each segment's frames, encoded for the sidecar as the stitch writes the segment: one line
/// per segment that has frames, holding the elements of its part of `perFrame` (compact JSON
/// has no line feed; one inside a string is escaped).
final class DetectionsSpool {
    fileprivate let lines: LineSpool

    /// Replaces any spool at `path` (a stitch started again after a restart starts again).
    init(path: String) throws(MediaError) {
        lines = try LineSpool(path: path)
    }

    func append(_ frames: [ProcessedSegment.FrameCoverage], ofSegment index: Int) throws(MediaError) {
        guard !frames.isEmpty else { return }
        guard let encoded = try? DetectionsSidecar.encoder.encode(frames), encoded.count >= 2 else {
            throw MediaError(path: lines.path, reason: "cannot encode the detections of segment \(index)")
        }
        try lines.append(encoded.dropFirst().dropLast())
    }

    /// No more segments: the sidecar may be written.
    func close() throws(MediaError) { try lines.close() }
}
