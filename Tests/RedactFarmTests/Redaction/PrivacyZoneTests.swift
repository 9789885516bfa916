@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
@testable import RedactReview
import Testing

@Suite struct PrivacyZoneTests {
    @Test func parsesRectanglesPolygonsAndTimeRanges() throws {
        let rect = try PrivacyZone(parsing: "10,20,30,40")
        #expect(rect.bounds == Box(x0: 10, y0: 20, x1: 40, y1: 60))
        #expect(rect.from == nil && rect.until == nil)
        let timed = try PrivacyZone(parsing: "poly:0,0,10,0,0,10@2.5-")
        #expect(timed.points.count == 3)
        #expect(timed.from == 2.5 && timed.until == nil)
        #expect(!timed.isActive(atSeconds: 2.4) && timed.isActive(atSeconds: 100))
        #expect(try PrivacyZone(parsing: "1,1,5,5@-3").isActive(atSeconds: 2.9))
        #expect(try !PrivacyZone(parsing: "1,1,5,5@-3").isActive(atSeconds: 3))
    }

    @Test func timesAreSecondsOrClockTimeAndCornersPixelsOrPercent() throws {
        let clock = try PrivacyZone(parsing: "0,0,10,10@1:02.5-1:00:00")
        #expect(clock.from == 62.5 && clock.until == 3600)
        #expect(try PrivacyZone(parsing: "0,0,10,10@00:00:01.250-").from == 1.25)
        let percent = try PrivacyZone(parsing: "10%,20%,50%,25%")
        #expect(percent.isInPercent)
        #expect(percent.inShownPixels(width: 640, height: 480).bounds == Box(x0: 64, y0: 96, x1: 384, y1: 216))
        #expect(try PrivacyZone(parsing: "10,20,30,40").inShownPixels(width: 640, height: 480).bounds == Box(x0: 10, y0: 20, x1: 40, y1: 60))
    }

    /// A zone drawn on the picture as a player shows it lands on the same pixels of the coded
    /// picture whichever way the display matrix turns it.
    @Test(arguments: [(0, Box(x0: 0, y0: 0, x1: 32, y1: 16)), (90, Box(x0: 0, y0: 208, x1: 16, y1: 240)),
                      (180, Box(x0: 288, y0: 224, x1: 320, y1: 240)), (270, Box(x0: 304, y0: 0, x1: 320, y1: 32))])
    func aShownTopLeftCornerIsFoundInTheCodedPicture(rotation: Int, coded: Box) throws {
        let zone = try PrivacyZone(parsing: "0,0,32,16")
        let view = SourceView(firstFramePts: 0, clockwiseRotation: rotation)
        #expect(zone.inCodedPixels(view, codedWidth: 320, codedHeight: 240).bounds == coded)
        // FFmpeg gives a clockwise turn as negative degrees.
        #expect(SourceView(firstFramePts: 0, displayRotationDegrees: Double(-rotation)).clockwiseRotation == rotation)
    }

    /// The review page writes a zone drawn on the coded picture in percent of the shown one
    /// (through `codedToShownPercent`); parsed back, it covers the coded pixels drawn.
    @Test(arguments: [0, 90, 180, 270])
    func aZoneDrawnOnTheCodedPictureComesBackToTheSamePixels(rotation: Int) throws {
        let drawing = ReviewContent.Drawing(codedWidth: 320, codedHeight: 240, view: SourceView(firstFramePts: 0, clockwiseRotation: rotation), frames: [])
        let m = drawing.codedToShownPercent, drawn = Box(x0: 40, y0: 30, x1: 120, y1: 90)
        let corners = [(drawn.x0, drawn.y0), (drawn.x1, drawn.y1)].map { (m[0] * $0.0 + m[1] * $0.1 + m[2], m[3] * $0.0 + m[4] * $0.1 + m[5]) }
        let (x0, x1) = (min(corners[0].0, corners[1].0), max(corners[0].0, corners[1].0))
        let (y0, y1) = (min(corners[0].1, corners[1].1), max(corners[0].1, corners[1].1))
        let zone = try PrivacyZone(parsing: "\(x0)%,\(y0)%,\(x1 - x0)%,\(y1 - y0)%")
        let back = zone.inCodedPixels(drawing.view, codedWidth: 320, codedHeight: 240).bounds
        #expect([back.x0 - drawn.x0, back.y0 - drawn.y0, back.x1 - drawn.x1, back.y1 - drawn.y1].allSatisfy { abs($0) < 1e-9 }, "\(back)")
    }

    @Test(arguments: ["", "1,2,3", "1,2,-3,4", "poly:1,2,3,4", "a,b,c,d", "1,2,3,4@x-y", "1,2,3,4@5", "10%,10,5,5",
                      "1,1,5,5@1:60-", "1,1,5,5@1:-1:00", "1,1,5,5@1:99:00-"])
    func refusesMalformedZones(text: String) {
        #expect(throws: OptionError.self) { try PrivacyZone(parsing: text) }
    }

    @Test func polygonMembershipUsesTheEvenOddRule() throws {
        let triangle = try PrivacyZone(parsing: "poly:0,0,20,0,0,20")
        #expect(triangle.contains(x: 2, y: 2))
        #expect(!triangle.contains(x: 15, y: 15))
    }

    @Test func aZoneIsHiddenExactlyAsDrawn() throws {
        let frame = TestFrame()
        let before = frame.lumaPixels
        let zone = try PrivacyZone(parsing: "8,8,16,16")
        try FrameRedactor(look: RedactionLook(style: .fill)).redact([], zones: [zone], in: frame.view)
        #expect(frame.luma(8, 8) == 16 && frame.luma(23, 23) == 16)
        #expect(frame.luma(7, 8) == before[8 * 64 + 7])
        #expect(frame.luma(24, 24) == before[24 * 64 + 24])
    }
}
