import CFFmpeg

/// The `person` target for wide, static CCTV where faces are too small to detect: everything
/// that moves against the background is hidden.
///
/// Per segment, the background is the per-pixel median of luma frames sampled evenly across
/// it (at most 320 px wide), so it needs no warm-up and is the same whichever worker runs the
/// segment. A frame's moving regions are the pixels differing from it by more than
/// `threshold`, grown by a dilation, split into connected blobs, and boxed. Someone who
/// stands still for the whole segment is part of the background and is not found this way;
/// faces are still found by the face detector.
public struct MotionRegions: Sendable {
    public struct Options: Codable, Equatable, Sendable {
        /// Luma difference (0-255) that counts as change.
        public var threshold: Int = 24
        /// Blobs smaller than this share of the picture are ignored (noise, leaves).
        public var minAreaFraction: Double = 0.0005
        public var samples: Int = 15
        public init() {}
    }

    public let options: Options
    let width: Int
    let height: Int
    /// Source pixels per model pixel.
    let step: Int
    let background: [UInt8]

    /// Builds the background from small luma images (see `thumbnail`).
    public init(samples: [[UInt8]], width: Int, height: Int, step: Int, options: Options = Options()) {
        self.options = options
        self.width = width
        self.height = height
        self.step = step
        var bg = [UInt8](repeating: 0, count: width * height)
        if !samples.isEmpty {
            var column = [UInt8](repeating: 0, count: samples.count)
            for i in 0..<(width * height) {
                for (k, s) in samples.enumerated() { column[k] = s[i] }
                column.sort()
                bg[i] = column[column.count / 2]
            }
        }
        background = bg
    }

    /// Model-size geometry for a frame: the step keeps the model at most 320 px wide.
    public static func geometry(width: Int, height: Int) -> (width: Int, height: Int, step: Int) {
        let step = max(1, (width + 319) / 320)
        return (width / step, height / step, step)
    }

    /// The frame's luma, averaged down by `step`.
    public static func thumbnail(_ frame: VideoFrame) -> [UInt8] {
        PlaneView(frame: frame.frame, plane: 0, shiftX: 0, shiftY: 0).blockMeans8(step: geometry(width: frame.width, height: frame.height).step)
    }

    /// Boxes around what moves in `frame`, in source pixels.
    public func regions(in frame: VideoFrame) -> [Box] {
        let thumb = Self.thumbnail(frame)
        guard thumb.count == background.count else { return [] }
        var moving = [Bool](repeating: false, count: thumb.count)
        for i in thumb.indices where abs(Int(thumb[i]) - Int(background[i])) > options.threshold { moving[i] = true }
        moving = dilate(dilate(moving))
        return blobs(moving).map { b in
            Box(x0: Double(b.x0 * step), y0: Double(b.y0 * step), x1: Double((b.x1 + 1) * step), y1: Double((b.y1 + 1) * step))
        }
    }

    private func dilate(_ m: [Bool]) -> [Bool] {
        var out = m
        for y in 0..<height {
            for x in 0..<width where m[y * width + x] {
                for dy in -1...1 { for dx in -1...1 {
                    let nx = x + dx, ny = y + dy
                    if nx >= 0, ny >= 0, nx < width, ny < height { out[ny * width + nx] = true }
                } }
            }
        }
        return out
    }

    /// Bounding boxes of 4-connected blobs at least `minAreaFraction` of the picture.
    private func blobs(_ m: [Bool]) -> [(x0: Int, y0: Int, x1: Int, y1: Int)] {
        var seen = [Bool](repeating: false, count: m.count)
        var result: [(x0: Int, y0: Int, x1: Int, y1: Int)] = []
        let minArea = max(4, Int(options.minAreaFraction * Double(width * height)))
        var stack: [Int] = []
        for start in m.indices where m[start] && !seen[start] {
            var box = (x0: start % width, y0: start / width, x1: start % width, y1: start / width)
            var area = 0
            stack.append(start)
            seen[start] = true
            while let i = stack.popLast() {
                area += 1
                let x = i % width, y = i / width
                box = (min(box.x0, x), min(box.y0, y), max(box.x1, x), max(box.y1, y))
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] where nx >= 0 && ny >= 0 && nx < width && ny < height {
                    let j = ny * width + nx
                    if m[j] && !seen[j] { seen[j] = true; stack.append(j) }
                }
            }
            if area >= minArea { result.append(box) }
        }
        return result
    }
}
