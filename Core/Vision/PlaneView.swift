import CFFmpeg

/// One plane of a frame, addressed in that plane's own (possibly subsampled) pixels.
package struct PlaneView {
    package let base: UnsafeMutablePointer<UInt8>
    package let stride: Int
    package let width: Int
    package let height: Int
    package let shiftX: Int
    package let shiftY: Int

    package init(frame: UnsafeMutablePointer<AVFrame>, plane: Int, shiftX: Int, shiftY: Int) {
        let data = withUnsafePointer(to: frame.pointee.data) { $0.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { $0[plane]! } }
        let linesize = withUnsafePointer(to: frame.pointee.linesize) { $0.withMemoryRebound(to: Int32.self, capacity: 8) { $0[plane] } }
        base = data
        stride = Int(linesize)
        self.shiftX = shiftX
        self.shiftY = shiftY
        width = (Int(frame.pointee.width) + (1 << shiftX) - 1) >> shiftX
        height = (Int(frame.pointee.height) + (1 << shiftY) - 1) >> shiftY
    }

    package subscript(x: Int, y: Int) -> UInt8 {
        get { base[y * stride + x] }
        nonmutating set { base[y * stride + x] = newValue }
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
