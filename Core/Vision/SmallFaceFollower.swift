/// Follows small faces from frame to frame while detection runs (online, in presentation
/// order), so they can be looked for again in a magnified crop where they are expected to be.
/// Full-frame CenterFace loses faces below about 20 px; a crop magnified to put the face at
/// ~48 px finds them again for a few percent of a full frame's cost.
///
/// Faces of any size are followed for their first few frames, and for as long as they move
/// fast: a face crossing the picture between full-frame passes is found at one or two of
/// them, and the tracker's reach before and after those hits (or its guess of which later
/// hit continues them) cannot keep up with it. The leak audit found such a face, a passer-by
/// in the ground truth's background footage, visible for ten frames.
package struct SmallFaceFollower {
    /// Faces shorter than this are followed.
    var smallHeight = 48.0
    /// How long a face is looked for after it was last found.
    var patience = 12
    /// Hits after which a larger face's motion is known and it is no longer followed.
    var youngHits = 3
    /// How long a young or fast larger face is looked for after it was last found.
    var youngPatience = 3
    /// A face moving more than this share of its height per frame is fast.
    var fastShare = 0.1
    /// The height a young or fast larger face is shrunk to in its crop. Against full size on
    /// the four make-eval clips (2026-12-06): the same recall and visible runs for `safe` (1.0,
    /// 0) and `fast`, 7% less CPU on the crowded clip, whose many young faces took a third of
    /// the crops' time, and `run`'s peak 300 MiB lower (the any-size crop model's buffers
    /// followed the largest crop; crops now run on a few fixed shapes, `CenterFaceDetector`).
    /// 64 px saved 12.5%, but `fast` then let a face on the CCTV-look clip show for 15 frames.
    var largeSearchHeight = 96.0
    /// A small face found in frame t is looked for again in frame t + `stride` (and every
    /// frame after that until it is found): the tracker interpolates the frames between. 2
    /// was 9-22% faster at the same recall and visible runs on the four ground-truth clips,
    /// but the leak audit then found a possible miss beside the carphone face (a 14 px blob
    /// at score 0.20 next to its box, 2026-12-04), so only `balanced` and `fast` take 2.
    /// Larger faces are looked for every frame whatever the stride (`expected(at:)`).
    var stride: Int

    struct Followed {
        var box: Box
        var dx = 0.0, dy = 0.0
        var frame: Int
        var hits = 1
    }

    private(set) var followed: [Followed] = []

    package init(stride: Int = 1) {
        self.stride = max(1, stride)
    }

    package struct Search {
        /// Where the face should be.
        var predicted: Box
        /// The crop to look in, and how much to magnify it.
        package var region: Box
        package var magnification: Double
        /// How much larger or smaller than the prediction a find may be.
        var sizeTolerance = 2.0

        /// Whether a face found in the crop is the one being followed rather than part of a
        /// larger face that reaches into the crop: similar height, centred near the prediction.
        package func accepts(_ d: Detection) -> Bool {
            let ratio = d.box.height / max(predicted.height, 1)
            let reach = predicted.scaled(by: 2)
            return ratio >= 1 / sizeTolerance && ratio <= sizeTolerance && d.box.centerX >= reach.x0 && d.box.centerX <= reach.x1
                && d.box.centerY >= reach.y0 && d.box.centerY <= reach.y1
        }
    }

    /// Where each followed face should be in frame `t`, for those no current detection covers.
    package func expected(at t: Int, alreadyFound: [Detection]) -> [Search] {
        followed.compactMap { f in
            // The stride spares only small faces' crops: a young or fast larger face looked
            // for every other frame was left half shown between its finds (the carphone
            // driver turning his head, in-car clip, `fast`, found by the leak audit).
            guard t - f.frame >= (f.box.height < smallHeight ? stride : 1) else { return nil }
            let n = Double(t - f.frame)
            let predicted = Box(x0: f.box.x0 + f.dx * n, y0: f.box.y0 + f.dy * n, x1: f.box.x1 + f.dx * n, y1: f.box.y1 + f.dy * n)
            let fast = max(abs(f.dx), abs(f.dy)) > fastShare * f.box.height
            let young = (f.hits < youngHits || fast) && t - f.frame <= youngPatience
            guard predicted.height < smallHeight || young,
                  !alreadyFound.contains(where: { $0.box.intersectionOverUnion(predicted) > 0.1 }) else { return nil }
            // Room for the face to have moved, and a floor so tiny faces get enough context.
            let side = max(predicted.width, predicted.height)
            guard predicted.height < smallHeight else {
                // A larger face needs no magnification, only room for its motion, and a find
                // of about its own size (a crop around a face holds larger false alarms). It
                // is looked for shrunk to about `largeSearchHeight`, where CenterFace finds a
                // face as surely as at full size: a 150 px face's crop costs 40%.
                return Search(predicted: predicted, region: predicted.scaled(by: 2.5), magnification: min(1, largeSearchHeight / predicted.height),
                              sizeTolerance: 1.5)
            }
            let region = predicted.scaled(by: max(3, 48 / max(side, 1)))
            return Search(predicted: predicted, region: region, magnification: min(4, max(1.5, 48 / max(predicted.height, 1))))
        }
    }

    /// Records what was found in frame `t`.
    package mutating func update(at t: Int, found: [Detection]) {
        var next: [Followed] = []
        var matched = Set<Int>()
        for d in found {
            let best = followed.indices.filter { !matched.contains($0) }.max { a, b in
                Self.closeness(followed[a], d.box, t) < Self.closeness(followed[b], d.box, t)
            }
            if let i = best, Self.closeness(followed[i], d.box, t) > 0 {
                matched.insert(i)
                let f = followed[i], n = Double(max(1, t - f.frame))
                next.append(Followed(box: d.box, dx: (d.box.centerX - f.box.centerX) / n,
                                     dy: (d.box.centerY - f.box.centerY) / n, frame: t, hits: f.hits + 1))
            } else {
                next.append(Followed(box: d.box, frame: t))
            }
        }
        for (i, f) in followed.enumerated() where !matched.contains(i) && t - f.frame <= patience { next.append(f) }
        followed = next
    }

    private static func closeness(_ f: Followed, _ box: Box, _ t: Int) -> Double {
        let n = Double(t - f.frame)
        let px = f.box.centerX + f.dx * n, py = f.box.centerY + f.dy * n
        let size = max(f.box.width, f.box.height, box.width, box.height, 1)
        let distance = ((px - box.centerX) * (px - box.centerX) + (py - box.centerY) * (py - box.centerY)).squareRoot() / size
        return max(0, 1.5 - distance)
    }
}
