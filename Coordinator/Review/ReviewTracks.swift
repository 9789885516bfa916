import Foundation
import RedactCoordinator
import RedactCore

/// One track as a reviewer sees it: what it is, when it is on screen, how much of it the
/// detector found itself and how much the tracker filled in, and a few frames to look at.
public struct ReviewTrack: Codable, Equatable, Sendable {
    public var id: Int
    public var target: String
    public var firstSeconds: Double
    public var lastSeconds: Double
    public var frames: Int
    public var detected: Int
    public var interpolated: Int
    public var extended: Int
    public var bestScore: Double?
    /// Consecutive frames of one origin, for the timeline.
    public var runs: [Run]
    /// The frames shown as crops: the best-scoring one and others spread over the track.
    public var samples: [Sample]

    public struct Run: Codable, Equatable, Sendable {
        public var from: Double
        public var until: Double
        /// detected, interpolated or extended.
        public var origin: String
    }

    public struct Sample: Codable, Equatable, Sendable {
        /// The frame's index in presentation order, from 0.
        public var frame: Int
        public var seconds: Double
        public var box: Box
    }
}

/// The tracks of an output, read from its detections sidecar.
public struct ReviewTracks: Sendable {
    public var tracks: [ReviewTrack]
    /// Every frame's time from the first frame, in presentation order.
    public var frameSeconds: [Double]
    /// Frames where something untracked (a zone, a moving region) was hidden.
    public var untrackedFrames: Int
    public static let samplesPerTrack = 4

    /// `stream`: a further video stream's frames, as the sidecar names them (nil: the first's).
    public init(report: RedactionReport, stream: Int? = nil) {
        let frames = report.perFrame.filter { $0.stream == stream }.sorted { $0.pts < $1.pts }
        let first = frames.first?.pts ?? 0
        let tb = (stream.flatMap { s in report.streamTimeBases?.first { $0.stream == s }?.timeBase } ?? report.timeBase).doubleValue
        frameSeconds = frames.map { $0.seconds ?? Double($0.pts - first) * tb }
        let step = Self.frameStep(frameSeconds)
        struct Building {
            var target: String
            var frames: [(index: Int, box: Box, score: Double?, origin: String)] = []
        }
        var building: [Int: Building] = [:]
        var untracked = 0
        for (i, frame) in frames.enumerated() {
            if frame.covered.contains(where: { $0.track == nil }) { untracked += 1 }
            // One box per track per frame, as the tracker now records it (sidecars written
            // before it may hold several).
            for c in DetectionTracker.oneBoxPerTrack(frame.covered) {
                guard let id = c.track else { continue }
                building[id, default: Building(target: c.target.rawValue)].frames
                    .append((i, c.box, c.score, c.origin?.rawValue ?? (c.score != nil ? "detected" : "interpolated")))
            }
        }
        untrackedFrames = untracked
        let seconds = frameSeconds
        tracks = building.keys.sorted().map { id in
            let b = building[id]!
            var runs: [ReviewTrack.Run] = []
            for f in b.frames {
                let t = seconds[f.index]
                if var last = runs.last, last.origin == f.origin, t - last.until < step * 1.5 {
                    last.until = t + step
                    runs[runs.count - 1] = last
                } else {
                    runs.append(ReviewTrack.Run(from: t, until: t + step, origin: f.origin))
                }
            }
            let scored = b.frames.filter { $0.score != nil }
            let best = scored.max { $0.score! < $1.score! }
            // The best hit first, then frames spread evenly over the track (hits preferred).
            let pool = scored.isEmpty ? b.frames : scored
            var picked: [Int] = best.map { [$0.index] } ?? []
            let wanted = min(Self.samplesPerTrack, pool.count)
            var k = 0
            while picked.count < wanted, k < wanted * 2 {
                let at = pool[min(pool.count - 1, (k * (pool.count - 1)) / max(1, wanted - 1))].index
                if !picked.contains(at) { picked.append(at) }
                k += 1
            }
            let byIndex = Dictionary(b.frames.map { ($0.index, $0.box) }, uniquingKeysWith: { a, _ in a })
            let samples = picked.sorted().map { ReviewTrack.Sample(frame: $0, seconds: seconds[$0], box: byIndex[$0]!) }
            return ReviewTrack(id: id, target: b.target, firstSeconds: seconds[b.frames.first!.index], lastSeconds: seconds[b.frames.last!.index],
                               frames: b.frames.count, detected: b.frames.filter { $0.origin == "detected" }.count,
                               interpolated: b.frames.filter { $0.origin == "interpolated" }.count,
                               extended: b.frames.filter { $0.origin == "extended" }.count,
                               bestScore: best?.score.map { $0.rounded(toPlaces: 3) }, runs: runs, samples: samples)
        }
    }

    /// A frame's length: the median gap between frames (variable frame rates included).
    static func frameStep(_ seconds: [Double]) -> Double {
        let gaps = zip(seconds, seconds.dropFirst()).map { $1 - $0 }.filter { $0 > 0 }.sorted()
        return gaps.isEmpty ? 0.04 : gaps[gaps.count / 2]
    }

    public var duration: Double { (frameSeconds.last ?? 0) + Self.frameStep(frameSeconds) }
}
