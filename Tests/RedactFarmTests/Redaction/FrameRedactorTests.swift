import CFFmpeg
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

@Suite struct FrameRedactorTests {
    let box = Box(x0: 16, y0: 12, x1: 40, y1: 36)  // 24x24, padded 1.3x -> about 31x31

    func changedPixels(_ before: [UInt8], _ after: TestFrame) -> [(x: Int, y: Int)] {
        let w = Int(after.frame.pointee.width)
        return after.lumaPixels.enumerated().filter { before[$0.offset] != $0.element }.map { ($0.offset % w, $0.offset / w) }
    }

    @Test(arguments: RedactionStyle.allCases)
    func changesOnlyThePaddedBox(style: RedactionStyle) throws {
        let frame = TestFrame()
        let before = frame.lumaPixels
        try FrameRedactor(look: RedactionLook(style: style)).redact([box], in: frame.view)
        let changed = changedPixels(before, frame)
        let padded = box.scaled(by: 1.3)
        #expect(changed.count > 24 * 24 / 2)
        for p in changed {
            #expect(Double(p.x) >= padded.x0.rounded(.down) && Double(p.x) < padded.x1.rounded(.up)
                    && Double(p.y) >= padded.y0.rounded(.down) && Double(p.y) < padded.y1.rounded(.up), "pixel \(p) outside")
        }
    }

    @Test func pixelationLeavesAtMostEightCellsAcross() throws {
        let frame = TestFrame()
        try FrameRedactor(look: RedactionLook(style: .pixelate)).redact([box], in: frame.view)
        let padded = box.scaled(by: 1.3)
        // Along a row through the middle, values only change at cell edges.
        let y = Int(padded.centerY)
        var runs = 1
        for x in Int(padded.x0) + 1..<Int(padded.x1) where frame.luma(x, y) != frame.luma(x - 1, y) { runs += 1 }
        #expect(runs <= 8 + 1)  // eight cells, plus the edge into the untouched picture
    }

    /// A small face gets fewer, larger cells: never under five pixels.
    @Test func pixelationCellsAreAtLeastFivePixels() throws {
        let frame = TestFrame()
        let small = Box(x0: 20, y0: 20, x1: 32, y1: 36)  // a 16-px face, 21 px padded
        try FrameRedactor(look: RedactionLook(style: .pixelate)).redact([small], in: frame.view)
        let padded = small.scaled(by: 1.3)
        let y = Int(padded.centerY)
        var edges: [Int] = []
        for x in Int(padded.x0) + 1..<Int(padded.x1) where frame.luma(x, y) != frame.luma(x - 1, y) { edges.append(x) }
        #expect(!edges.isEmpty)
        for (a, b) in zip(edges, edges.dropFirst()) { #expect(b - a >= 5, "cell from \(a) to \(b)") }
    }

    @Test func fillIsBlackInLumaAndNeutralInChroma() throws {
        let frame = TestFrame()
        try FrameRedactor(look: RedactionLook(style: .fill)).redact([box], in: frame.view)
        #expect(frame.luma(28, 24) == 16)
        let u = TestFrame.plane(frame.frame, 1)
        #expect(u.base[12 * u.stride + 14] == 128)
    }

    @Test func ellipseLeavesTheCornersAlone() throws {
        let frame = TestFrame()
        let before = frame.lumaPixels
        try FrameRedactor(look: RedactionLook(style: .fill, shape: .ellipse)).redact([box], in: frame.view)
        let padded = box.scaled(by: 1.3)
        let corner = (Int(padded.x0) + 1, Int(padded.y0) + 1)
        #expect(frame.luma(corner.0, corner.1) == before[corner.1 * 64 + corner.0])
        #expect(frame.luma(28, 24) == 16)
    }

    @Test func refusesPixelFormatsItCannotEdit() throws {
        let frame = TestFrame(format: AV_PIX_FMT_RGB24)
        let error = #expect(throws: MediaError.self) {
            try FrameRedactor(look: RedactionLook()).redact([box], in: frame.view)
        }
        #expect(error?.reason.contains("rgb24") == true)
    }

    @Test func boxesPartlyOutsideThePictureAreClipped() throws {
        let frame = TestFrame()
        try FrameRedactor(look: RedactionLook(style: .fill)).redact([Box(x0: -20, y0: -20, x1: 10, y1: 10)], in: frame.view)
        #expect(frame.luma(0, 0) == 16)
    }
}
