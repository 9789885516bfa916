import CFFmpeg

/// Runs a detector over every frame of a file's video stream, in presentation order.
public enum FileDetections {
    public static func scan(path: String, detector: FrameDetector,
                            _ body: (Int64, [Detection]) throws(MediaError) -> Void) throws(MediaError) {
        let input = try MediaInput(path: path)
        let index = try input.primaryVideoStream()
        input.selectStreams([index])
        let st = input.stream(index)
        let decoder = try VideoDecoder(codec: CodecParameters(st.pointee.codecpar), timeBase: Rational(st.pointee.time_base), label: path)
        let handle = { (frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) in
            let f = VideoFrame(frame)
            try body(f.pts, try detector.detect(f))
        }
        while let (_, packet) = try input.readPacket() { try decoder.decode(packet, handle) }
        try decoder.decode(nil, handle)
    }
}
