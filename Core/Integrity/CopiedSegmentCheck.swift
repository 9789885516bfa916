import CFFmpeg
import RedactMedia
import RedactSupport

/// The payload hashes of a file's copied segments, read back from the file itself: its video
/// packets in decode order, less any an edit list hides, fall into the segments in turn by
/// their frame counts. Run over the output and over the source, each must give what the
/// manifest recorded, which proves the copied stretches of the output are the source's bytes.
public struct CopiedSegmentCheck: Sendable {
    /// segment index → (packets, hash) for each copied segment.
    public private(set) var found: [Int: (packets: Int, sha256: String)] = [:]

    public init(path: String, videoStream: Int, frameCounts: [Int], copied: Set<Int>) throws(MediaError) {
        let input = try MediaInput(path: path)
        guard videoStream < input.streamCount else { throw MediaError(path: path, reason: "has no stream \(videoStream)") }
        input.selectStreams([videoStream])
        var segment = 0, inSegment = 0
        var hash = PayloadHash()
        func close() {
            if copied.contains(segment) { found[segment] = (hash.packets, hash.finalize()) }
            hash = PayloadHash()
        }
        while let (_, packet) = try input.readPacket() {
            guard packet.flags & AV_PKT_FLAG_DISCARD == 0 else { continue }
            while segment < frameCounts.count, inSegment == frameCounts[segment] {
                close()
                segment += 1
                inSegment = 0
            }
            guard segment < frameCounts.count else { break }
            if copied.contains(segment) { hash.add(packet.data) }
            inSegment += 1
        }
        if segment < frameCounts.count { close() }
    }

    /// The first segment recorded as copied whose packets in the file at `path` are not the
    /// ones recorded (count and payload hash), or nil when every copied one matches.
    public static func firstMismatch(in path: String, videoStream: Int, segments: [RedactionManifest.Segment]) throws(MediaError) -> Int? {
        let copied = segments.filter(\.isCopied)
        guard !copied.isEmpty else { return nil }
        let found = try CopiedSegmentCheck(path: path, videoStream: videoStream, frameCounts: segments.map(\.frameCount),
                                           copied: Set(copied.map(\.index))).found
        return copied.first { found[$0.index]?.sha256 != $0.copiedPayloadSHA256 || found[$0.index]?.packets != $0.copiedPackets }?.index
    }
}
