/// A region the operator always wants hidden (a window, a screen, a doorway), in source
/// pixels, optionally only between two times. Applied exactly as drawn: no padding.
public struct PrivacyZone: Codable, Equatable, Sendable {
    /// Polygon corners (a rectangle is four), in source pixels.
    public var points: [Point]
    /// Seconds from the start of the stream's timestamps; nil means from the start / to the end.
    public var from: Double?
    public var until: Double?

    public struct Point: Codable, Equatable, Sendable {
        public var x: Double
        public var y: Double
    }

    public init(points: [Point], from: Double? = nil, until: Double? = nil) {
        self.points = points
        self.from = from
        self.until = until
    }

    /// Parses `x,y,w,h` (a rectangle) or `poly:x1,y1,x2,y2,x3,y3,...`, either optionally
    /// followed by `@FROM-UNTIL` in seconds (`@12.5-40`, `@-40`, `@12.5-`).
    public init(parsing text: String) throws(MediaError) {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var shape = parts.first ?? ""
        let isPolygon = shape.hasPrefix("poly:")
        if isPolygon { shape.removeFirst(5) }
        let numbers = shape.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !numbers.isEmpty, numbers.allSatisfy({ $0 != nil }) else {
            throw MediaError(path: text, reason: "a zone is x,y,w,h or poly:x1,y1,x2,y2,x3,y3,... with numbers")
        }
        let v = numbers.map { $0! }
        if isPolygon {
            guard v.count >= 6, v.count % 2 == 0 else { throw MediaError(path: text, reason: "a polygon zone needs at least three x,y corners") }
            points = stride(from: 0, to: v.count, by: 2).map { Point(x: v[$0], y: v[$0 + 1]) }
        } else {
            guard v.count == 4, v[2] > 0, v[3] > 0 else { throw MediaError(path: text, reason: "a rectangle zone is x,y,w,h with positive w and h") }
            points = [Point(x: v[0], y: v[1]), Point(x: v[0] + v[2], y: v[1]), Point(x: v[0] + v[2], y: v[1] + v[3]), Point(x: v[0], y: v[1] + v[3])]
        }
        from = nil
        until = nil
        if parts.count == 2 {
            let range = parts[1].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard range.count == 2 else { throw MediaError(path: text, reason: "a zone's time range is @FROM-UNTIL in seconds") }
            from = range[0].isEmpty ? nil : Double(range[0])
            until = range[1].isEmpty ? nil : Double(range[1])
            guard (range[0].isEmpty || from != nil), (range[1].isEmpty || until != nil) else {
                throw MediaError(path: text, reason: "a zone's time range is @FROM-UNTIL in seconds")
            }
        }
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
