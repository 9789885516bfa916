import Foundation

/// Turns per-frame detections of one segment into tracks, then into the boxes to hide in each
/// frame. Works offline on the whole segment (detections are small; frames are decoded again
/// to be redacted), so it can look both ways in time:
/// - detections are linked frame to frame by overlap, or by centre distance for small or
///   fast faces whose boxes stop overlapping;
/// - a track survives `maxGap` frames without a hit, and its gaps are filled by linear
///   interpolation, so a face the detector misses for a frame or two stays covered;
/// - every track is extended `extend` frames before its first and after its last hit, along
///   its measured motion, so a face is hidden from the frame it enters, not from the frame it
///   is first recognised;
/// - a track that ends is bridged to one that starts near where it ended up to `bridgeGap`
///   frames later (a face hidden behind another, or too small to find for a while), and the
///   frames between are covered by a box that grows towards the middle of the gap.
public struct DetectionTracker: Sendable {
    public struct Options: Sendable, Equatable, Codable {
        public var maxGap: Int = 10
        public var extend: Int = 4
        public var minIoU: Double = 0.15
        public var bridgeGap: Int = 50
        /// How far a track of a small face (under `smallHeight` px where it starts or ends)
        /// reaches before its first hit and after its last; nil: `extend`. Small faces are
        /// found late and lost early, and one that goes behind another face comes back out
        /// too small or too covered to be found again (the crowded ground truth: a 23 px
        /// face lost behind a larger one showed for 3 frames as it came out, at either
        /// precision).
        public var smallExtend: Int?
        public static let smallHeight = 32.0
        public init(maxGap: Int = 10, extend: Int = 4, minIoU: Double = 0.15, bridgeGap: Int = 50) {
            self.maxGap = maxGap
            self.extend = extend
            self.minIoU = minIoU
            self.bridgeGap = bridgeGap
        }

        /// How far a track whose end box is `box` reaches past that end.
        func reach(from box: Box) -> Int {
            box.height < Self.smallHeight ? max(extend, smallExtend ?? extend) : extend
        }
    }

    /// A box to hide in one frame, and where it came from.
    public struct Covered: Equatable, Sendable, Codable {
        /// The track it belongs to; nil for what is hidden untracked (zones, moving regions).
        public var track: Int?
        public var target: TargetClass
        public var box: Box
        /// The detector's score on a hit; nil where the box was interpolated or extended.
        public var score: Double?
        /// How a tracked box came about (nil for zones and moving regions, and in records
        /// written before it was kept).
        public var origin: Origin?

        public init(track: Int?, target: TargetClass, box: Box, score: Double?, origin: Origin? = nil) {
            self.track = track
            self.target = target
            self.box = box
            self.score = score
            self.origin = origin
        }
    }

    /// Where a tracked box in a frame comes from: what a reviewer needs to tell the
    /// detector's own finds from the tracker's guesses.
    public enum Origin: String, Codable, Sendable {
        /// A detector's hit in this frame (with its score).
        case detected
        /// Between two hits of the track (or across a gap bridged to a later track).
        case interpolated
        /// Before a track's first hit or after its last (or either side of a doubtful link),
        /// where the face may be before it was found or after it was lost.
        case extended
        /// Drawn by a reviewer (a corrections file's boxes), between its keyframes.
        case manual
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
                    if let s = affinity(track.last.box, d.box, frames: t - track.last.frame) { pairs.append((s, ti, di)) }
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
        finished.sort { $0.hits[0].frame < $1.hits[0].frame }

