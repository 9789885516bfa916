import CFFmpeg
import RedactSupport

/// One pass over a file's video packets in decode order, shared by probe and split: checks
/// timestamps, classifies keyframes, and after the last packet checks the file was not cut
/// short.
package struct VideoScan {
    let input: MediaInput
    let streamIndex: Int
    let codec: CodecParameters
    let timeBase: Rational
    private let inspector: KeyframeInspector
    /// Derived timestamps where the container leaves them out (`PresentationOrder`).
    let order: PresentationOrder?

    /// `acceptDamage`: a damaged stream's order is derived by the damage rules of
    /// `PresentationOrder` instead of being refused (`--accept-damage`).
    /// `stream`: which video stream (one of `MediaInput.videoStreams()`); absent, the file
    /// must have only one.
    init(input: MediaInput, stream: Int? = nil, acceptDamage: Bool = false) throws(MediaError) {
        self.input = input
        let index: Int
        if let stream { index = stream } else { index = try input.primaryVideoStream() }
        streamIndex = index
        let st = input.stream(index)
        let codec = CodecParameters(st.pointee.codecpar)
        self.codec = codec
        timeBase = Rational(st.pointee.time_base)
        inspector = KeyframeInspector(codec: codec)
        order = PresentationOrder.applies(to: input, codec: codec)
            ? try PresentationOrder.derive(path: input.path, frameRate: input.frameRateOverride, stream: index, codec: codec,
                                           timeBase: timeBase, frameDuration: Self.frameDuration(of: st), acceptDamage: acceptDamage)
            : nil
        input.selectStreams([index])
    }

    /// Raw H.264 and HEVC elementary streams (what many DVRs and NVRs export) carry no
    /// timestamps at all. Shown in the order they are decoded (no frame reordering), frame n
    /// is shown at n frame durations from 0: each packet's duration, which libavformat takes
    /// from the stream's frame rate (its VUI timing, or 25 fps when it has none). With
    /// reordering the order shown cannot be read from the packets, and such a stream is refused.
    package static func derivesTimestamps(_ input: MediaInput, codec: CodecParameters) -> Bool {
        isRawElementaryStream(input) && codec.videoDelay == 0
    }

    package static func isRawElementaryStream(_ input: MediaInput) -> Bool { ["h264", "hevc"].contains(input.formatName) }

    /// Raw video demuxers: they time frames at the header's rate, or at their `framerate`
    /// option (25 unless given) when the header states none.
    package static let rawVideoFormats: Set<String> = ["h264", "hevc", "m4v", "mpegvideo", "cavsvideo", "vc1", "jpeg_pipe", "mjpeg"]

    package enum RawStreamRate: Equatable {
        case notRaw
        case stated(Rational)
        case unstated
    }

    /// For a raw video stream, whether its header states its frame rate (H.264/HEVC VUI
    /// timing, an MPEG sequence header): `input` (at the demuxer's 25 fps or the rate it was
    /// opened with) is opened again at another assumed rate, and a stated one does not change.
    package static func rawStreamRate(_ input: MediaInput) throws(MediaError) -> RawStreamRate {
        guard rawVideoFormats.contains(input.formatName) else { return .notRaw }
        let thirtyOne = Rational(num: 31, den: 1)
        let other = try MediaInput(path: input.path, frameRate: input.frameRateOverride == thirtyOne ? Rational(num: 29, den: 1) : thirtyOne)
        let video = try input.primaryVideoStream()
        let assumed = Rational(input.stream(video).pointee.r_frame_rate), reassumed = Rational(other.stream(video).pointee.r_frame_rate)
        return assumed == reassumed ? .stated(assumed) : .unstated
    }

    private static func cutInside(_ input: MediaInput, packet: Int) -> MediaError {
        MediaError(path: input.path, reason: "its edit list leaves frames unshown between frames it shows (video packet \(packet)), a cut inside the file, which cannot be redacted yet; remux it without the edit list (ffmpeg -ignore_editlist 1 -i IN -c copy OUT.mp4)")
    }

    package static func missingTimestampReason(_ input: MediaInput, packet: Int) -> String {
        "video packet \(packet) has no presentation timestamp; frames cannot be kept exact without one"
    }

    /// One frame's duration in the stream's time base, from its frame rate.
    var frameDuration: Int64 { Self.frameDuration(of: input.stream(streamIndex)) }

    /// Where the container says the stream ends, in its time base, before any packet is read
    /// (the planner keeps a short tail of several GOPs off a segment of its own with it): the
    /// stream's own start and duration, or the file's (Matroska states no stream duration).
    /// Only a hint: absent where timestamps are derived or nothing is stated, and probe and
    /// split read the same one, so their plans agree.
    var declaredEndPts: Int64? {
        guard order == nil, !Self.derivesTimestamps(input, codec: codec) else { return nil }
        let st = input.stream(streamIndex).pointee
        if st.start_time != EncodedPacket.noTimestamp, st.duration > 0 { return st.start_time + st.duration }
        let file = input.context.pointee
        guard file.start_time != EncodedPacket.noTimestamp, file.duration > 0 else { return nil }
        return av_rescale_q(file.start_time + file.duration, AVRational(num: 1, den: AV_TIME_BASE), st.time_base)
    }

    private static func frameDuration(of stream: UnsafeMutablePointer<AVStream>) -> Int64 {
        let st = stream.pointee
        return st.r_frame_rate.num > 0 ? max(1, av_rescale_q(1, av_inv_q(st.r_frame_rate), st.time_base)) : 1
    }

    func run(_ body: (EncodedPacket, VideoPacketInfo) throws(MediaError) -> Void) throws(MediaError) {
        var count = 0
        // AVI stores no presentation time; without frame reordering it equals decode time.
        let inOrder = codec.videoDelay == 0
        let derive = Self.derivesTimestamps(input, codec: codec)
        let frameDuration = self.frameDuration
        var nextPts: Int64 = 0
        var keyframes = 0, shownSoFar = 0
        var maxShownPts = Int64.min
        // The earliest-presented unshown frame past the first GOP: fine if no frame shown
        // comes after it.
        var earliestTrailing: (packet: Int, pts: Int64)?
        while let (_, read) = try input.readPacket() {
            var packet = read
            if let order {
                guard count < order.timings.count else {
                    throw MediaError(path: input.path, reason: "the video stream read differently the second time (more than \(order.timings.count) packets)")
                }
                let timing = order.timings[count]
                (packet.pts, packet.dts, packet.duration) = (timing.pts, timing.dts, timing.duration)
            }
            if derive, packet.pts == EncodedPacket.noTimestamp, packet.dts == EncodedPacket.noTimestamp {
                if packet.duration <= 0 { packet.duration = frameDuration }
                packet.pts = nextPts
                packet.dts = nextPts
            }
            if derive { nextPts = packet.pts + max(packet.duration, 1) }
            if packet.pts == EncodedPacket.noTimestamp, inOrder, packet.dts != EncodedPacket.noTimestamp {
                packet.pts = packet.dts
            }
            guard packet.pts != EncodedPacket.noTimestamp else {
                throw MediaError(path: input.path, reason: Self.missingTimestampReason(input, packet: count))
            }
            // An edit list that starts mid-GOP leaves the frames before its start unshown, and
            // one that ends before the media does (a clip trimmed at both ends, as phones
            // trim) the frames after its end: both are decoded for reference only
            // (`SegmentFile.shownPackets`). An unshown frame presented between two shown
            // ones is a cut inside the file, which is not handled.
            let shown = packet.flags & AV_PKT_FLAG_DISCARD == 0
            if packet.isKeyframe { keyframes += 1 }
            if shown {
                if let late = earliestTrailing, packet.pts >= late.pts { throw Self.cutInside(input, packet: late.packet) }
                maxShownPts = max(maxShownPts, packet.pts)
                shownSoFar += 1
            } else if keyframes > 1 || (keyframes == 0 && shownSoFar > 0) {
                // Past the first GOP: only after every frame shown.
                if packet.pts <= maxShownPts { throw Self.cutInside(input, packet: count) }
                if earliestTrailing.map({ packet.pts < $0.pts }) ?? true { earliestTrailing = (count, packet.pts) }
            }
            let info = VideoPacketInfo(pts: packet.pts, duration: packet.duration, isKeyframe: packet.isKeyframe,
                                       keyframeKind: packet.isKeyframe ? inspector.kind(of: packet.data) : nil,
                                       shown: shown)
            try body(packet, info)
            count += 1
        }
        guard count > 0 else { throw MediaError(path: input.path, reason: "the video stream has no frames") }
        if let promised = input.indexedPacketCount(stream: streamIndex), count < promised {
            throw MediaError(path: input.path, reason: "truncated: the index lists \(promised) video frames but only \(count) could be read")
        }
    }
}
