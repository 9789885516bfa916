import RedactVision

/// Which of a segment's due full-frame passes run when the picture stands still: on a static
/// CCTV scene a pass over a picture the last passes already searched finds what they found,
/// and those passes are most of what an empty hour costs.
///
/// A due pass is skipped only when all of these hold, so whatever a pass would newly find has
/// had the chances it has without the gate:
/// - nothing has changed since the last pass that ran (`PictureChange`: a face coming into
///   view changes the picture where it appears, and a person walks in before standing still);
/// - at least two passes ran on the picture as it is, one of them magnified where the profile
///   magnifies (a face that came into view is then looked for twice at the cadence, as the
///   tracker's reach back over two passes assumes);
/// - fewer than `runEvery - 1` passes in a row were skipped: on a still picture every
///   `runEvery`th pass runs all the same, alternately magnified and not, in case a pass
///   missed what the next would find.
/// The large-face pass halfway between due passes is left out on such a picture too.
struct FullPassGate {
    /// 1: every due pass runs (the gate is off).
    let runEvery: Int
    private var reference: PictureChange?
    private var passesOnThisPicture = 0
    private var magnifiedOnThisPicture = false
    private var lastRunMagnified = false
    private var skippedInARow = 0

    init(runEvery: Int) {
        self.runEvery = max(1, runEvery)
    }

    /// What to do at a due pass: nil to skip it, else whether to magnify. `magnifiedByCadence`
    /// is the profile's choice for this pass; after skipped passes the kind alternates with the
    /// last pass run instead, so a still picture keeps getting both.
    mutating func decide(_ frame: VideoFrame, magnifiedByCadence: Bool, profileMagnifies: Bool) -> Bool? {
        guard runEvery > 1 else { return magnifiedByCadence }
        let picture = PictureChange(frame)
        let unchanged = reference.map { !picture.differs(from: $0) } ?? false
        if unchanged, searched(profileMagnifies: profileMagnifies), skippedInARow + 1 < runEvery {
            skippedInARow += 1
            return nil
        }
        let magnify = profileMagnifies && skippedInARow > 0 ? !lastRunMagnified : magnifiedByCadence
        if unchanged {
            passesOnThisPicture += 1
            magnifiedOnThisPicture = magnifiedOnThisPicture || magnify
        } else {
            passesOnThisPicture = 1
            magnifiedOnThisPicture = magnify
        }
        reference = picture
        lastRunMagnified = magnify
        skippedInARow = 0
        return magnify
    }

    /// Whether the large-face pass halfway between due passes would search a picture already
    /// searched: the same test as a skip, without counting towards the passes that must run.
    func halfwayPassIsRedundant(_ frame: VideoFrame, profileMagnifies: Bool) -> Bool {
        guard runEvery > 1, let reference, searched(profileMagnifies: profileMagnifies) else { return false }
        return !PictureChange(frame).differs(from: reference)
    }

    /// Two passes have run on the picture as it is, one magnified where the profile alternates.
    private func searched(profileMagnifies: Bool) -> Bool {
        passesOnThisPicture >= 2 && (magnifiedOnThisPicture || !profileMagnifies)
    }
}
