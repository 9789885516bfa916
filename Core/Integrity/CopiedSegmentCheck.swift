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

    /// index in `gops` → (packets, hash) for each GOP of a re-encoded segment recorded as copied.
    public private(set) var foundGOPs: [Int: (packets: Int, sha256: String)] = [:]

    public init(path: String, videoStream: Int, frameCounts: [Int], copied: Set<Int>, gops: [CopiedGOP] = []) throws(MediaError) {
        let input = try MediaInput(path: path)
        guard videoStream < input.streamCount else { throw MediaError(path: path, reason: "has no stream \(videoStream)") }
        input.selectStreams([videoStream])
        var segment = 0, inSegment = 0
        var hash = PayloadHash()
        // Each GOP's hash while its packets go by (segment → the indexes in `gops` of its GOPs).
        let gopsBySegment = Dictionary(grouping: gops.indices, by: { gops[$0].segment })
        var gopHashes: [Int: PayloadHash] = [:]
        func close() {
            if copied.contains(segment) { found[segment] = (hash.packets, hash.finalize()) }
            hash = PayloadHash()
            for i in gopsBySegment[segment] ?? [] {
                let h = gopHashes.removeValue(forKey: i) ?? PayloadHash()
                foundGOPs[i] = (h.packets, h.finalize())
            }
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
            for i in gopsBySegment[segment] ?? [] where (gops[i].firstPacket..<gops[i].firstPacket + gops[i].packets).contains(inSegment) {
                gopHashes[i, default: PayloadHash()].add(packet.data)
            }
            inSegment += 1
        }
        if segment < frameCounts.count { close() }
    }

    /// What a read-back found first that is not as the manifest recorded it.
    public enum Mismatch: Equatable, Sendable {
        /// A segment recorded as copied from the source.
        case segment(Int)
        /// A GOP of a re-encoded segment recorded as copied from the source.
        case gop(CopiedGOP)
    }

    /// The first segment recorded as copied, then the first GOP of a re-encoded segment
    /// recorded as copied, whose packets in the file at `path` are not the ones recorded
    /// (count and payload hash), or nil when every one matches: one reading of the file for
    /// both.
    public static func firstCopyMismatch(in path: String, videoStream: Int, segments: [RedactionManifest.Segment]) throws(MediaError) -> Mismatch? {
        let copied = segments.filter(\.isCopied), gops = segments.flatMap { $0.copiedGOPs ?? [] }
        guard !copied.isEmpty || !gops.isEmpty else { return nil }
        let check = try CopiedSegmentCheck(path: path, videoStream: videoStream, frameCounts: segments.map(\.frameCount),
                                           copied: Set(copied.map(\.index)), gops: gops)
        if let bad = copied.first(where: { check.found[$0.index]?.sha256 != $0.copiedPayloadSHA256 || check.found[$0.index]?.packets != $0.copiedPackets }) {
            return .segment(bad.index)
        }
        return gops.indices.first { check.foundGOPs[$0]?.sha256 != gops[$0].payloadSHA256 || check.foundGOPs[$0]?.packets != gops[$0].packets }
            .map { .gop(gops[$0]) }
    }

    /// The first segment a re-render reused from an earlier output whose packets in the file
    /// at `path` are not the ones recorded, or nil when every reused one matches.
    public static func firstReusedMismatch(in path: String, videoStream: Int, segments: [RedactionManifest.Segment]) throws(MediaError) -> Int? {
        let reused = segments.filter(\.isReused)
        guard !reused.isEmpty else { return nil }
        let found = try CopiedSegmentCheck(path: path, videoStream: videoStream, frameCounts: segments.map(\.frameCount),
                                           copied: Set(reused.map(\.index))).found
        return reused.first { found[$0.index]?.sha256 != $0.reusedPayloadSHA256 || found[$0.index]?.packets != $0.reusedPackets }?.index
    }
}
