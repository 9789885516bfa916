import RedactSupport

/// An axis-aligned rectangle in source pixels: x0,y0 inclusive corner, x1,y1 exclusive.
public struct Box: Equatable, Hashable, Sendable, Codable {
    public var x0: Double
    public var y0: Double
    public var x1: Double
    public var y1: Double

    public init(x0: Double, y0: Double, x1: Double, y1: Double) {
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }

    public var width: Double { max(0, x1 - x0) }
    public var height: Double { max(0, y1 - y0) }
    public var area: Double { width * height }
    public var centerX: Double { (x0 + x1) / 2 }
    public var centerY: Double { (y0 + y1) / 2 }

    public func intersectionArea(_ other: Box) -> Double {
        max(0, min(x1, other.x1) - max(x0, other.x0)) * max(0, min(y1, other.y1) - max(y0, other.y0))
    }

    public func intersectionOverUnion(_ other: Box) -> Double {
        let inter = intersectionArea(other)
        let union = area + other.area - inter
        return union > 0 ? inter / union : 0
    }

    /// The side of a square of the same area: how far counts as "near" for this box. A wide
    /// box (a plate) would reach far sideways if measured by its longer side.
    public var extent: Double { (max(width, 0) * max(height, 0)).squareRoot() }

    /// Whether the two could be one thing seen twice: heights within 2x of each other.
    public func hasSimilarHeight(to other: Box) -> Bool {
        let ratio = max(height, 1) / max(other.height, 1)
        return ratio <= 2 && ratio >= 0.5
    }

    /// How far apart the centres are, in extents of the larger box.
    public func centreDistance(to other: Box) -> Double {
        let dx = centerX - other.centerX, dy = centerY - other.centerY
        return (dx * dx + dy * dy).squareRoot() / max(extent, other.extent, 1)
    }

    /// Grown about its centre by `factor` in each dimension.
    public func scaled(by factor: Double) -> Box {
        let hw = width * factor / 2, hh = height * factor / 2
        return Box(x0: centerX - hw, y0: centerY - hh, x1: centerX + hw, y1: centerY + hh)
    }

    /// Each corner to `places` decimal places (for records, not for redaction).
    public func rounded(toPlaces places: Int) -> Box {
        Box(x0: x0.rounded(toPlaces: places), y0: y0.rounded(toPlaces: places),
            x1: x1.rounded(toPlaces: places), y1: y1.rounded(toPlaces: places))
    }

    public func clamped(width w: Double, height h: Double) -> Box {
        Box(x0: min(max(x0, 0), w), y0: min(max(y0, 0), h), x1: min(max(x1, 0), w), y1: min(max(y1, 0), h))
    }

    /// `x,y,w,h` as a zone is written, for messages.
    public var describe: String {
        // Formatted, never converted to Int: a huge coordinate (a zone typed with too many
        // digits) must not trap.
        [x0, y0, width, height].map { $0 == $0.rounded() ? String(format: "%.0f", $0) : String(format: "%.1f", $0) }.joined(separator: ",")
    }

    /// Linear interpolation: t = 0 gives self, 1 gives `other`.
    public func interpolated(to other: Box, _ t: Double) -> Box {
        Box(x0: x0 + (other.x0 - x0) * t, y0: y0 + (other.y0 - y0) * t,
            x1: x1 + (other.x1 - x1) * t, y1: y1 + (other.y1 - y1) * t)
    }
}
