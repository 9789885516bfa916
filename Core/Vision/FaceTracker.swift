/// Turns per-frame detections of one segment into tracks, then into the boxes to hide in each
/// frame. Works offline on the whole segment (detections are small; frames are decoded again
/// to be redacted), so it can look both ways in time:
/// - detections are linked frame to frame by overlap, or by centre distance for small or
///   fast faces whose boxes stop overlapping;
/// - a track survives `maxGap` frames without a hit, and its gaps are filled by linear
///   interpolation, so a face the detector misses for a frame or two stays covered;
/// - every track is extended `extend` frames before its first and after its last hit, so a
///   face is hidden from the frame it enters, not from the frame it is first recognised.
public struct FaceTracker: Sendable {
    public struct Options: Sendable, Equatable, Codable {
        public var maxGap: Int = 10
        public var extend: Int = 4
        public var minIoU: Double = 0.15
        public init(maxGap: Int = 10, extend: Int = 4, minIoU: Double = 0.15) {
            self.maxGap = maxGap
            self.extend = extend
            self.minIoU = minIoU
        }
    }

    /// A box to hide in one frame, and where it came from.
    public struct Covered: Equatable, Sendable, Codable {
        public var track: Int
        public var target: TargetClass
        public var box: Box
        /// The detector's score on a hit; nil where the box was interpolated or extended.
        public var score: Double?
    }

    public let options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    struct Track {
        var id: Int
        var target: TargetClass
        var hits: [(frame: Int, box: Box, score: Double)]
        var last: (frame: Int, box: Box) { (hits.last!.frame, hits.last!.box) }
    }

    /// `frames[i]` holds the detections of the i-th frame in presentation order. Returns,
    /// for each frame, the boxes to hide. Track ids start at `firstTrackID`.
    public func cover(_ frames: [[Detection]], firstTrackID: Int = 0) -> [[Covered]] {
        var live: [Track] = []
        var finished: [Track] = []
        var nextID = firstTrackID
        for (t, detections) in frames.enumerated() {
            // Retire tracks whose gap is now too long.
            finished += live.filter { t - $0.last.frame > options.maxGap + 1 }
            live.removeAll { t - $0.last.frame > options.maxGap + 1 }
            // Greedy matching, best pairs first.
            var pairs: [(score: Double, track: Int, det: Int)] = []
            for (ti, track) in live.enumerated() {
                for (di, d) in detections.enumerated() where d.target == track.target {
                    if let s = affinity(track.last.box, d.box) { pairs.append((s, ti, di)) }
                }
            }
            pairs.sort { $0.score > $1.score }
            var usedTracks = Set<Int>(), usedDets = Set<Int>()
            for p in pairs where !usedTracks.contains(p.track) && !usedDets.contains(p.det) {
                usedTracks.insert(p.track)
                usedDets.insert(p.det)
                live[p.track].hits.append((t, detections[p.det].box, detections[p.det].score))
            }
            for (di, d) in detections.enumerated() where !usedDets.contains(di) {
                live.append(Track(id: nextID, target: d.target, hits: [(t, d.box, d.score)]))
                nextID += 1
            }
        }
        finished += live

        var covered = [[Covered]](repeating: [], count: frames.count)
        for track in finished {
            let first = track.hits.first!, last = track.hits.last!
            for t in max(0, first.frame - options.extend)..<first.frame {
                covered[t].append(Covered(track: track.id, target: track.target, box: first.box, score: nil))
            }
            for (a, b) in zip(track.hits, track.hits.dropFirst() + [last]) {
                covered[a.frame].append(Covered(track: track.id, target: track.target, box: a.box, score: a.score))
                guard b.frame > a.frame + 1 else { continue }
                for t in (a.frame + 1)..<b.frame {
                    let k = Double(t - a.frame) / Double(b.frame - a.frame)
                    let mid = a.box.interpolated(to: b.box, k)
                    covered[t].append(Covered(track: track.id, target: track.target, box: mid, score: nil))
                }
            }
            for t in (last.frame + 1)..<min(frames.count, last.frame + 1 + options.extend) {
                covered[t].append(Covered(track: track.id, target: track.target, box: last.box, score: nil))
            }
        }
        return covered
    }

    /// How well a detection continues a track, or nil if it does not: overlap of at least
    /// `minIoU` ranks first (1 + IoU); otherwise centres closer than 0.75 box sizes (small or
    /// fast faces whose boxes no longer overlap), ranked by closeness.
    func affinity(_ a: Box, _ b: Box) -> Double? {
        let iou = a.intersectionOverUnion(b)
        if iou >= options.minIoU { return 1 + iou }
        let size = max(a.width, a.height, b.width, b.height, 1)
        let dx = a.centerX - b.centerX, dy = a.centerY - b.centerY
        let distance = (dx * dx + dy * dy).squareRoot() / size
        return distance < 0.75 ? 1 - distance / 0.75 : nil
    }
}
