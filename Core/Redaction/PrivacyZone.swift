import Foundation
import RedactMedia
import RedactSupport
import RedactVision

/// A region the operator always wants hidden (a window, a screen, a doorway), drawn on the
/// picture as a player shows it (after the display matrix turns it), in pixels or percent of
/// its size, optionally only between two times measured from the first frame. Applied
/// exactly as drawn: no padding. `inCodedPixels` maps it to where frames are redacted.
public struct PrivacyZone: Codable, Equatable, Sendable {
    /// Polygon corners (a rectangle is four), in the shown picture's pixels, or percent of its
    /// width and height when `percent` is set.
    public var points: [Point]
    /// Seconds from the video's first frame; nil means from the start / to the end.
    public var from: Double?
    public var until: Double?
    /// Corners in percent of the shown picture (nil: pixels).
    public var percent: Bool?

    public struct Point: Codable, Equatable, Sendable {
        public var x: Double
        public var y: Double
    }

    public init(points: [Point], from: Double? = nil, until: Double? = nil, percent: Bool = false) {
        self.points = points
        self.from = from
        self.until = until
        self.percent = percent ? true : nil
    }

    public var isInPercent: Bool { percent == true }

    /// Parses `x,y,w,h` (a rectangle) or `poly:x1,y1,x2,y2,x3,y3,...`, in pixels or with every
    /// number in percent (`10%,5%,20%,30%`), either optionally followed by `@FROM-UNTIL`, each
    /// in seconds or as [HH:]MM:SS[.mmm] (`@12.5-40`, `@-40`, `@12.5-`, `@01:02.5-1:00:00`).
    public init(parsing text: String) throws(OptionError) {
        func refuse(_ accepted: String) -> OptionError { OptionError("--zone", text, accepts: accepted) }
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var shape = parts.first ?? ""
        let isPolygon = shape.hasPrefix("poly:")
        if isPolygon { shape.removeFirst(5) }
        let fields = shape.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let inPercent = fields.contains { $0.hasSuffix("%") }
        guard !inPercent || fields.allSatisfy({ $0.hasSuffix("%") }) else {
            throw refuse("a zone is in pixels or in percent throughout: every number ends in % or none does")
        }
        let numbers = fields.map { Double(inPercent ? String($0.dropLast()) : $0) }
        guard !numbers.isEmpty, numbers.allSatisfy({ $0?.isFinite == true }) else {
            throw refuse("a zone is x,y,w,h or poly:x1,y1,x2,y2,x3,y3,... with numbers")
        }
        let v = numbers.map { $0! }
        if isPolygon {
            guard v.count >= 6, v.count % 2 == 0 else { throw refuse("a polygon zone needs at least three x,y corners") }
            points = stride(from: 0, to: v.count, by: 2).map { Point(x: v[$0], y: v[$0 + 1]) }
        } else {
            guard v.count == 4, v[2] > 0, v[3] > 0 else { throw refuse("a rectangle zone is x,y,w,h with positive w and h") }
            points = [Point(x: v[0], y: v[1]), Point(x: v[0] + v[2], y: v[1]), Point(x: v[0] + v[2], y: v[1] + v[3]), Point(x: v[0], y: v[1] + v[3])]
        }
        from = nil
        until = nil
        percent = inPercent ? true : nil
        if parts.count == 2 {
            let accepted = "a zone's time range is @FROM-UNTIL, each in seconds or [HH:]MM:SS[.mmm] from the first frame"
            let range = parts[1].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard range.count == 2 else { throw refuse(accepted) }
            from = range[0].isEmpty ? nil : ClockTime.seconds(range[0])
            until = range[1].isEmpty ? nil : ClockTime.seconds(range[1])
            guard (range[0].isEmpty || from != nil), (range[1].isEmpty || until != nil) else { throw refuse(accepted) }
        }
        try validate(number: nil, text: text)
    }

    /// The zone in pixels of a picture shown `width` x `height` (percent resolved).
    public func inShownPixels(width: Int, height: Int) -> PrivacyZone {
        guard isInPercent else { return self }
        let sx = Double(width) / 100, sy = Double(height) / 100
        return PrivacyZone(points: points.map { Point(x: $0.x * sx, y: $0.y * sy) }, from: from, until: until)
    }

