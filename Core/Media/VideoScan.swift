import CFFmpeg
import RedactSupport

/// One pass over a file's video packets in decode order, shared by probe and split: checks
/// timestamps, classifies keyframes, and after the last packet checks the file was not cut
/// short.
struct VideoScan {
    let input: MediaInput
    let streamIndex: Int
    let codec: CodecParameters
    let timeBase: Rational
    private let inspector: KeyframeInspector

    init(input: MediaInput) throws(MediaError) {
        self.input = input
        streamIndex = try input.primaryVideoStream()
        let st = input.stream(streamIndex)
        codec = CodecParameters(st.pointee.codecpar)
        timeBase = Rational(st.pointee.time_base)
        inspector = KeyframeInspector(codec: codec)
        input.selectStreams([streamIndex])
    }

    func run(_ body: (EncodedPacket, VideoPacketInfo) throws(MediaError) -> Void) throws(MediaError) {
        var count = 0
        // AVI stores no presentation time; without frame reordering it equals decode time.
        let inOrder = codec.videoDelay == 0
        while let (_, read) = try input.readPacket() {
            var packet = read
            if packet.pts == EncodedPacket.noTimestamp, inOrder, packet.dts != EncodedPacket.noTimestamp {
                packet.pts = packet.dts
            }
            guard packet.pts != EncodedPacket.noTimestamp else {
                throw MediaError(path: input.path, reason: "video packet \(count) has no presentation timestamp; frames cannot be kept exact without one")
            }
            let info = VideoPacketInfo(pts: packet.pts, duration: packet.duration, isKeyframe: packet.isKeyframe,
                                       keyframeKind: packet.isKeyframe ? inspector.kind(of: packet.data) : nil)
            try body(packet, info)
            count += 1
        }
        guard count > 0 else { throw MediaError(path: input.path, reason: "the video stream has no frames") }
        if let promised = input.indexedPacketCount(stream: streamIndex), count < promised {
            throw MediaError(path: input.path, reason: "truncated: the index lists \(promised) video frames but only \(count) could be read")
        }
    }
}
