import Foundation
import RedactCore

/// Writes `OUT.detections.json` one segment at a time: an hour of video holds ninety
/// thousand frames' coverage, which the stitch used to keep in memory all at once. The bytes
/// are exactly what encoding the whole `RedactionReport` would give (sorted keys, compact):
/// the report is encoded with no frames, and each segment's frames are spliced into its
/// `perFrame` array in order.
enum DetectionsSidecar {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static let emptyFrames = Array(#""perFrame":[]"#.utf8)

    /// `report`'s `perFrame` must be empty; `frames(i)` gives segment `i`'s frames, for
    /// `segments` segments in order. Returns the sidecar's SHA-256; if anything fails, no
    /// sidecar is left.
    static func write(to path: String, report: RedactionReport, segments: Int,
                      frames: (Int) throws(MediaError) -> [ProcessedSegment.FrameCoverage]) throws(MediaError) -> String {
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
            for index in 0..<segments {
                let segment = try frames(index)
                guard !segment.isEmpty else { continue }
                guard let encoded = try? encoder.encode(segment), encoded.count >= 2 else {
                    throw MediaError(path: path, reason: "cannot encode the detections of segment \(index)")
                }
                if wroteFrames { writer.write(UInt8(ascii: ",")) }
                encoded.dropFirst().dropLast().withUnsafeBytes { writer.append($0) }
                wroteFrames = true
            }
            bytes[split...].withUnsafeBytes { writer.append($0) }
        }.sha256
    }
}
