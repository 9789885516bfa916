import CFFmpeg
import RedactSupport

/// Timestamps for a video stream whose container leaves presentation times out while its
/// frames are reordered: AVI (which stores only the decode order), MPEG-PS and DVD VOB (a
/// PES header times only the first picture that starts in it), raw H.264/HEVC/MPEG-4 streams
/// with B-frames (no times at all). The rule, the same on every run (docs/timestamps.md):
///
/// 1. The stream is decoded once, in decode order, each packet tagged with its position. The
///    decoder hands the frames back in presentation order, so each packet's frame gets its
///    rank there. `reorderDelay` is the codec's declared reorder delay (has_b_frames), or
///    the most any frame comes out behind its packet's place if that is more.
/// 2. A pts the container has is kept. A missing one is the pts of the nearest frame shown
///    before it plus one frame duration per rank between them (before the first timed frame:
///    the nearest one shown after it, minus).
/// 3. With no pts at all, the frame of rank r is shown (r + delay) frame durations after the
///    first packet's dts (0 without one): the timing FFmpeg's players give an AVI.
/// 4. The container's dts are kept when every packet has one, they rise, and none passes its
///    pts; otherwise the k-th packet's dts is the (k − delay)-th pts in presentation order.
///
/// Damaged input (`acceptDamage`) changes two things, and the frames it touches are counted
/// as `retimedFrames`: a packet that decodes to no frame is shown right after the frame of the
/// packet before it in decode order (as a frame nothing is reordered around), and container
/// pts that do not rise in presentation order (a damaged PES header, packets merged where a
/// start code was lost) are set aside for the longest run of them that does rise, the others
/// derived by rule 2, spread evenly where a gap holds fewer frame durations than frames.
package struct PresentationOrder: Sendable {
    package struct Timing: Sendable, Equatable {
        package var pts: Int64
        package var dts: Int64
        package var duration: Int64
    }

    /// Per packet, in decode order.
    package let timings: [Timing]
    package let reorderDelay: Int
    /// Frames whose place or time the damage rules above decided (0 on undamaged input).
    package let retimedFrames: Int

    /// Containers whose reordered video may lack presentation times; every other container
    /// times every frame, and its packets are read as they are.
    private static let untimedFormats: Set<String> = ["avi", "mpeg", "mpegvideo", "h264", "hevc", "m4v"]

    package static func applies(to input: MediaInput, codec: CodecParameters) -> Bool {
        codec.videoDelay > 0 && untimedFormats.contains(input.formatName)
    }

    /// The timings of `stream`'s packets, or nil when the container gives every packet a pts.
    package static func derive(path: String, frameRate: Rational?, stream: Int, codec: CodecParameters, timeBase: Rational,
                               frameDuration: Int64, acceptDamage: Bool = false) throws(MediaError) -> PresentationOrder? {
        let container = try containerTimings(path: path, frameRate: frameRate, stream: stream)
        guard container.contains(where: { $0.pts == EncodedPacket.noTimestamp }) else { return nil }
        let (ranks, placed) = try presentationRanks(path: path, frameRate: frameRate, stream: stream, codec: codec, timeBase: timeBase,
                                                    packets: container.count, acceptDamage: acceptDamage)
        return try timed(container: container, ranks: ranks, placed: placed, codecDelay: Int(codec.videoDelay),
                         frameDuration: frameDuration, acceptDamage: acceptDamage, path: path, timeBase: timeBase)
    }

    /// Rules 2 to 4 over what the container says (`container`, per packet in decode order)
    /// and where the decoder showed each packet's frame (`ranks`; `placed`, the packets put
    /// there by rule): no file is read, so every rule can be checked on numbers alone.
    static func timed(container: [Timing], ranks: [Int], placed: [Int], codecDelay: Int, frameDuration: Int64,
                      acceptDamage: Bool, path: String, timeBase: Rational) throws(MediaError) -> PresentationOrder {
        // The codec's declared delay (has_b_frames), which FFmpeg's players show an AVI with,
        // unless the frames show more.
        let delay = max(codecDelay, ranks.enumerated().map { $0.offset - $0.element }.max() ?? 0)
        let duration = max(1, frameDuration)

        // Rules 2 and 3: a pts for every rank.
        var byRank = [Int](repeating: 0, count: ranks.count)
        for (packet, rank) in ranks.enumerated() { byRank[rank] = packet }
        var shown = byRank.map { container[$0].pts }
        var retimed = Set(placed)
        if acceptDamage {
            let timed = shown.indices.filter { shown[$0] != EncodedPacket.noTimestamp }
            let rising = Set(longestRisingRun(timed.map { shown[$0] }).map { timed[$0] })
            for rank in timed where !rising.contains(rank) {
                shown[rank] = EncodedPacket.noTimestamp
                retimed.insert(byRank[rank])
            }
        }
        if let first = shown.firstIndex(where: { $0 != EncodedPacket.noTimestamp }) {
            for rank in 0..<first { shown[rank] = shown[first] - Int64(first - rank) * duration }
            var rank = first
            while rank < shown.count {
                guard shown[rank] == EncodedPacket.noTimestamp else { rank += 1; continue }
                let end = shown[rank...].firstIndex(where: { $0 != EncodedPacket.noTimestamp }) ?? shown.count
                let before = shown[rank - 1], count = Int64(end - rank)
                // Damaged input only: untimed frames squeezed between two kept times that hold
                // fewer frame durations than frames. Their times are then the damage rule's,
                // not rule 2's, and are counted as such even where no time was set aside.
                let squeezed = acceptDamage && end < shown.count && before + count * duration >= shown[end]
                let step = squeezed ? (shown[end] - before) / (count + 1) : duration
                for k in rank..<end {
                    shown[k] = before + Int64(k - rank + 1) * step
                    if squeezed { retimed.insert(byRank[k]) }
                }
                rank = end
            }
        } else {
            let base = container[0].dts != EncodedPacket.noTimestamp ? container[0].dts : 0
            for rank in shown.indices { shown[rank] = base + Int64(rank + delay) * duration }
        }
        for rank in shown.indices.dropFirst() where shown[rank] <= shown[rank - 1] {
            throw MediaError(path: path, reason: "the video's presentation times do not rise in the order its frames are shown (frame \(rank) at \(shown[rank]) after \(shown[rank - 1]), in units of \(timeBase)); frames cannot be kept exact (damaged input; --accept-damage derives such times by rule and records them)")
        }

        // Rule 4: decode times.
        var timings = ranks.enumerated().map { packet, rank in
            Timing(pts: shown[rank], dts: container[packet].dts, duration: container[packet].duration > 0 ? container[packet].duration : duration)
        }
        let keepsDecodeTimes = timings.indices.allSatisfy { i in
            timings[i].dts != EncodedPacket.noTimestamp && timings[i].dts <= timings[i].pts && (i == 0 || timings[i].dts > timings[i - 1].dts)
        }
        if !keepsDecodeTimes {
            for i in timings.indices { timings[i].dts = i >= delay ? shown[i - delay] : shown[0] - Int64(delay - i) * duration }
        }
        return PresentationOrder(timings: timings, reorderDelay: delay, retimedFrames: retimed.count)
    }

    /// Indexes of a longest strictly rising subsequence of `values` (patience sorting).
    static func longestRisingRun(_ values: [Int64]) -> [Int] {
        var tails: [Int] = []                  // tails[k]: index ending the best run of length k + 1
        var previous = [Int](repeating: -1, count: values.count)
        for (i, v) in values.enumerated() {
            var lo = 0, hi = tails.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if values[tails[mid]] < v { lo = mid + 1 } else { hi = mid }
            }
            if lo > 0 { previous[i] = tails[lo - 1] }
            if lo == tails.count { tails.append(i) } else { tails[lo] = i }
        }
        var run: [Int] = []
        var at = tails.last ?? -1
        while at >= 0 { run.append(at); at = previous[at] }
        return run.reversed()
    }

    /// The times the container gives, packet by packet, without decoding.
    private static func containerTimings(path: String, frameRate: Rational?, stream: Int) throws(MediaError) -> [Timing] {
        let input = try MediaInput(path: path, frameRate: frameRate)
        input.selectStreams([stream])
        var timings: [Timing] = []
        while let (_, packet) = try input.readPacket() {
            timings.append(Timing(pts: packet.pts, dts: packet.dts, duration: packet.duration))
        }
        return timings
    }

    /// rank[i]: where the frame decoded from packet i comes in presentation order, and (for
    /// damaged input only) the packets placed by rule rather than by a frame of their own.
    private static func presentationRanks(path: String, frameRate: Rational?, stream: Int, codec: CodecParameters, timeBase: Rational,
                                          packets: Int, acceptDamage: Bool) throws(MediaError) -> (ranks: [Int], placed: [Int]) {
        let input = try MediaInput(path: path, frameRate: frameRate)
        input.selectStreams([stream])
        // One thread, as segments are decoded: the order frames leave the decoder is then the
        // order a worker sees.
        let decoder = try VideoDecoder(codec: codec, timeBase: timeBase, threads: 1, label: path, orderOnly: true)
        var ranks = [Int](repeating: -1, count: packets)
        var shown = 0, read = 0
        var unpaired: String?
        let collect = { (frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Void in
            let tag = Int(frame.pointee.pts)
            guard (0..<packets).contains(tag), ranks[tag] < 0 else {
                unpaired = unpaired ?? "a frame came out of the decoder with no packet of its own (shown \(shown))"
                return
            }
            ranks[tag] = shown
            shown += 1
        }
        while let (_, demuxed) = try input.readPacket() {
            guard read < packets else { break }
            var packet = demuxed
            packet.pts = Int64(read)
            packet.dts = Int64(read)
            do throws(MediaError) { try decoder.decode(packet, collect) } catch where acceptDamage {}
            read += 1
        }
        do throws(MediaError) { try decoder.decode(nil, collect) } catch where acceptDamage {}
        if let unpaired, !acceptDamage { throw MediaError(path: path, reason: "cannot derive the video's presentation times: \(unpaired)") }
        guard let missing = ranks.firstIndex(of: -1) else { return (ranks, []) }
        guard acceptDamage else {
            throw MediaError(path: path, reason: "cannot derive the video's presentation times: video packet \(missing) decodes to no frame of its own (\(packets - shown) of \(packets) packets do), so the order its frames are shown in is not known (damaged input; --accept-damage places such packets by rule and records them)")
        }
        let placed = ranks.indices.filter { ranks[$0] < 0 }
        return (placingFrameless(ranks), placed)
    }

    /// Ranks for every packet where some (-1) decoded to no frame: each such packet is shown
    /// right after its decode-order predecessor (so a run of them follows the last packet
    /// before the run that has a frame, in decode order; a run at the start comes first).
    /// Linear in the packets: a mostly undecodable stream is no slower to place than a clean one.
    static func placingFrameless(_ ranks: [Int]) -> [Int] {
        var placed = ranks
        var next = 0
        func placeRun(after packet: Int) {
            var p = packet + 1
            while p < ranks.count, ranks[p] < 0 { placed[p] = next; next += 1; p += 1 }
        }
        placeRun(after: -1)
        for packet in ranks.indices.filter({ ranks[$0] >= 0 }).sorted(by: { ranks[$0] < ranks[$1] }) {
            placed[packet] = next
            next += 1
            placeRun(after: packet)
        }
        return placed
    }
}
