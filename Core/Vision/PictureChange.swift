/// Whether a picture has changed since an earlier one anywhere a face could have come into
/// view: the question a full-frame detection pass on a static CCTV scene need not be asked
/// again when the answer is no.
///
/// Both pictures are reduced to the means of 4x4 luma blocks (so sensor noise averages out
/// while a face's features, a few such blocks each, do not), and compared 8x8 pixels at a time
/// (the mean absolute difference of the four means in each). A face of 16 px covers at least
/// one such cell whole. A cell counts as changed when it differs by more than `cellLimit` and
/// by more than `noiseFactor` times the picture's median cell (the noise and compression
/// flicker every cell shares); where some cell differs by more than `cellLimit`, a median
/// above `globalLimit` (the light changed, the camera moved) counts as a change everywhere.
public struct PictureChange: Sendable {
    /// 4x4 block means of the luma plane on an 8-bit scale, row by row.
    public let means: [UInt8]
    public let columns: Int
    public let rows: Int

    /// Mean absolute difference, 0-255, of a cell's 4x4 means. On the noisiest static scene
    /// measured (`Benchmarks/SegmentCopy`'s CCTV clip: bars with heavy sensor noise at 16
    /// Mbit/s) noise alone reached 5.5 between passes, with a median of 1-1.25; a 16 px face
    /// 25 levels off its background gives 25.
    public static let cellLimit = 8.0
    public static let noiseFactor = 3.0
    public static let globalLimit = 4.0

    public init(_ frame: VideoFrame) {
        let plane = PlaneView(frame: frame.frame, plane: 0, shiftX: 0, shiftY: 0)
        columns = plane.width / 4
        rows = plane.height / 4
        means = plane.blockMeans8(step: 4)
    }

    /// Whether anything in this picture differs from `earlier` as a face coming into view
    /// would; a picture of another size always has.
    public func differs(from earlier: PictureChange) -> Bool {
        guard earlier.columns == columns, earlier.rows == rows, columns >= 2, rows >= 2 else { return true }
        let cellColumns = columns / 2, cellRows = rows / 2
        var cells = [Double](repeating: 0, count: cellColumns * cellRows)
        for cy in 0..<cellRows {
            for cx in 0..<cellColumns {
                var sum = 0
                for y in (cy * 2)..<(cy * 2 + 2) {
                    for x in (cx * 2)..<(cx * 2 + 2) {
                        let i = y * columns + x
                        sum += abs(Int(means[i]) - Int(earlier.means[i]))
                    }
                }
                cells[cy * cellColumns + cx] = Double(sum) / 4
            }
        }
        let largest = cells.max() ?? 0
        guard largest > Self.cellLimit else { return false }
        var sorted = cells
        sorted.sort()
        let median = sorted[sorted.count / 2]
        return median > Self.globalLimit || largest > Self.noiseFactor * median
    }
}
