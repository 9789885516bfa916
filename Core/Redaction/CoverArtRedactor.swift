import Foundation
import RedactMedia
import RedactSupport
import RedactVision

/// Cover art (an attached picture) redacted like a video frame: the job's face and plate
/// detectors look at it at the job's threshold, at its own size and at twice it (cover
/// pictures are small and faces in them smaller), and what they find is hidden with the
/// job's look; the picture is written back in its own codec. People are found in video by
/// motion, which a still does not have; zones are drawn on the video, not on its cover.
/// Runs where the file is stitched, which holds the models (like the leak audit).
public enum CoverArtRedactor {
    public typealias Runner = @Sendable (_ input: String, _ stream: Int, _ job: RedactionJob) throws(MediaError) -> RedactedPicture

    /// The job's targets a still picture is examined for.
    public static func targets(of job: RedactionJob) -> [TargetClass] {
        [.face, .plate].filter(job.targets.contains)
    }

    public static func runner(models: ModelSet) -> Runner {
        { (input: String, stream: Int, job: RedactionJob) throws(MediaError) -> RedactedPicture in
            let faces = try job.targets.contains(.face) ? { () throws(MediaError) -> CenterFaceDetector in
                let m = try models.require(.face, for: "redacting cover art")
                return try CenterFaceDetector(model: CenterFaceModel(path: m.path, bytes: m.bytes),
                                              options: .init(threshold: job.detector.threshold, inferenceScale: 1))
            }() : nil
            let plates = try job.targets.contains(.plate) ? { () throws(MediaError) -> TextRegionDetector in
                let m = try models.require(.text, for: "redacting licence plates in cover art")
                return try TextRegionDetector(model: m.bytes, path: m.path)
            }() : nil
            do throws(MediaError) {
                return try redact(input: input, stream: stream, job: job, faces: faces, plates: plates)
            } catch {
                throw error.path.isEmpty || error.path.hasPrefix("cover art") ? MediaError(path: input, reason: "\(error.path): \(error.reason)") : error
            }
        }
    }

    /// Scales the picture is looked at, as multiples of its size; the larger only for
    /// pictures small enough that it costs little.
    static func scales(width: Int, height: Int) -> [Double] {
        max(width, height) <= 1920 ? [1, 2] : [1]
    }

    public static func redact(input: String, stream index: Int, job: RedactionJob, faces: (any FaceFinder)?,
                              plates: TextRegionDetector?) throws(MediaError) -> RedactedPicture {
        let media = try MediaInput(path: input)
        guard let packet = media.attachedPicture(stream: index) else {
            throw MediaError(path: input, reason: "stream \(index) holds no attached picture")
        }
        let picture = try StillPicture(packet: packet, stream: index, of: media, acceptDamage: job.acceptsDamage)
        let view = VideoFrame(picture.frame)
        var found: [Detection] = []
        if let faces {
            for scale in scales(width: picture.width, height: picture.height) { found += try faces.detect(view, scale: scale) }
        }
        if let plates { found += try plates.detect(view) }
        // The same face found at both scales is one region.
        var boxes: [Box] = []
        for d in found.sorted(by: { $0.score > $1.score })
        where d.box.clamped(width: Double(picture.width), height: Double(picture.height)).area > 0 && !boxes.contains(where: { $0.intersectionOverUnion(d.box) > 0.5 }) {
            boxes.append(d.box)
        }
        let hidden = try FrameRedactor(look: job.look).redact(boxes, in: view)
        let kept = zip(boxes, hidden.boxes).filter(\.1).map(\.0)
        // A damaged picture's bytes may show more to another decoder than this one examined.
        let data = boxes.isEmpty && !picture.isDamaged ? packet : try picture.encoded()
        let record = PictureRedaction(sourcePayloadSHA256: SHA256Hex.of(packet),
                                      hidden: kept.map { [$0.x0, $0.y0, $0.x1, $0.y1].map { ($0 * 10).rounded() / 10 } },
                                      examinedFor: targets(of: job).map(\.rawValue), width: picture.width, height: picture.height,
                                      damaged: picture.isDamaged)
        return RedactedPicture(data: data, record: record)
    }
}
