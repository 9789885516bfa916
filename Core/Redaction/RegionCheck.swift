import RedactVision

/// The redaction post-condition, read back from the plane after a style was applied: each
/// check returns how many masked pixels it looked at, or nil when the region does not hold
/// what the style makes. Independent of how the style was computed, so a bug in a style (or
/// a frame buffer it did not really write) is caught before the frame is encoded.
struct RegionCheck {
    let plane: PlaneView
    let mask: PlaneMask

    /// Pixelate: inside every cell, every masked pixel has one value.
    func cellsAreFlat(cells: [PlaneRect]) -> Int? {
        if mask.isWholeRect, plane.depth == 8 { return wholeCellsAreFlat(cells) }
        var counted = 0
        for c in cells {
            var first: Int?
            for y in c.y0..<c.y1 {
                for x in c.x0..<c.x1 where mask.contains(x, y) {
                    let v = plane[x, y]
                    if let first, first != v { return nil }
                    first = v
                    counted += 1
                }
            }
        }
        return counted
    }

    /// `cellsAreFlat` for a whole rectangle of 8-bit samples, read a row at a time.
    private func wholeCellsAreFlat(_ cells: [PlaneRect]) -> Int? {
        var counted = 0
        for c in cells where c.x1 > c.x0 && c.y1 > c.y0 {
            let first = plane.base[c.y0 * plane.stride + c.x0]
            for y in c.y0..<c.y1 {
                let row = UnsafeBufferPointer(start: plane.base + y * plane.stride + c.x0, count: c.x1 - c.x0)
                guard row.allSatisfy({ $0 == first }) else { return nil }
            }
            counted += (c.x1 - c.x0) * (c.y1 - c.y0)
        }
        return counted
    }

    /// Fill: every masked pixel is `value`.
    func allEqual(_ value: Int) -> Int? {
        everyMaskedPixel { x, y in plane[x, y] == value }
    }

    /// Blur: no two neighbouring masked pixels differ by more than `cutoff`, so no edge
    /// sharper than the blur leaves (an eye, a mouth's outline) survives.
    func stepsAtMost(_ cutoff: Int) -> Int? {
        let r = mask.rect
        return everyMaskedPixel { x, y in
            let v = plane[x, y]
            let right = x + 1 < r.x1 && mask.contains(x + 1, y) && abs(plane[x + 1, y] - v) > cutoff
            let below = y + 1 < r.y1 && mask.contains(x, y + 1) && abs(plane[x, y + 1] - v) > cutoff
            return !right && !below
        }
    }

    /// How many masked pixels there are, or nil as soon as `holds` fails for one.
    private func everyMaskedPixel(_ holds: (Int, Int) -> Bool) -> Int? {
        var counted = 0
        let r = mask.rect
        for y in r.y0..<r.y1 {
            for x in r.x0..<r.x1 where mask.contains(x, y) {
                guard holds(x, y) else { return nil }
                counted += 1
            }
        }
        return counted
    }
}
