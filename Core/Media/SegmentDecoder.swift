import CFFmpeg

/// Decodes one segment on its own and hands back exactly the frames it owns, in presentation
/// order, or fails. Decode-only prefix frames are decoded for reference and dropped. Fails
/// closed: a damaged frame, a missing frame or an extra one is an error, because a frame that
/// slips through here would reach an output without being looked at.
public enum SegmentDecoder {
    public static func decodeOwnedFrames(of segment: SegmentFile, label: String, threads: Int = 0,
                                         _ body: (UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Void) throws(MediaError) {
        let owned = Set(segment.ownedPackets.map(\.pts))
        let decoder = try VideoDecoder(codec: segment.codec, timeBase: segment.timeBase, threads: threads, label: label)
        var delivered = 0
        var lastPts = Int64.min
        let handle = { (frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) in
            let pts = frame.presentationTimestamp
            guard owned.contains(pts) else { return }
            guard !frame.isDamaged else {
                throw MediaError(path: label, reason: "frame at pts \(pts) decoded with errors")
            }
            guard pts > lastPts else {
                throw MediaError(path: label, reason: "frame at pts \(pts) came out of order or twice")
            }
            lastPts = pts
            delivered += 1
            try body(frame)
        }
        for p in segment.packets { try decoder.decode(p, handle) }
        try decoder.decode(nil, handle)
        guard delivered == owned.count else {
            throw MediaError(path: label, reason: "decoded \(delivered) of the \(owned.count) frames the segment owns")
        }
    }
}
