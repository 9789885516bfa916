import CFFmpeg
import RedactSupport

/// Decodes one segment on its own and hands back exactly the frames it owns, in presentation
/// order, or fails. Decode-only prefix frames are decoded for reference and dropped, except the
/// last `contextFrames` of them, which are handed out marked as context (a worker looks at
/// them to carry tracks across the cut, and never outputs them); so are the first
/// `lookAheadFrames` frames after the segment's end, where the segment carries them.
/// Fails closed: a damaged, missing or extra owned frame is an error, because a frame that
/// slips through here would reach an output without being looked at.
public enum SegmentDecoder {
    public static func decodeOwnedFrames(of segment: SegmentFile, label: String, threads: Int = 0, acceptDamage: Bool = false,
                                         _ body: (UnsafeMutablePointer<AVFrame>, FrameDamage) throws(MediaError) -> Void) throws(MediaError) {
        try decodeFrames(of: segment, label: label, threads: threads, contextFrames: 0, lookAheadFrames: 0,
                         acceptDamage: acceptDamage) { (frame, owned, damage) throws(MediaError) in
            if owned { try body(frame, damage) }
        }
    }

    /// `acceptDamage`: the job's policy for damaged input (`--accept-damage`). Without it an
    /// owned frame decoded with errors, or one the decoder could not produce, fails the
    /// segment. With it, a concealed frame is handed out as decoded and a missing one as a copy
    /// of the frame before it (the first decoded one at the start) under its own timestamp, each
    /// marked, so the record can say which frames were damaged: the output keeps every frame.
    public static func decodeFrames(of segment: SegmentFile, label: String, threads: Int = 0, contextFrames: Int, lookAheadFrames: Int,
                                    acceptDamage: Bool = false,
                                    _ body: (UnsafeMutablePointer<AVFrame>, _ owned: Bool, FrameDamage) throws(MediaError) -> Void) throws(MediaError) {
        let ownedOrder = segment.shownPackets.map(\.pts).sorted()
        let owned = Set(ownedOrder)
        let firstOwned = ownedOrder.first ?? .max
        var context = Set(segment.packets.prefix(segment.decodePrefixCount).map(\.pts).filter { $0 < firstOwned }
            .sorted().suffix(contextFrames))
        let lookAhead = segment.contextSuffix.map(\.pts).filter { !owned.contains($0) }.sorted().prefix(lookAheadFrames)
        context.formUnion(lookAhead)
        let decoder = try VideoDecoder(codec: segment.codec, timeBase: segment.timeBase, threads: threads, label: label)
        var next = 0  // index in ownedOrder of the next owned frame to hand out
        var lastPts = Int64.min
        // The last owned frame handed out, for standing in for a missing one (`acceptDamage`).
        var previous: UnsafeMutablePointer<AVFrame>?
        defer { av_frame_free(&previous) }
        func substitute(_ pts: Int64, _ source: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
            var copy: UnsafeMutablePointer<AVFrame>? = av_frame_clone(source)
            defer { av_frame_free(&copy) }
            guard let frame = copy else { throw MediaError(path: label, reason: "out of memory copying a frame", transient: true) }
            frame.pointee.pts = pts
            frame.pointee.best_effort_timestamp = pts
            try body(frame, true, .substituted)
        }
        let handle = { (frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) in
            let pts = frame.presentationTimestamp
            if context.contains(pts) {
                if !frame.isDamaged { try body(frame, false, .none) }
                return
            }
            guard owned.contains(pts) else { return }
            guard !frame.isDamaged || acceptDamage else {
                throw MediaError(path: label, reason: "frame at pts \(pts) decoded with errors (damaged input; --accept-damage redacts such frames as decoded and records them)")
            }
            guard pts > lastPts else {
                throw MediaError(path: label, reason: "frame at pts \(pts) came out of order or twice")
            }
            while acceptDamage, next < ownedOrder.count, ownedOrder[next] < pts {
                try substitute(ownedOrder[next], previous ?? frame)
                next += 1
            }
            guard next < ownedOrder.count, ownedOrder[next] == pts else {
                throw MediaError(path: label, reason: "the frame before pts \(pts) could not be decoded (damaged input; --accept-damage stands the previous frame in for it and records it)")
            }
            lastPts = pts
            next += 1
            try body(frame, true, frame.isDamaged ? .concealed : .none)
            if acceptDamage {
                av_frame_free(&previous)
                previous = av_frame_clone(frame)
            }
        }
        // A decode-only prefix frame outside the context is there as a reference at most: one
        // nothing refers to is skipped (a third of a typical GOP's decoding time).
        let packets = lookAhead.isEmpty ? segment.packetsThroughOwned : segment.packets[...]
        for (i, p) in packets.enumerated() {
            let unwanted = i < segment.decodePrefixCount && !context.contains(p.pts)
            try decoder.decode(p, skipIfUnreferenced: unwanted, handle)
        }
        try decoder.decode(nil, handle)
        if acceptDamage, let previous {
            while next < ownedOrder.count {
                try substitute(ownedOrder[next], previous)
                next += 1
            }
        }
        guard next == ownedOrder.count else {
            throw MediaError(path: label, reason: "decoded \(next) of the \(ownedOrder.count) frames the segment owns (damaged input?)")
        }
    }
}

/// How an owned frame came out of a damaged stream (`SegmentDecoder`, `--accept-damage`).
public enum FrameDamage: String, Codable, Sendable {
    case none
    /// Decoded with errors: the decoder concealed what it could not read.
    case concealed
    /// Could not be decoded at all: the frame before it stands in, under its timestamp.
    case substituted
}
