import RedactSupport

/// Faces by one detector and, where the job asks for them, licence plates by another.
public struct JobDetectors: FrameDetector {
    public let faces: FrameDetector
    public let plates: TextRegionDetector?

    public init(faces: FrameDetector, plates: TextRegionDetector?) {
        self.faces = faces
        self.plates = plates
    }

    public func detect(_ frame: VideoFrame) throws(MediaError) -> [Detection] { try faces.detect(frame) }

    public func detect(_ frame: VideoFrame, scale: Double) throws(MediaError) -> [Detection] { try faces.detect(frame, scale: scale) }

    public func detect(_ frame: VideoFrame, in region: Box, magnification: Double) throws(MediaError) -> [Detection] {
        try faces.detect(frame, in: region, magnification: magnification)
    }

    public func detectPlates(_ frame: VideoFrame) throws(MediaError) -> [Detection] {
        guard let plates else { return try faces.detectPlates(frame) }
        return try plates.detect(frame)
    }
}
