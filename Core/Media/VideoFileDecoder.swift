import CFFmpeg
import RedactSupport

/// Every frame of a file's video stream, decoded in one pass, in presentation order.
public enum VideoFileDecoder {
    /// `stream`: which video stream (its index in the file); absent, the file must have one.
    public static func forEachFrame(path: String, stream: Int? = nil,
                                    _ body: (UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Void) throws(MediaError) {
        let input = try MediaInput(path: path)
        let index: Int
        if let stream { index = stream } else { index = try input.primaryVideoStream() }
        guard try input.videoStreams().contains(index) else { throw MediaError(path: path, reason: "has no video stream \(index)") }
        input.selectStreams([index])
        let st = input.stream(index)
        let decoder = try VideoDecoder(codec: CodecParameters(st.pointee.codecpar), timeBase: Rational(st.pointee.time_base), label: path)
        while let (_, packet) = try input.readPacket() { try decoder.decode(packet, body) }
        try decoder.decode(nil, body)
    }
}
