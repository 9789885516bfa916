import CFFmpeg

/// Decodes one segment on its own and hands back exactly the frames it owns, in presentation
/// order, or fails. Decode-only prefix frames are decoded for reference and dropped, except the
/// last `contextFrames` of them, which are handed out marked as context (a worker looks at
/// them to carry tracks across the cut, and never outputs them); so are the first
/// `lookAheadFrames` frames after the segment's end, where the segment carries them.
/// Fails closed: a damaged, missing or extra owned frame is an error, because a frame that
/// slips through here would reach an output without being looked at.
public enum SegmentDecoder {
    public static func decodeOwnedFrames(of segment: SegmentFile, label: String, threads: Int = 0,
                                         _ body: (UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Void) throws(MediaError) {
        try decodeFrames(of: segment, label: label, threads: threads, contextFrames: 0, lookAheadFrames: 0) { (frame, owned) throws(MediaError) in
            if owned { try body(frame) }
        }
    }

    public static func decodeFrames(of segment: SegmentFile, label: String, threads: Int = 0, contextFrames: Int, lookAheadFrames: Int,
                                    _ body: (UnsafeMutablePointer<AVFrame>, _ owned: Bool) throws(MediaError) -> Void) throws(MediaError) {
        let owned = Set(segment.ownedPackets.map(\.pts))
        let firstOwned = owned.min() ?? .max
        var context = Set(segment.packets.prefix(segment.decodePrefixCount).map(\.pts).filter { $0 < firstOwned }
            .sorted().suffix(contextFrames))
        let lookAhead = segment.contextSuffix.map(\.pts).filter { !owned.contains($0) }.sorted().prefix(lookAheadFrames)
        context.formUnion(lookAhead)
        let decoder = try VideoDecoder(codec: segment.codec, timeBase: segment.timeBase, threads: threads, label: label)
        var delivered = 0
        var lastPts = Int64.min
        let handle = { (frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) in
            let pts = frame.presentationTimestamp
            if context.contains(pts) {
                if !frame.isDamaged { try body(frame, false) }
                return
            }
            guard owned.contains(pts) else { return }
            guard !frame.isDamaged else {
                throw MediaError(path: label, reason: "frame at pts \(pts) decoded with errors")
            }
            guard pts > lastPts else {
                throw MediaError(path: label, reason: "frame at pts \(pts) came out of order or twice")
            }
            lastPts = pts
            delivered += 1
            try body(frame, true)
        }
        for p in lookAhead.isEmpty ? segment.packetsThroughOwned : segment.packets[...] { try decoder.decode(p, handle) }
        try decoder.decode(nil, handle)
        guard delivered == owned.count else {
            throw MediaError(path: label, reason: "decoded \(delivered) of the \(owned.count) frames the segment owns")
        }
    }
}