        var covered = [[Covered]](repeating: [], count: frames.count)
        for (from, to) in bridges(finished) {
            // The bridged track continues under the earlier one's id.
            finished[to].id = finished[from].id
            let a = finished[from].last, b = (frame: finished[to].hits[0].frame, box: finished[to].hits[0].box)
            for t in (a.frame + 1)..<b.frame {
                let k = Double(t - a.frame) / Double(b.frame - a.frame)
                let box = a.box.interpolated(to: b.box, k).scaled(by: 1 + 0.5 * sin(Double.pi * k))
                covered[t].append(Covered(track: finished[from].id, target: finished[from].target, box: box, score: nil, origin: .interpolated))
            }
        }
        for track in finished {
            let first = track.hits.first!, last = track.hits.last!
            // Before the first hit and after the last, the box keeps moving and growing as it
            // did over the nearest hits: a face is usually first found after it has walked in
            // or grown, and lost after it has walked off or shrunk.
            let headMotion = Self.motion(Array(track.hits.prefix(3)))
            for t in max(0, first.frame - options.reach(from: first.box))..<first.frame {
                let box = Self.project(first.box, by: headMotion, frames: Double(t - first.frame))
                covered[t].append(Covered(track: track.id, target: track.target, box: box, score: nil, origin: .extended))
            }
            // Covered at and between hits by steadied boxes; motion and bridges use the hits
            // as found (a steadied box at a track's end would stop it bridging to the next).
            let steady = Self.steadied(track.hits)
            for (a, b) in zip(steady, steady.dropFirst() + [steady.last!]) {
                covered[a.frame].append(Covered(track: track.id, target: track.target, box: a.box, score: a.score, origin: .detected))
                guard b.frame > a.frame + 1 else { continue }
                for t in (a.frame + 1)..<b.frame {
                    let k = Double(t - a.frame) / Double(b.frame - a.frame)
                    let mid = a.box.interpolated(to: b.box, k)
                    covered[t].append(Covered(track: track.id, target: track.target, box: mid, score: nil, origin: .interpolated))
                }
            }
            // A hit linked across a gap by distance alone, further from where the track was
            // heading than a face moves in a frame, may be another face's: it is also covered
            // as if the track ended at the hit before it and a new one began at this one (each
            // extended as a track's ends are), so a wrong link hides more rather than
            // uncovering either face. Seen on the CCTV ground truth: a half-hidden face's hit
            // joined a neighbour's track a box size from its course across 12 frames, and the
            // face showed for 6.
            for i in track.hits.indices.dropFirst() {
                let a = track.hits[i - 1], b = track.hits[i]
                let before = Self.motion(Array(track.hits[max(0, i - 3)..<i]))
                guard b.frame > a.frame + 1, a.box.intersectionOverUnion(b.box) < options.minIoU,
                      Self.offCourse(from: a, by: before, to: b) > Self.uncertainLinkDistance else { continue }
                let after = Self.motion(Array(track.hits[i..<min(track.hits.count, i + 3)]))
                // Each of the two is a face of its own until a person says otherwise: its own
                // track id, so the record keeps one box per track per frame.
                let (endedID, begunID) = (nextID, nextID + 1)
                nextID += 2
                for t in (a.frame + 1)..<min(frames.count, a.frame + 1 + options.extend) {
                    covered[t].append(Covered(track: endedID, target: track.target,
                                              box: Self.project(a.box, by: before, frames: Double(t - a.frame)), score: nil, origin: .extended))
                }
                for t in max(0, b.frame - options.extend)..<b.frame {
                    covered[t].append(Covered(track: begunID, target: track.target,
                                              box: Self.project(b.box, by: after, frames: Double(t - b.frame)), score: nil, origin: .extended))
                }
            }
            let tailMotion = Self.motion(Array(track.hits.suffix(3)))
            for t in (last.frame + 1)..<min(frames.count, last.frame + 1 + options.reach(from: last.box)) {
                let box = Self.project(last.box, by: tailMotion, frames: Double(t - last.frame))
                covered[t].append(Covered(track: track.id, target: track.target, box: box, score: nil, origin: .extended))
            }
        }
        return covered.map(Self.oneBoxPerTrack)
    }

    /// Where a track has more than one box in a frame (a bridged track's interpolation beside
    /// the extensions of its two ends, a head extension reaching back under a bridge), the
    /// box hidden and recorded is their union, from the strongest origin (a hit, then
    /// interpolation, then extension) with the best score: one box per track per frame, which
    /// hides at least what the boxes did.
    public static func oneBoxPerTrack(_ frame: [Covered]) -> [Covered] {
        var out: [Covered] = []
        var at: [Int: Int] = [:]
        let rank: [Origin?: Int] = [.detected: 0, .interpolated: 1, .extended: 2, nil: 3]
        for c in frame {
            guard let id = c.track else { out.append(c); continue }
            guard let i = at[id] else { at[id] = out.count; out.append(c); continue }
            let kept = out[i]
            out[i].box = Box(x0: min(kept.box.x0, c.box.x0), y0: min(kept.box.y0, c.box.y0),
                             x1: max(kept.box.x1, c.box.x1), y1: max(kept.box.y1, c.box.y1))
            out[i].score = [kept.score, c.score].compactMap { $0 }.max()
            if rank[c.origin, default: 3] < rank[kept.origin, default: 3] { out[i].origin = c.origin }
        }
        return out
    }

    /// Pairs (earlier, later) of `tracks` (sorted by first hit) that look like one face lost
    /// for a while: the later starts 2 to `bridgeGap` frames after the earlier ends, at a
    /// similar size (within 2x), within two box sizes of where the earlier was last seen.
    /// Closest pairs first; a track continues into at most one and from at most one.
    func bridges(_ tracks: [Track]) -> [(from: Int, to: Int)] {
        var candidates: [(distance: Double, from: Int, to: Int)] = []
        for (i, a) in tracks.enumerated() {
            let end = a.last
            for j in (i + 1)..<tracks.count {
                let b = tracks[j], start = b.hits[0]
                let gap = start.frame - end.frame
                guard gap > 1 else { continue }
                if gap > options.bridgeGap { break }
                guard b.target == a.target, end.box.hasSimilarHeight(to: start.box) else { continue }
                let distance = end.box.centreDistance(to: start.box)
                if distance <= 2 { candidates.append((distance, i, j)) }
            }
        }
        var usedFrom = Set<Int>(), usedTo = Set<Int>(), pairs: [(from: Int, to: Int)] = []
        for c in candidates.sorted(by: { $0.distance < $1.distance }) where !usedFrom.contains(c.from) && !usedTo.contains(c.to) {
            usedFrom.insert(c.from)
            usedTo.insert(c.to)
            pairs.append((c.from, c.to))
        }
        // Earlier links first, so a chain A -> B -> C passes A's id all the way along.
        return pairs.sorted { tracks[$0.to].hits[0].frame < tracks[$1.to].hits[0].frame }
    }

