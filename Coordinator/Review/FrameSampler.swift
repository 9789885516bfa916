import Foundation
import RedactCore

/// Pictures of chosen frames of a file, in one decoding pass: whole frames scaled to a width
/// (the contact sheet, the zones' still) and crops around boxes (a track's faces, before and
/// after redaction). Frames are counted in presentation order from 0, which is how the
/// detections sidecar's frames line up with both the source and the output.
enum FrameSampler {
    struct Request: Hashable, Sendable {
        var frame: Int
        /// In coded pixels; nil for the whole frame.
        var box: Box?
        /// The picture's height for a crop, its width for a whole frame.
        var size: Int
    }

    /// How far a crop reaches past its box on every side, as a share of the box.
    static let cropMargin = 0.25

    /// `stream`: the file's video stream to sample (its index); nil: its only one.
    static func sample(path: String, stream: Int? = nil, _ requests: [Request]) throws(MediaError) -> [Request: RGBImage] {
        let byFrame = Dictionary(grouping: requests, by: \.frame)
        guard let last = byFrame.keys.max() else { return [:] }
        var pictures: [Request: RGBImage] = [:]
        let converter = RGBConverter()
        var index = 0
        try VideoFileDecoder.forEachFrame(path: path, stream: stream) { (frame) throws(MediaError) in
            defer { index += 1 }
            guard index <= last, let wanted = byFrame[index] else { return }
            let f = VideoFrame(frame)
            for request in wanted {
                let crop = request.box.map { Self.crop(around: $0, width: f.width, height: f.height) }
                let (w, h): (Int, Int)
                if let crop {
                    h = request.size
                    w = max(2, min(request.size * 3, Int((Double(crop.width) * Double(h) / Double(crop.height)).rounded()) & ~1))
                } else {
                    w = request.size
                    h = max(2, Int((Double(f.height) * Double(w) / Double(f.width)).rounded()) & ~1)
                }
                try converter.convert(f, crop: crop, toWidth: w, height: h)
                pictures[request] = RGBImage(width: converter.width, height: converter.height, pixels: converter.pixels)
            }
        }
        return pictures
    }

    /// The box grown by the margin, inside the picture, on even pixels (so every chroma
    /// plane can be offset to it).
    static func crop(around box: Box, width: Int, height: Int) -> RGBConverter.Crop {
        let mx = (box.x1 - box.x0) * cropMargin, my = (box.y1 - box.y0) * cropMargin
        var x0 = Int(max(0, (box.x0 - mx).rounded(.down))) & ~1
        var y0 = Int(max(0, (box.y0 - my).rounded(.down))) & ~1
        let x1 = min(width, Int((box.x1 + mx).rounded(.up))), y1 = min(height, Int((box.y1 + my).rounded(.up)))
        x0 = min(x0, max(0, (width - 2) & ~1))
        y0 = min(y0, max(0, (height - 2) & ~1))
        let w = max(2, (x1 - x0) & ~1), h = max(2, (y1 - y0) & ~1)
        return RGBConverter.Crop(x: x0, y: y0, width: min(w, width - x0), height: min(h, height - y0))
    }
}
