import CFFmpeg
import RedactSupport

/// A segment's owned frames, kept as decoded in its examining pass for its redacting pass,
/// within a byte budget: a segment whose frames fit is decoded once rather than twice. On a
/// high-bitrate source decoding is a large share of the work (the 64 Mbit/s CCTV ground truth
/// decodes at 23 ms a frame on one core, as long as x264 takes to encode it), and the second
/// decode bought nothing but memory held flat. A segment that outgrows the budget lets go of
/// every frame it kept and is decoded again, as before.
///
/// The frames are references to the decoder's buffers, not copies: redacting one makes it
/// writable first (`FrameRedactor`), so no decoder reference picture is ever drawn on.
/// The one owner of the frames it keeps: each is freed here, when the cache overflows or ends.
public final class DecodedFrameCache {
    public typealias Kept = (frame: UnsafeMutablePointer<AVFrame>, damage: FrameDamage)
    private var kept: [Kept] = []
    private var bytes = 0
    private let budget: Int
    private var overflowed = false

    /// `budget`: bytes of picture data at most (0 keeps nothing). `frames` of `codec`'s size
    /// and pixel format are to come: if they cannot fit, nothing is kept from the start, so a
    /// segment too large for the budget never holds memory it will let go of unused.
    public init(budget: Int, frames: Int, of codec: CodecParameters) {
        self.budget = budget
        let size = Int(av_image_get_buffer_size(AVPixelFormat(rawValue: codec.format), codec.width, codec.height, 1))
        overflowed = budget <= 0 || size <= 0 || frames > budget / size
    }

    deinit { release() }

    /// Keeps a reference to `frame` (the next owned frame in presentation order) while the
    /// budget allows; past it, lets go of everything.
    public func keep(_ frame: UnsafeMutablePointer<AVFrame>, damage: FrameDamage) {
        guard !overflowed else { return }
        let size = Int(av_image_get_buffer_size(AVPixelFormat(rawValue: frame.pointee.format), frame.pointee.width, frame.pointee.height, 1))
        guard size > 0, bytes + size <= budget, let reference = av_frame_clone(frame) else {
            overflowed = true
            release()
            return
        }
        kept.append((reference, damage))
        bytes += size
    }

    /// Every frame kept, in the order kept, if none was let go of and there are `count`:
    /// then the redacting pass takes them instead of decoding.
    public func frames(count: Int) -> [Kept]? {
        !overflowed && kept.count == count ? kept : nil
    }

    private func release() {
        for entry in kept {
            var f: UnsafeMutablePointer<AVFrame>? = entry.frame
            av_frame_free(&f)
        }
        kept = []
        bytes = 0
    }
}
