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

/// What finds faces in a decoded frame (CenterFace here; a fake in tests). One instance per
/// thread. `FaceTargetDetector` decides when and where to ask it.
public protocol FaceFinder {
    func detect(_ frame: VideoFrame) throws(MediaError) -> [Detection]
    /// Full frame at `scale` times the source size, where the finder has such a knob.
    func detect(_ frame: VideoFrame, scale: Double) throws(MediaError) -> [Detection]
    /// Looks only inside `region`, magnified; finders that cannot return [].
    func detect(_ frame: VideoFrame, in region: Box, magnification: Double) throws(MediaError) -> [Detection]
}

extension FaceFinder {
    public func detect(_ frame: VideoFrame, scale: Double) throws(MediaError) -> [Detection] { try detect(frame) }

    public func detect(_ frame: VideoFrame, in region: Box, magnification: Double) throws(MediaError) -> [Detection] { [] }
}
