import CFFmpeg
import Foundation
import RedactSupport

/// `redactfarm probe`: the container, every stream, the video's GOP structure and the segment
/// plan split would make. Reads every video packet once (not decoding them).
public struct ProbeReport: Codable, Equatable, Sendable {
    public var file: String
    public var sizeBytes: Int64
    public var container: String
    public var containerLongName: String
    public var durationSeconds: Double?
    public var bitRate: Int64?
    public var streams: [StreamReport]
    /// The first video stream, its GOPs and the segments split would cut it into.
    public var videoStream: Int
    public var gop: GOPReport
    public var plan: PlanPreview
    /// The same for each further video stream (absent when the file has one).
    public var otherVideo: [VideoProbe]?

    public struct VideoProbe: Codable, Equatable, Sendable {
        public var stream: Int
        public var gop: GOPReport
        public var plan: PlanPreview
    }

    /// Every video stream's, the first first.
    public var everyVideo: [VideoProbe] { [VideoProbe(stream: videoStream, gop: gop, plan: plan)] + (otherVideo ?? []) }

    public struct GOPReport: Codable, Equatable, Sendable {
        public var frames: Int
        public var keyframes: Int
        public var keyframeKinds: [String: Int]
        public var shortestGOPFrames: Int
        public var longestGOPFrames: Int
        public var meanGOPFrames: Double
        public var longestGOPSeconds: Double
        /// Keyframes whose GOP has leading pictures or that are not clean random-access
        /// points (H.264 non-IDR I, HEVC CRA/BLA).
        public var openGOPPoints: Int
        /// Presentation times of the first open-GOP points, in seconds.
        public var openGOPPointSeconds: [Double]
        public var maxLeadingPictures: Int
    }

    public struct PlanPreview: Codable, Equatable, Sendable {
        public var targetSegmentSeconds: Double
        public var segments: [Entry]

        public struct Entry: Codable, Equatable, Sendable {
            public var index: Int
            public var startSeconds: Double
            public var frames: Int
            public var decodePrefixFrames: Int
        }
    }
}

public enum MediaProbe {
    /// `frameRate`: as `--fps` gives it, for a raw stream whose header states none.
    public static func probe(path: String, segmentSeconds: Double, frameRate: Rational? = nil) throws(MediaError) -> ProbeReport {
        let input = try MediaInput(path: path, frameRate: frameRate)
        let videos = try input.videoStreams()
        var streams: [StreamReport] = []
        for i in 0..<input.streamCount { streams.append(StreamReport(input.stream(i))) }
        var probes: [(video: ProbeReport.VideoProbe, variable: Bool)] = []
        for (n, video) in videos.enumerated() {
            // A pass over the file per video stream, as split makes.
            let reader = n == 0 ? input : try MediaInput(path: path, frameRate: frameRate)
            probes.append(try probe(VideoScan(input: reader, stream: video), segmentSeconds: segmentSeconds))
        }
        for probe in probes { streams[probe.video.stream].variableFrameRate = probe.variable }
        let ctx = input.context.pointee
        let first = probes[0].video
        return ProbeReport(
            file: path,
            sizeBytes: FileBytes.size(of: path),
            container: input.formatName,
            containerLongName: input.formatLongName,
            durationSeconds: ctx.duration > 0 ? Double(ctx.duration) / Double(AV_TIME_BASE) : nil,
            bitRate: ctx.bit_rate > 0 ? ctx.bit_rate : nil,
            streams: streams,
            videoStream: first.stream, gop: first.gop, plan: first.plan,
            otherVideo: probes.count > 1 ? probes.dropFirst().map(\.video) : nil)
    }

    /// One video stream's GOPs and segments, and whether its frame rate varies.
    private static func probe(_ scan: VideoScan, segmentSeconds: Double) throws(MediaError) -> (video: ProbeReport.VideoProbe, variable: Bool) {
        let tb = scan.timeBase
        var accumulator = GOPAccumulator()
        var gops: [GOPSummary] = []
        var sortedPts: [Int64] = []
        try scan.run { (_, info) throws(MediaError) in
            if info.shown { sortedPts.append(info.pts) }
            if let gop = accumulator.add(info) { gops.append(gop) }
        }
        if let last = accumulator.finish() { gops.append(last) }
        sortedPts.sort()

        var layout = SegmentLayout(targetSeconds: segmentSeconds, timeBase: tb, declaredEndPts: scan.declaredEndPts)
        for (n, gop) in gops.enumerated() { _ = layout.add(gop, isLast: n == gops.count - 1) }
        let entries = layout.segments.map {
            ProbeReport.PlanPreview.Entry(index: $0.index, startSeconds: Double($0.ptsFirst) * tb.doubleValue,
                                          frames: $0.frames, decodePrefixFrames: $0.decodePrefixFrames)
        }

        // A GOP an edit list leaves wholly unshown (trimmed off the end) is not one of the
        // file's as a viewer sees it.
        let shownGOPs = gops.filter { $0.frames > 0 }
        let keyed = shownGOPs.filter { $0.keyframeKind != nil }
        let open = keyed.dropFirst().filter(\.needsDecodePrefix)
        var kinds: [String: Int] = [:]
        for g in keyed { kinds[g.keyframeKind!.rawValue, default: 0] += 1 }
        let lengths = shownGOPs.map(\.frames)
        let gop = ProbeReport.GOPReport(
            frames: sortedPts.count, keyframes: keyed.count, keyframeKinds: kinds,
            shortestGOPFrames: lengths.min() ?? 0, longestGOPFrames: lengths.max() ?? 0,
            meanGOPFrames: Double(sortedPts.count) / Double(max(shownGOPs.count, 1)),
            longestGOPSeconds: shownGOPs.map { Double($0.endPts - $0.minPts) * tb.doubleValue }.max() ?? 0,
            openGOPPoints: open.count,
            openGOPPointSeconds: open.prefix(20).map { Double($0.keyPts) * tb.doubleValue },
            maxLeadingPictures: shownGOPs.map(\.leadingPictures).max() ?? 0)
        return (.init(stream: scan.streamIndex, gop: gop, plan: .init(targetSegmentSeconds: segmentSeconds, segments: entries)),
                isVariableFrameRate(sortedPts))
    }

    /// Variable when frame intervals differ by more than timestamp rounding explains
    /// (29.97 fps in milliseconds alternates 33 and 34 and is still constant).
    static func isVariableFrameRate(_ sortedPts: [Int64]) -> Bool {
        guard sortedPts.count > 2 else { return false }
        var deltas: [Int64] = []
        deltas.reserveCapacity(sortedPts.count - 1)
        for i in 1..<sortedPts.count { deltas.append(sortedPts[i] - sortedPts[i - 1]) }
        deltas.sort()
        let median = deltas[deltas.count / 2]
        return deltas.last! - deltas.first! > max(1, median / 100)
    }
}
