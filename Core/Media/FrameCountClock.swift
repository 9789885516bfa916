/// Timestamps for encoders that count frames rather than time: FFmpeg 5.1's MPEG-1/2
/// encoders read the frame rate from the time base (1/90000 is "90000 fps", refused), and
/// MPEG-4 Part 2 allows no time base finer than 1/65535. Such an encoder is fed each frame's
/// place in presentation order at 1/fps; its packets get the source's own times back from the
/// order the frames went in, so irregular steps (soft telecine, a dropped frame) survive.
struct FrameCountClock {
    /// One frame's duration in the stream's time base, for times before the first frame
    /// (decode times of a reordering encoder) or after the last.
    let frameDuration: Int64
    private var shown: [Int64] = []

    init(frameDuration: Int64) {
        self.frameDuration = max(1, frameDuration)
    }

    /// The count to give the encoder for a frame shown at `pts`.
    mutating func count(for pts: Int64) -> Int64 {
        shown.append(pts)
        return Int64(shown.count - 1)
    }

    /// The stream time of the frame the encoder counted as `count`.
    func time(of count: Int64) -> Int64 {
        guard let first = shown.first, let last = shown.last else { return count * frameDuration }
        if count < 0 { return first + count * frameDuration }
        if count >= Int64(shown.count) { return last + (count - Int64(shown.count) + 1) * frameDuration }
        return shown[Int(count)]
    }
}
