@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
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

    @Test(arguments: ["", "1,2,3", "1,2,-3,4", "poly:1,2,3,4", "a,b,c,d", "1,2,3,4@x-y", "1,2,3,4@5"])
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
