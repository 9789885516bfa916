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
        var packets = try SegmentPackets(path: path, videoStream: videoStream)
        // segment → the indexes in `gops` of its GOPs.
        let gopsBySegment = Dictionary(grouping: gops.indices, by: { gops[$0].segment })
        for (segment, count) in frameCounts.enumerated() {
            let mine = gopsBySegment[segment] ?? []
            guard let hashes = try packets.hashNext(count, whole: copied.contains(segment), gops: mine.map { gops[$0] }) else { break }
            if let whole = hashes.whole { found[segment] = (whole.packets, whole.finalize()) }
            for (i, h) in zip(mine, hashes.gops) { foundGOPs[i] = (h.packets, h.finalize()) }
        }
    }

    /// What a read-back found first that is not as the manifest recorded it.
    public enum Mismatch: Equatable, Sendable {
        /// A segment recorded as copied from the source.
        case segment(Int)
        /// A GOP of a re-encoded segment recorded as copied from the source.
        case gop(CopiedGOP)
    }

    /// The first segment recorded as copied, or GOP of a re-encoded segment recorded as
    /// copied, in the order of the file, whose packets in the file at `path` are not the ones
    /// recorded (count and payload hash), or nil when every one matches. The segments are
    /// read once, alongside the file, so none need be held.
    /// `of`: whose segments are checked, by their record's `stream` (nil: the first video
    /// stream's); `videoStream` is where that stream is in the file at `path`.
    public static func firstCopyMismatch(in path: String, videoStream: Int, segments: some ManifestSegments,
                                         of sourceStream: Int? = nil) throws(MediaError) -> Mismatch? {
        try firstMismatch(in: path, videoStream: videoStream, segments: segments, of: sourceStream) { s in
            s.isCopied ? (s.copiedPackets, s.copiedPayloadSHA256) : nil
        }
    }

    /// The first segment a re-render reused from an earlier output whose packets in the file
    /// at `path` are not the ones recorded, or nil when every reused one matches.
    public static func firstReusedMismatch(in path: String, videoStream: Int, segments: some ManifestSegments,
                                           of sourceStream: Int? = nil) throws(MediaError) -> Int? {
        let found = try firstMismatch(in: path, videoStream: videoStream, segments: segments, of: sourceStream, gops: false) { s in
            s.isReused ? (s.reusedPackets, s.reusedPayloadSHA256) : nil
        }
        guard case .segment(let index)? = found else { return nil }
        return index
    }

    /// `whole`: what a segment's packets must hash to, or nil where they need not; `gops`:
    /// whether each segment's recorded copied GOPs are checked too.
    private static func firstMismatch(in path: String, videoStream: Int, segments: some ManifestSegments, of sourceStream: Int?, gops: Bool = true,
                                      whole: (RedactionManifest.Segment) -> (packets: Int?, sha256: String?)?) throws(MediaError) -> Mismatch? {
        var packets = try SegmentPackets(path: path, videoStream: videoStream)
        var mismatch: Mismatch?
        try segments.eachSegment { (s) throws(MediaError) in
            guard mismatch == nil, s.stream == sourceStream else { return }
            let expected = whole(s), copiedGOPs = gops ? s.copiedGOPs ?? [] : []
            let hashes = try packets.hashNext(s.frameCount, whole: expected != nil, gops: copiedGOPs)
            // A record without its count or hash is a mismatch too: nothing to hold the file to.
            if let expected, expected.packets == nil || expected.sha256 == nil
                || hashes?.whole?.packets != expected.packets || hashes?.whole?.finalize() != expected.sha256 {
                mismatch = .segment(s.index)
                return
            }
            for (n, gop) in copiedGOPs.enumerated() {
                let h = hashes?.gops[n]
                if h?.packets != gop.packets || h?.finalize() != gop.payloadSHA256 {
                    mismatch = .gop(gop)
                    return
                }
            }
        }
        return mismatch
    }
}

/// A file's video packets in decode order, less any an edit list hides, taken a segment's
/// frame count at a time.
private struct SegmentPackets {
    private let input: MediaInput
    private let path: String
    private var ended = false

    init(path: String, videoStream: Int) throws(MediaError) {
        input = try MediaInput(path: path)
        self.path = path
        guard videoStream < input.streamCount else { throw MediaError(path: path, reason: "has no stream \(videoStream)") }
        input.selectStreams([videoStream])
    }

    /// Hashes the next `count` packets: all of them when `whole`, and those in each of `gops`
    /// (counted from the first of the `count`). Nil when the file has ended before them; a
    /// segment the file ends inside gives what it has.
    mutating func hashNext(_ count: Int, whole: Bool, gops: [CopiedGOP]) throws(MediaError) -> (whole: PayloadHash?, gops: [PayloadHash])? {
        guard !ended else { return nil }
        var all = whole ? PayloadHash() : nil
        var gopHashes = [PayloadHash](repeating: PayloadHash(), count: gops.count)
        var taken = 0
        while taken < count {
            guard let (_, packet) = try input.readPacket() else {
                ended = true
                return taken == 0 ? nil : (all, gopHashes)
            }
            guard packet.flags & AV_PKT_FLAG_DISCARD == 0 else { continue }
            all?.add(packet.data)
            for (n, gop) in gops.enumerated() where (gop.firstPacket..<gop.firstPacket + gop.packets).contains(taken) {
                gopHashes[n].add(packet.data)
            }
            taken += 1
        }
        return (all, gopHashes)
    }
}
