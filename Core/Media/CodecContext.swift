import CFFmpeg
import RedactSupport

/// A libavcodec context and the frame that passes through it, owned together and freed in
/// one place: what every decoder and encoder here holds.
final class CodecContext {
    let context: UnsafeMutablePointer<AVCodecContext>
    let frame: UnsafeMutablePointer<AVFrame>

    init(_ codec: UnsafePointer<AVCodec>, label: String) throws(MediaError) {
        guard let ctx = avcodec_alloc_context3(codec) else { throw MediaError(path: label, reason: "out of memory") }
        guard let frame = av_frame_alloc() else {
            var owned: UnsafeMutablePointer<AVCodecContext>? = ctx
            avcodec_free_context(&owned)
            throw MediaError(path: label, reason: "out of memory")
        }
        context = ctx
        self.frame = frame
    }

    deinit {
        var ctx: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&ctx)
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
    }
}
