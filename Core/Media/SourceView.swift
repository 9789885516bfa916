/// How a viewer sees a source's video: its clock starting at the first frame, its picture
/// turned as the display matrix says (a phone held upright records landscape pixels and a
/// matrix that turns them). Operators give zones in this view, as a player shows the footage;
/// frames are redacted in coded pixels and stream timestamps, so zones are mapped here.
public struct SourceView: Codable, Equatable, Sendable {
    /// The first (lowest) presentation timestamp of the video stream, in its time base: 0 s
    /// for a zone's time range.
    public var firstFramePts: Int64
    /// Clockwise quarter turns a player applies to the coded picture: 0, 90, 180 or 270.
    public var clockwiseRotation: Int

    public init(firstFramePts: Int64 = 0, clockwiseRotation: Int = 0) {
        self.firstFramePts = firstFramePts
        self.clockwiseRotation = clockwiseRotation
    }

    /// From FFmpeg's display rotation (degrees counter-clockwise, as `av_display_rotation_get`
    /// gives it; nil without a matrix), to the nearest quarter turn as players apply it.
    public init(firstFramePts: Int64, displayRotationDegrees: Double?) {
        let clockwise = -(displayRotationDegrees ?? 0)
        let quarters = Int((clockwise / 90).rounded())
        self.init(firstFramePts: firstFramePts, clockwiseRotation: ((quarters % 4) + 4) % 4 * 90)
    }

    /// Seconds from the first frame of a frame at `pts` (in `timeBase`): a zone's clock, and
    /// where a person finds the frame in a player.
    public func seconds(at pts: Int64, timeBase: Rational) -> Double {
        Double(pts - firstFramePts) * timeBase.doubleValue
    }

    /// The picture's size as shown, for a coded `width` x `height`.
    public func shownSize(codedWidth width: Int, codedHeight height: Int) -> (width: Int, height: Int) {
        clockwiseRotation % 180 == 0 ? (width, height) : (height, width)
    }

    /// A point of the coded picture where the player shows it (the inverse of `coded`).
    public func shown(x: Double, y: Double, codedWidth width: Int, codedHeight height: Int) -> (x: Double, y: Double) {
        let w = Double(width), h = Double(height)
        switch clockwiseRotation {
        case 90: return (h - y, x)
        case 180: return (w - x, h - y)
        case 270: return (y, w - x)
        default: return (x, y)
        }
    }

    /// A point of the shown picture in coded pixels.
    public func coded(x u: Double, y v: Double, codedWidth width: Int, codedHeight height: Int) -> (x: Double, y: Double) {
        let w = Double(width), h = Double(height)
        switch clockwiseRotation {
        case 90: return (v, h - u)
        case 180: return (w - u, h - v)
        case 270: return (w - v, u)
        default: return (u, v)
        }
    }
}
