import Foundation
import RedactMedia
import RedactSupport
import RedactVision

/// What each zone of a job will hide in one file, before any work: where it lands on the
/// picture as shown and in coded pixels, and which frames it is active in (its times count
/// from the first frame). `probe --zone` prints it, so an operator can check a zone before a
/// long run.
public struct ZonePreview: Codable, Equatable, Sendable {
    public var number: Int
    /// In the shown picture's pixels (percent resolved), clipped to it.
    public var shownBox: [Double]
    /// In coded pixels, where frames are redacted.
    public var codedBox: [Double]
    public var frames: Int
    /// Of the frames in presentation order, from 0; nil when the zone is active in none.
    public var firstFrame: Int?
    public var lastFrame: Int?
    /// Their times from the first frame.
    public var firstSeconds: Double?
    public var lastSeconds: Double?
    /// The video stream, in a file with several (absent when it has one).
    public var stream: Int?

    /// One preview per zone of `zones` and video stream (a zone applies to each), reading
    /// every video packet's timestamp (no decoding).
    public static func preview(_ zones: [PrivacyZone], path: String, frameRate: Rational? = nil) throws(MediaError) -> [ZonePreview] {
        guard !zones.isEmpty else { return [] }
        let opened = try MediaInput(path: path, frameRate: frameRate)
        let videos = try opened.videoStreams()
        var previews: [ZonePreview] = []
        for (n, video) in videos.enumerated() {
            // A pass over the file per video stream.
            let input = n == 0 ? opened : try MediaInput(path: path, frameRate: frameRate)
            previews += try preview(zones, video: video, of: input).map { preview in
                var preview = preview
                if videos.count > 1 { preview.stream = video }
                return preview
            }
        }
        return previews
    }

    private static func preview(_ zones: [PrivacyZone], video: Int, of input: MediaInput) throws(MediaError) -> [ZonePreview] {
        let st = input.stream(video)
        let report = StreamReport(st)
        let width = report.width ?? 0, height = report.height ?? 0
        input.selectStreams([video])
        var pts: [Int64] = []
        while let (_, packet) = try input.readPacket() {
            let t = packet.pts != EncodedPacket.noTimestamp ? packet.pts : packet.dts
            if t != EncodedPacket.noTimestamp { pts.append(t) }
        }
        pts.sort()
        let first = pts.first ?? 0, tb = report.timeBase.doubleValue
        let view = SourceView(firstFramePts: first, displayRotationDegrees: report.rotationDegrees)
        let shown = view.shownSize(codedWidth: width, codedHeight: height)
        let seconds = pts.map { Double($0 - first) * tb }
        return zones.enumerated().map { n, zone in
            let active = seconds.indices.filter { zone.isActive(atSeconds: seconds[$0]) }
            let shownBox = zone.inShownPixels(width: shown.width, height: shown.height).bounds
                .clamped(width: Double(shown.width), height: Double(shown.height))
            let codedBox = zone.inCodedPixels(view, codedWidth: width, codedHeight: height).bounds
                .clamped(width: Double(width), height: Double(height))
            return ZonePreview(number: n + 1, shownBox: [shownBox.x0, shownBox.y0, shownBox.width, shownBox.height],
                               codedBox: [codedBox.x0, codedBox.y0, codedBox.width, codedBox.height], frames: active.count,
                               firstFrame: active.first, lastFrame: active.last,
                               firstSeconds: active.first.map { seconds[$0] }, lastSeconds: active.last.map { seconds[$0] })
        }
    }
}