    /// The zone in coded pixels of a `codedWidth` x `codedHeight` picture that `view` shows
    /// turned: percent resolved against the shown size, corners turned back.
    public func inCodedPixels(_ view: SourceView, codedWidth: Int, codedHeight: Int) -> PrivacyZone {
        let shown = view.shownSize(codedWidth: codedWidth, codedHeight: codedHeight)
        var zone = inShownPixels(width: shown.width, height: shown.height)
        zone.points = zone.points.map { p in
            let c = view.coded(x: p.x, y: p.y, codedWidth: codedWidth, codedHeight: codedHeight)
            return Point(x: c.x, y: c.y)
        }
        return zone
    }

    /// Far beyond any picture (16K is 15360 wide), and far inside what arithmetic on pixel
    /// coordinates can take.
    public static let maxCoordinate = 1_000_000.0

    /// The zone's own sense, before any file is looked at: a polygon with area, times that
    /// are not negative and do not run backwards.
    public func validate(number: Int?, text: String? = nil) throws(OptionError) {
        let shown = text ?? number.map { "#\($0)" } ?? ""
        func refuse(_ accepted: String) -> OptionError { OptionError("--zone", shown, accepts: accepted) }
        guard points.count >= 3, points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
            throw refuse("a zone needs at least three finite corners")
        }
        guard points.allSatisfy({ abs($0.x) <= Self.maxCoordinate && abs($0.y) <= Self.maxCoordinate }) else {
            throw refuse("corners must lie within ±\(Int(Self.maxCoordinate)) pixels")
        }
        let b = bounds
        guard b.width > 0, b.height > 0, abs(Self.area(points)) > 0 else { throw refuse("the zone has no area") }
        if let from, from < 0 { throw refuse("a zone cannot start before 0 s") }
        if let until, until <= 0 { throw refuse("a zone must end after 0 s") }
        if let from, let until, until <= from { throw refuse("the zone ends (\(until) s) before it starts (\(from) s)") }
    }

    /// What a zone does to a picture shown `width` x `height`: refused when it misses the
    /// picture (it would hide nothing while the record lists it), clipped when it reaches past
    /// an edge. Percent is resolved first.
    public enum Fit: Equatable, Sendable {
        case inside
        case clipped(Box)
    }

    public func fit(width: Int, height: Int, number: Int) throws(OptionError) -> Fit {
        let b = inShownPixels(width: width, height: height).bounds, w = Double(width), h = Double(height)
        let shown = "#\(number) (\(b.describe))"
        let clipped = b.clamped(width: w, height: h)
        guard clipped.width >= 1, clipped.height >= 1 else {
            throw OptionError("--zone", shown, accepts: "lies outside the \(width)x\(height) picture, so it would hide nothing")
        }
        return clipped == b ? .inside : .clipped(clipped)
    }

    /// What to tell the operator when zone `number` reaches past the picture's edge; nil when
    /// it lies inside (or misses the picture, which `fit` refuses).
    public func edgeNote(width: Int, height: Int, number: Int) -> String? {
        guard case .clipped(let box)? = try? fit(width: width, height: height, number: number) else { return nil }
        return "zone #\(number) (\(inShownPixels(width: width, height: height).bounds.describe)) reaches past the \(width)x\(height) picture; clipped to \(box.describe)"
    }

    /// Shoelace formula; zero for a degenerate polygon.
    static func area(_ p: [Point]) -> Double {
        var sum = 0.0
        for i in p.indices {
            let a = p[i], b = p[(i + 1) % p.count]
            sum += a.x * b.y - b.x * a.y
        }
        return sum / 2
    }

    public func isActive(atSeconds t: Double) -> Bool {
        (from.map { t >= $0 } ?? true) && (until.map { t < $0 } ?? true)
    }

    public var bounds: Box {
        Box(x0: points.map(\.x).min()!, y0: points.map(\.y).min()!, x1: points.map(\.x).max()!, y1: points.map(\.y).max()!)
    }

    /// Even-odd rule.
    public func contains(x: Double, y: Double) -> Bool {
        var inside = false
        var j = points.count - 1
        for i in points.indices {
            let a = points[i], b = points[j]
            if (a.y > y) != (b.y > y), x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
            j = i
        }
        return inside
    }
}
