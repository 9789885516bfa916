/// Timestamps for encoders that count frames rather than time: FFmpeg 5.1's MPEG-1/2
/// encoders read the frame rate from the time base (1/90000 is "90000 fps", refused), and
/// MPEG-4 Part 2 allows no time base finer than 1/65535. Such an encoder is fed each frame's
/// place in the whole stream at 1/fps, counted from the stream's first frame so that segments
/// encoded apart continue one another's count (a raw MPEG-4 stream is timed by the VOP times
/// written from it). Its packets get the source's own times back from the frames that went
/// in, so irregular steps (soft telecine, a dropped frame) survive.
struct FrameCountClock {
    /// One frame's duration in the stream's time base.
    let frameDuration: Int64
    /// The stream's first frame's pts: count 0.
    let origin: Int64
    private var times: [Int64: Int64] = [:]
    private var first: (count: Int64, pts: Int64)?
    private var last: (count: Int64, pts: Int64)?

    init(frameDuration: Int64, origin: Int64) {
        self.frameDuration = max(1, frameDuration)
        self.origin = origin
    }

    /// The count to give the encoder for the next frame, shown at `pts`: its place at the
    /// frame rate, and always past the one before.
    mutating func count(for pts: Int64) -> Int64 {
        let place = Int64((Double(pts - origin) / Double(frameDuration)).rounded())
        let count = max(place, (last?.count ?? Int64.min + 1) + 1)
        times[count] = pts
        if first == nil { first = (count, pts) }
        last = (count, pts)
        return count
    }

    /// The stream time of what the encoder counted as `count`: the frame's own pts, or for a
    /// count no frame had (a reordering encoder's decode times) one frame duration a step
    /// from the nearest that did.
    func time(of count: Int64) -> Int64 {
        if let pts = times[count] { return pts }
        guard let first, let last else { return origin + count * frameDuration }
        if count < first.count { return first.pts - (first.count - count) * frameDuration }
        if count > last.count { return last.pts + (count - last.count) * frameDuration }
        let below = times.keys.filter { $0 < count }.max() ?? first.count
        return times[below]! + (count - below) * frameDuration
    }
}
