import CFFmpeg
import RedactSupport

/// Every frame of a file's video stream, decoded in one pass, in presentation order.
public enum VideoFileDecoder {
    public static func forEachFrame(path: String,
                                    _ body: (UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Void) throws(MediaError) {
        let input = try MediaInput(path: path)
        let index = try input.primaryVideoStream()
        input.selectStreams([index])
        let st = input.stream(index)
        let decoder = try VideoDecoder(codec: CodecParameters(st.pointee.codecpar), timeBase: Rational(st.pointee.time_base), label: path)
        while let (_, packet) = try input.readPacket() { try decoder.decode(packet, body) }
        try decoder.decode(nil, body)
    }
}
