import RedactSupport

/// `plan.json`: what split made, and what stitch checks before trusting a byte. Every segment
/// is pinned by SHA-256 and by the frames it owns (count and presentation range), so a
/// segment that was altered, swapped or truncated is refused rather than stitched.
public struct SegmentPlan: Codable, Equatable, Sendable {
    public static let formatVersion = 1
    public static let fileName = "plan.json"

    public var formatVersion: Int
    public var software: String
    public var input: InputRecord
    /// The first video stream (the only one in most files).
    public var video: VideoRecord
    /// The file's further video streams (an NVR export's other cameras), each segmented on
    /// its own like the first; absent when there is one.
    public var otherVideo: [VideoRecord]?
    public var targetSegmentSeconds: Double
    /// Frames of every video stream.
    public var frameCount: Int
    /// The first video stream's segments in order, then each further stream's: indices run
    /// across them all, so a file's segments are one list wherever they are counted.
    public var segments: [SegmentRecord]

    public struct InputRecord: Codable, Equatable, Sendable {
        /// Absolute path of the source at split time; stitch reads its other streams.
        public var path: String
        public var sha256: String
        public var sizeBytes: Int64
        /// libavformat demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2".
        public var container: String
        /// The muxer that writes the same container type.
        public var muxer: String
    }

    public struct VideoRecord: Codable, Equatable, Sendable {
        public var streamIndex: Int
        public var codec: String
        public var width: Int
        public var height: Int
        public var pixelFormat: String
        public var timeBase: Rational
        public var colorRange: String
        public var colorPrimaries: String
        public var colorTransfer: String
        public var colorSpace: String
        public var rotationDegrees: Double?
        public var averageFrameRate: Rational?
        /// Set when the header says the rate is constant (`StreamReport.constantFrameRate`):
        /// the re-encoded stream's timing information then states it (absent in plans made
        /// before it was recorded: variable).
        public var constantFrameRate: Rational?
        /// Whether segments with nothing to hide can be copied from the source (absent in
        /// plans made before copying existed, or before the first keyframe was read: no).
        public var copying: SegmentCopying?
        /// Frames of a damaged stream whose place or time `PresentationOrder`'s damage rules
        /// decided (`--accept-damage`); absent when none.
        public var retimedFrames: Int?
    }

    public struct SegmentRecord: Codable, Equatable, Sendable {
        public var index: Int
        public var file: String
        public var sha256: String
        public var byteSize: Int
        public var packetCount: Int
        /// Leading packets that are decoded for reference only, never output.
        public var decodePrefixPackets: Int
        public var frameCount: Int
        /// First and last presentation timestamps the segment owns, inclusive, in `timeBase`.
        public var ptsFirst: Int64
        public var ptsLast: Int64
        public var timeBase: Rational
        public var startSeconds: Double
        /// How the segment's first GOP starts; nil for a stream that begins without one.
        public var keyframe: KeyframeKind?
        /// Set once the segment has been processed: stitch uses this file instead.
        public var output: OutputRecord?
        /// The source stream the segment is cut from, when it is not the first video stream
        /// (`SegmentPlan.otherVideo`).
        public var stream: Int?

        /// The output of a segment with nothing to hide: the segment itself, copied.
        public var copiedOutput: OutputRecord {
            OutputRecord(file: file, sha256: sha256, byteSize: byteSize, frameCount: frameCount, copied: true)
        }
    }

    public struct OutputRecord: Codable, Equatable, Sendable {
        public var file: String
        public var sha256: String
        public var byteSize: Int
        public var frameCount: Int
        /// Nothing in the segment was to be hidden and it is copied from the source: `file`
        /// and `sha256` are then the source segment's (absent: re-encoded).
        public var copied: Bool?

        public var isCopy: Bool { copied == true }

        public init(file: String, sha256: String, byteSize: Int, frameCount: Int, copied: Bool = false) {
            self.copied = copied ? true : nil
            self.file = file
            self.sha256 = sha256
            self.byteSize = byteSize
            self.frameCount = frameCount
        }
    }
}

extension SegmentPlan {
    /// The video's first presentation timestamp: where the first segment's frames begin.
    public var firstFramePts: Int64 { segments.first?.ptsFirst ?? 0 }

    /// Every video stream, the first first.
    public var videoStreams: [VideoRecord] { [video] + (otherVideo ?? []) }

    /// The video stream `segment` is cut from; an error for a stream the plan does not
    /// describe (never another stream's settings in its place).
    public func video(of segment: SegmentRecord) throws(MediaError) -> VideoRecord {
        guard let stream = segment.stream, stream != video.streamIndex else { return video }
        guard let record = otherVideo?.first(where: { $0.streamIndex == stream }) else {
            throw MediaError(path: input.path, reason: "segment \(segment.index) is of video stream \(stream), which the plan does not describe")
        }
        return record
    }

    /// Puts `record` in place of the one for the same stream.
    public mutating func replaceVideo(_ record: VideoRecord) {
        if record.streamIndex == video.streamIndex {
            video = record
        } else if let i = otherVideo?.firstIndex(where: { $0.streamIndex == record.streamIndex }) {
            otherVideo![i] = record
        }
    }

    /// How a viewer sees the stream `segment` is cut from: its clock from that stream's
    /// first frame, its picture turned as its display matrix says.
    public func view(of segment: SegmentRecord) throws(MediaError) -> SourceView {
        let video = try video(of: segment)
        let tag = segmentStream(video.streamIndex)
        let first = segments.first { $0.stream == tag }?.ptsFirst ?? 0
        return SourceView(firstFramePts: first, displayRotationDegrees: video.rotationDegrees)
    }

    /// What the segments of video stream `stream` record as theirs (`SegmentRecord.stream`,
    /// and the manifest's): nothing for the first.
    public func segmentStream(_ stream: Int) -> Int? { stream == video.streamIndex ? nil : stream }

    /// The positions in `segments` of one video stream's segments, in order.
    public func segmentPositions(ofStream stream: Int) -> [Int] {
        let tag = segmentStream(stream)
        return segments.indices.filter { segments[$0].stream == tag }
    }
}

public enum RedactFarmVersion {
    public static let current = "0.1.0"
}
