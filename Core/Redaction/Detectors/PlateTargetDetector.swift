import RedactSupport
import RedactVision

/// Licence plates, as text regions, looked for at the face cadence; the tracker carries them
/// between examined frames.
public final class PlateTargetDetector: TargetDetector {
    public let target = TargetClass.plate
    private let text: TextRegionDetector

    public init(text: TextRegionDetector) {
        self.text = text
    }

    public static let registration = DetectorRegistration(target: .plate, models: [.text]) { (job, models) throws(MediaError) in
        let model = try models.require(.text, for: "hiding licence plates")
        return PlateTargetDetector(text: try TextRegionDetector(model: model.bytes, path: model.path, precision: job.detector.effectivePrecision))
    }

    public func examine(_ frame: VideoFrame, _ visit: FrameVisit) throws(MediaError) -> [Detection] {
        visit.isCadenceFrame ? try text.detect(frame) : []
    }
}
