import RedactMedia
import RedactSupport
import RedactVision

/// One frame's regions once a reviewer's decisions are applied: what is hidden, and the
/// tracks left visible with the reason (kept as the data subject, or not a target at all).
public struct CorrectedFrame: Equatable, Sendable {
    public var hidden: [DetectionTracker.Covered] = []
    public var kept: [DetectionTracker.Covered] = []
    public var unhidden: [DetectionTracker.Covered] = []
}

/// A corrections file made ready to apply frame after frame: decisions by track id, manual
/// boxes, zones parsed. No corrections at all applies as nothing: every region stays hidden.
public struct CorrectionsApplied: Sendable {
    public let corrections: Corrections?
    private let decisions: [Int: Corrections.Action]
    public let zones: [PrivacyZone]
    /// The source's video stream the frames are of (its index in the file): boxes drawn on
    /// another camera of the file are not drawn here. nil: every box (a file's only stream).
    public private(set) var videoStream: Int?

    public init(_ corrections: Corrections?, videoStream: Int? = nil) throws(OptionError) {
        self.corrections = corrections
        self.videoStream = videoStream
        decisions = Dictionary((corrections?.tracks ?? []).map { ($0.track, $0.action) }, uniquingKeysWith: { a, _ in a })
        zones = try corrections?.parsedZones() ?? []
    }

    public var decidedTracks: Set<Int> { Set(decisions.keys) }

    /// The same corrections, for the frames of the source's video stream `index`.
    public func on(videoStream index: Int?) -> CorrectionsApplied {
        var copy = self
        copy.videoStream = index
        return copy
    }

    /// `found`: what detection (or the stored record of it) would hide in the frame at
    /// `seconds`. A decided track moves out of `hidden`; manual boxes active then join it.
    public func correct(_ found: [DetectionTracker.Covered], atSeconds seconds: Double) -> CorrectedFrame {
        guard corrections != nil else { return CorrectedFrame(hidden: found) }
        var frame = CorrectedFrame()
        for region in found {
            switch region.track.flatMap({ decisions[$0] }) {
            case .keep?: frame.kept.append(region)
            case .unhide?: frame.unhidden.append(region)
            case nil: frame.hidden.append(region)
            }
        }
        frame.hidden += manualBoxes(atSeconds: seconds)
        return frame
    }

    /// The hand-drawn boxes in the frame at `seconds`: between two keyframes the box moves
    /// linearly; a track is active from its first keyframe's frame to its last's.
    public func manualBoxes(atSeconds t: Double) -> [DetectionTracker.Covered] {
        (corrections?.boxes ?? []).enumerated().compactMap { (n, manual) -> DetectionTracker.Covered? in
            guard manual.applies(toStream: videoStream), let box = Self.box(of: manual, atSeconds: t) else { return nil }
            return DetectionTracker.Covered(track: Corrections.manualTrackIDBase + n, target: manual.target ?? .face, box: box,
                                            score: nil, origin: .manual)
        }
    }

    static func box(of manual: Corrections.ManualTrack, atSeconds t: Double) -> Box? {
        let keys = manual.keyframes
        let tolerance = Corrections.timeTolerance
        guard let first = keys.first, let last = keys.last, t >= first.seconds - tolerance, t <= last.seconds + tolerance else { return nil }
        guard let after = keys.firstIndex(where: { $0.seconds + tolerance >= t }) else { return last.box }
        let b = keys[after]
        if after == 0 || abs(b.seconds - t) <= tolerance { return b.box }
        let a = keys[after - 1]
        let f = (t - a.seconds) / (b.seconds - a.seconds)
        func mix(_ u: Double, _ v: Double) -> Double { u + (v - u) * f }
        return Box(x0: mix(a.box.x0, b.box.x0), y0: mix(a.box.y0, b.box.y0), x1: mix(a.box.x1, b.box.x1), y1: mix(a.box.y1, b.box.y1))
    }
}

extension ProcessedSegment.FrameCoverage {
    /// What detection found in this frame, as recorded: the regions hidden (less zones and
    /// hand-drawn boxes, which come from the job and its corrections) and those a reviewer's
    /// earlier decisions left visible. Applying new corrections to it gives the frame anew.
    public var foundRegions: [DetectionTracker.Covered] {
        covered.filter { $0.target != .zone && $0.origin != .manual } + (kept ?? []) + (unhidden ?? [])
    }
}

extension CorrectionsApplied {
    /// Whether these corrections hide anything else in a frame than the earlier output did,
    /// which recorded the frame as `frame` with `previous` applied: the regions hidden (boxes
    /// as recorded, to the hundredth of a pixel) and the zones active then. Anything not
    /// known to be the same counts as a change: the frame is then redacted again.
    public func changes(_ frame: ProcessedSegment.FrameCoverage, from previous: CorrectionsApplied, jobZones: [PrivacyZone],
                        width: Double, height: Double) -> Bool {
        guard let t = frame.seconds else { return true }
        func key(_ region: DetectionTracker.Covered) -> String {
            let b = region.box.clamped(width: width, height: height).rounded(toPlaces: 2)
            return "\(region.track.map(String.init) ?? "-")|\(region.target.rawValue)|\(region.origin.map { "\($0)" } ?? "-")|\(b.x0),\(b.y0),\(b.x1),\(b.y1)"
        }
        let before = frame.covered.filter { $0.target != .zone }.map(key).sorted()
        let after = correct(frame.foundRegions, atSeconds: t).hidden.map(key).sorted()
        guard before == after else { return true }
        let zonesBefore = (jobZones + previous.zones).filter { $0.isActive(atSeconds: t) }
        let zonesAfter = (jobZones + zones).filter { $0.isActive(atSeconds: t) }
        return !(zonesBefore.allSatisfy(zonesAfter.contains) && zonesAfter.allSatisfy(zonesBefore.contains))
    }
}
