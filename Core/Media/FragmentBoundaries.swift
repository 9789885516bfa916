/// Where a fragmented source's fragments start, for a stitch that keeps its layout for every
/// track, not only the video: each fragment that holds video opens at a video frame, and
/// before it came a known number of each other track's packets (`MP4Fragments`). The stitch
/// writes other packets by decode time, but none of a later fragment before its boundary, and
/// at the boundary every packet of the fragments before, even one decoded after the frame
/// that opens the next: a player or packager reading fragment by fragment then finds each
/// track's samples where the source had them.
struct FragmentBoundaries {
    private struct Boundary {
        /// The video frame (counted from 0 in decode order) that opens the fragment.
        let frame: Int
        /// Per source stream index: its packets in the fragments before this one.
        let before: [Int: Int]
    }

    private let boundaries: [Boundary]
    private var next = 0

    /// `streams`: the other source streams written, with their MP4 track IDs.
    init(_ fragments: MP4Fragments, videoTrack: UInt32, streams: [(index: Int, track: UInt32)]) {
        var counted: [UInt32: Int] = [:]
        var found: [Boundary] = []
        for fragment in fragments.samplesPerFragment {
            let video = counted[videoTrack, default: 0]
            if let n = fragment[videoTrack], n > 0, video > 0 {
                found.append(Boundary(frame: video, before: Dictionary(uniqueKeysWithValues: streams.map { ($0.index, counted[$0.track, default: 0]) })))
            }
            for (track, n) in fragment { counted[track, default: 0] += n }
        }
        boundaries = found
    }

    /// Whether video frame `frame` (from 0, in decode order) opens the next fragment.
    func opensFragment(atFrame frame: Int) -> Bool {
        next < boundaries.count && boundaries[next].frame == frame
    }

    /// How many of `stream`'s packets may be written before the next fragment opens; nil
    /// where no fragment is ahead.
    func limit(of stream: Int) -> Int? {
        next < boundaries.count ? boundaries[next].before[stream] : nil
    }

    /// The fragment opening at video frame `frame` is reached: its limits are done with.
    mutating func reached(frame: Int) {
        while next < boundaries.count, boundaries[next].frame <= frame { next += 1 }
    }
}