    /// A track's hits with no sudden shrinking: a face does not lose a fifth of its size from
    /// one frame to the next, but a detector that finds only part of it (behind another face,
    /// cut by the frame's edge, or found in a crop) returns a box that does. Such a hit keeps
    /// the box it shrank from (scaled down by at most 10% a frame) as well as its own, so the
    /// whole face stays covered (seen on the crowded ground truth: a 183 px face behind another,
    /// found as a 127 px box, showed for 4 frames).
    static func steadied(_ hits: [(frame: Int, box: Box, score: Double)]) -> [(frame: Int, box: Box, score: Double)] {
        var out = hits
        for i in out.indices.dropFirst() {
            let previous = out[i - 1], hit = out[i]
            let allowed = pow(0.9, Double(hit.frame - previous.frame))
            guard hit.box.height < 0.8 * previous.box.height || hit.box.width < 0.8 * previous.box.width else { continue }
            let kept = previous.box.scaled(by: max(allowed, hit.box.height / max(previous.box.height, 1)))
            out[i].box = Box(x0: min(kept.x0, hit.box.x0), y0: min(kept.y0, hit.box.y0),
                             x1: max(kept.x1, hit.box.x1), y1: max(kept.y1, hit.box.y1))
        }
        return out
    }

    /// How far (in box sizes) a hit linked across a gap may lie from where the track was
    /// heading before the link is in doubt: the reach of a link between neighbouring frames.
    static let uncertainLinkDistance = 0.75

    /// The distance, in box sizes, from where `a` would be at `b`'s frame moving as `motion`
    /// says, to `b`.
    static func offCourse(from a: (frame: Int, box: Box, score: Double), by motion: Motion,
                          to b: (frame: Int, box: Box, score: Double)) -> Double {
        let n = Double(b.frame - a.frame)
        let dx = a.box.centerX + motion.dx * n - b.box.centerX, dy = a.box.centerY + motion.dy * n - b.box.centerY
        return (dx * dx + dy * dy).squareRoot() / max(a.box.extent, b.box.extent, 1)
    }

    /// Per-frame change of centre and size over a few hits (zero for a single hit).
    struct Motion {
        var dx = 0.0, dy = 0.0, grow = 1.0
    }

    static func motion(_ hits: [(frame: Int, box: Box, score: Double)]) -> Motion {
        guard let a = hits.first, let b = hits.last, b.frame > a.frame, a.box.height > 0 else { return Motion() }
        let n = Double(b.frame - a.frame)
        let grow = pow(max(b.box.height, 1) / max(a.box.height, 1), 1 / n)
        return Motion(dx: (b.box.centerX - a.box.centerX) / n, dy: (b.box.centerY - a.box.centerY) / n,
                      grow: min(max(grow, 0.8), 1.25))
    }

    /// `box` moved `frames` frames along `motion` (negative: back in time). It never shrinks
    /// below the box it started from (an uncertain box should err towards hiding more) and
    /// grows to at most twice its size (growth measured over a few hits does not last).
    static func project(_ box: Box, by motion: Motion, frames: Double) -> Box {
        let scale = min(2, max(1, pow(motion.grow, frames)))
        let cx = box.centerX + motion.dx * frames, cy = box.centerY + motion.dy * frames
        // The further from a hit, the less sure the motion: a margin of 2% of the box's
        // extent per frame on every side.
        let margin = 0.02 * box.extent * abs(frames)
        let hw = box.width * scale / 2 + margin, hh = box.height * scale / 2 + margin
        let moved = Box(x0: cx - hw, y0: cy - hh, x1: cx + hw, y1: cy + hh)
        // Cover both where the face was last seen and where it is heading.
        return Box(x0: min(moved.x0, box.x0), y0: min(moved.y0, box.y0), x1: max(moved.x1, box.x1), y1: max(moved.y1, box.y1))
    }

    /// How well a detection continues a track, or nil if it does not. Only boxes of similar
    /// size (within 2x) qualify: overlap of at least `minIoU` ranks first (1 + IoU); otherwise
    /// centres closer than 0.75 box sizes (`Box.extent`) per √frames since the track was last
    /// seen (small or fast faces whose boxes no longer overlap, and faces that moved while the
    /// detector was not looking), ranked by closeness.
    func affinity(_ a: Box, _ b: Box, frames: Int = 1) -> Double? {
        // A small face beside or inside a big one (or a part of it found as a face) is not
        // the big one, however much they overlap.
        guard a.hasSimilarHeight(to: b) else { return nil }
        let iou = a.intersectionOverUnion(b)
        if iou >= options.minIoU { return 1 + iou }
        let reach = 0.75 * Double(max(frames, 1)).squareRoot()
        let distance = a.centreDistance(to: b)
        return distance < reach ? 1 - distance / reach : nil
    }
}
