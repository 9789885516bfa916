import CFFmpeg

/// One plane of a frame, addressed in that plane's own (possibly subsampled) pixels, with
/// samples of 8 bits or, for high-bit-depth formats, of 9 to 16 bits in native-endian 16-bit
/// words. Values are the sample's own scale: 0...255 at 8 bits, 0...1023 at 10.
package struct PlaneView {
    package let base: UnsafeMutablePointer<UInt8>
    package let stride: Int
    package let width: Int
    package let height: Int
    package let shiftX: Int
    package let shiftY: Int
    /// Bits per sample: 8 to 16.
    package let depth: Int
    package var maxValue: Int { (1 << depth) - 1 }
    private let wide: Bool

    package init(frame: UnsafeMutablePointer<AVFrame>, plane: Int, shiftX: Int, shiftY: Int) {
        let data = withUnsafePointer(to: frame.pointee.data) { $0.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { $0[plane]! } }
        let linesize = withUnsafePointer(to: frame.pointee.linesize) { $0.withMemoryRebound(to: Int32.self, capacity: 8) { $0[plane] } }
        base = data
        stride = Int(linesize)
        self.shiftX = shiftX
        self.shiftY = shiftY
        width = (Int(frame.pointee.width) + (1 << shiftX) - 1) >> shiftX
        height = (Int(frame.pointee.height) + (1 << shiftY) - 1) >> shiftY
        let depth = av_pix_fmt_desc_get(AVPixelFormat(rawValue: frame.pointee.format)).map { Int($0.pointee.comp.0.depth) } ?? 8
        self.depth = depth
        wide = depth > 8
    }

    package subscript(x: Int, y: Int) -> Int {
        get {
            wide ? Int((base + y * stride).withMemoryRebound(to: UInt16.self, capacity: x + 1) { $0[x] }) : Int(base[y * stride + x])
        }
        nonmutating set {
            let v = min(max(newValue, 0), maxValue)
            if wide {
                (base + y * stride).withMemoryRebound(to: UInt16.self, capacity: x + 1) { $0[x] = UInt16(v) }
            } else {
                base[y * stride + x] = UInt8(v)
            }
        }
    }

    /// The sample at (x, y) on an 8-bit scale, for code that looks rather than edits.
    package func sample8(_ x: Int, _ y: Int) -> Int { self[x, y] >> (depth - 8) }

    /// The plane averaged over `step` x `step` blocks on an 8-bit scale, row by row:
    /// `width / step` columns and `height / step` rows (a partial block at an edge is left out).
    package func blockMeans8(step: Int) -> [UInt8] {
        let columns = width / step, rows = height / step, area = step * step
        var out = [UInt8](repeating: 0, count: columns * rows)
        for y in 0..<rows {
            for x in 0..<columns {
                var sum = 0
                for dy in 0..<step { for dx in 0..<step { sum += sample8(x * step + dx, y * step + dy) } }
                out[y * columns + x] = UInt8(sum / area)
            }
        }
        return out
    }

    /// The region in this plane's pixels, rounded outwards so subsampled planes cover at
    /// least what the luma plane covers.
    package func rect(_ b: Box) -> PlaneRect {
        let sx = Double(1 << shiftX), sy = Double(1 << shiftY)
        return PlaneRect(x0: max(0, Int((b.x0 / sx).rounded(.down))), y0: max(0, Int((b.y0 / sy).rounded(.down))),
                         x1: min(width, Int((b.x1 / sx).rounded(.up))), y1: min(height, Int((b.y1 / sy).rounded(.up))))
    }
}

package struct PlaneRect {
    package var x0: Int, y0: Int, x1: Int, y1: Int

    package init(x0: Int, y0: Int, x1: Int, y1: Int) {
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }
}
