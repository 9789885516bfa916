import RedactSupport

/// What can be asked to be hidden.
public enum TargetClass: String, Codable, Sendable, CaseIterable {
    case face
    case person
    /// Licence plates, found as text regions (see `TextRegionDetector`).
    case plate
    case zone
}

/// One thing found in one frame.
public struct Detection: Equatable, Sendable, Codable {
    public var target: TargetClass
    public var box: Box
    public var score: Double
    /// Presentation timestamp of the frame, in the video stream's time base.
    public var pts: Int64

    public init(target: TargetClass, box: Box, score: Double, pts: Int64) {
        self.target = target
        self.box = box
        self.score = score
        self.pts = pts
    }
}

/// Anything that finds targets in a decoded frame. One instance per thread.
public protocol FrameDetector {
    func detect(_ frame: VideoFrame) throws(MediaError) -> [Detection]
    /// Full frame at `scale` times the source size, where the detector has such a knob.
    func detect(_ frame: VideoFrame, scale: Double) throws(MediaError) -> [Detection]
    /// Looks only inside `region`, magnified; detectors that cannot return [].
    func detect(_ frame: VideoFrame, in region: Box, magnification: Double) throws(MediaError) -> [Detection]
    /// Licence plates in the whole frame; detectors without a plate model throw, so a job
    /// that asked for plates fails rather than passing them through.
    func detectPlates(_ frame: VideoFrame) throws(MediaError) -> [Detection]
}

extension FrameDetector {
    public func detect(_ frame: VideoFrame, scale: Double) throws(MediaError) -> [Detection] { try detect(frame) }

    public func detect(_ frame: VideoFrame, in region: Box, magnification: Double) throws(MediaError) -> [Detection] { [] }

    public func detectPlates(_ frame: VideoFrame) throws(MediaError) -> [Detection] {
        throw MediaError(path: "", reason: "licence plates were asked for, but this worker has no licence-plate model (run ops/setup.sh)")
    }
}
