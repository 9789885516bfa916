import RedactMedia
import RedactSupport

/// Which GOPs of a segment that cannot be copied whole still go into the output as the
/// source's packets, byte for byte, beside the GOPs re-encoded around them: a face in view for
/// two seconds of a ten-second segment re-encodes the GOPs its track reaches, not the segment.
///
/// Only where every GOP of the segment is closed, opening with an IDR picture whose frames
/// are all shown before the next GOP's: each GOP then decodes on its own, so a re-encoded one
/// (starting with an IDR of its own) and a copied one can follow each other in any order, in
/// decode and in presentation order alike. Any other segment is copied whole or not at all.
struct GOPCopyPlan {
    /// The segment's own packets, GOP by GOP, in decode order.
    let gops: [[EncodedPacket]]
    /// Per GOP: its packets go into the output as they are.
    let copied: [Bool]
    /// Each owned frame's GOP, by pts.
    let gopOfFrame: [Int64: Int]

    /// nil when the segment has fewer than two GOPs, a GOP that is not closed, or no GOP
    /// (or every GOP) that `copyable` accepts: the whole segment's decision stands then.
    /// `copyable` is shown each GOP as a segment of its own.
    static func decide(_ segment: SegmentFile, copyable: (SegmentFile) -> Bool) -> GOPCopyPlan? {
        let owned = Array(segment.ownedPackets)
        guard owned.count == segment.shownPackets.count, owned.first?.isKeyframe == true else { return nil }
        var gops: [[EncodedPacket]] = []
        for packet in owned {
            if packet.isKeyframe || gops.isEmpty { gops.append([packet]) } else { gops[gops.count - 1].append(packet) }
        }
        guard gops.count > 1 else { return nil }
        let inspector = KeyframeInspector(codec: segment.codec)
        for (g, gop) in gops.enumerated() {
            guard inspector.kind(of: gop[0].data) == .idr else { return nil }
            // Shown after every frame of the GOP before it: no frame of one is shown among the other's.
            if g > 0, let earlier = gops[g - 1].map(\.pts).max(), let first = gop.map(\.pts).min(), first <= earlier { return nil }
        }
        let copied = gops.map { copyable(SegmentFile(codec: segment.codec, timeBase: segment.timeBase, decodePrefixCount: 0, packets: $0)) }
        guard copied.contains(true), copied.contains(false) else { return nil }
        var gopOfFrame: [Int64: Int] = [:]
        for (g, gop) in gops.enumerated() { for p in gop { gopOfFrame[p.pts] = g } }
        return GOPCopyPlan(gops: gops, copied: copied, gopOfFrame: gopOfFrame)
    }

    /// GOP `g`'s packets as the re-encoded ones around them are carried until the stitch:
    /// H.264 behind an avcC and HEVC behind an hvcC go back to Annex B (the stitch writes
    /// every re-encoded segment's packets with the record's length prefixes again, which
    /// restores these bytes exactly; it checks that they do before it records the GOP as copied).
    func sourcePackets(of g: Int, codec: CodecParameters) -> [EncodedPacket] {
        guard ["h264", "hevc"].contains(codec.codecName), let lengthSize = KeyframeInspector(codec: codec).nalLengthSize else { return gops[g] }
        return gops[g].map { p in
            var q = p
            q.data = NALFraming.annexB(lengthPrefixed: p.data, lengthSize: lengthSize)
            return q
        }
    }
}
