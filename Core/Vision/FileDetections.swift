import RedactMedia
import RedactSupport

/// Runs a detector over every frame of a file's video stream, in presentation order.
public enum FileDetections {
    public static func scan(path: String, detector: FaceFinder,
                            _ body: (Int64, [Detection]) throws(MediaError) -> Void) throws(MediaError) {
        try VideoFileDecoder.forEachFrame(path: path) { (frame) throws(MediaError) in
            let f = VideoFrame(frame)
            try body(f.pts, try detector.detect(f))
        }
    }
}
