@testable import RedactMedia
@testable import RedactSupport
import Testing

/// The timing rules of docs/timestamps.md on numbers alone (no file): what each rule derives
/// and, under damage, which frames the record counts as timed by rule.
@Suite struct PresentationOrderTests {
    let none = EncodedPacket.noTimestamp
    let tb = Rational(num: 1, den: 1000)

    func timing(_ pts: Int64?, dts: Int64? = nil) -> PresentationOrder.Timing {
        .init(pts: pts ?? none, dts: dts ?? none, duration: 0)
    }

    func derive(_ pts: [Int64?], damage: Bool) throws(MediaError) -> PresentationOrder {
        try PresentationOrder.timed(container: pts.map { timing($0) }, ranks: Array(pts.indices), placed: [], codecDelay: 0,
                                    frameDuration: 40, acceptDamage: damage, path: "clip.vob", timeBase: tb)
    }

    @Test func untimedFramesBetweenTimedOnesFollowAtTheFrameRateAndAreNotDamage() throws {
        // A PES header times only the first picture in it: the others are derived by rule 2.
        let order = try derive([0, nil, nil, 120, nil], damage: false)
        #expect(order.timings.map(\.pts) == [0, 40, 80, 120, 160])
        #expect(order.retimedFrames == 0)
        #expect(try derive([0, nil, nil, 120, nil], damage: true).retimedFrames == 0)
    }

    @Test func framesSqueezedIntoATooShortGapAreRefusedOrCountedAsTimedByRule() throws {
        // Three untimed frames between 40 and 120: one frame duration of room for three.
        #expect(throws: MediaError.self) { try derive([0, 40, nil, nil, nil, 120], damage: false) }
        let order = try derive([0, 40, nil, nil, nil, 120], damage: true)
        #expect(order.timings.map(\.pts) == [0, 40, 60, 80, 100, 120])
        // None of the three had a time set aside, but their times are the damage rule's.
        #expect(order.retimedFrames == 3)
    }

    @Test func timesThatBreakTheShownOrderAreSetAsideAndCounted() throws {
        // 200 breaks the longest rising run (0, 40, 120, 160) and is derived again by rule 2.
        let order = try derive([0, 40, 200, 120, 160], damage: true)
        #expect(order.timings.map(\.pts) == [0, 40, 80, 120, 160])
        #expect(order.retimedFrames == 1)
    }

    @Test func framelessPacketsAreShownRightAfterTheirDecodeOrderPredecessor() {
        // Packets 0, 3 and 4 decode to no frame; 1, 2, 5 are shown in the order 2, 1, 5. Packet 0
        // comes first; 3 and 4 follow packet 2, their predecessor in decode order.
        #expect(PresentationOrder.placingFrameless([-1, 1, 0, -1, -1, 2]) == [0, 4, 1, 2, 3, 5])
        #expect(PresentationOrder.placingFrameless([2, 0, 1]) == [2, 0, 1])
        #expect(PresentationOrder.placingFrameless([-1, -1]) == [0, 1])
        // Every rank is used once, also on a long mostly undecodable stream.
        let long = (0..<20_000).map { $0 % 50 == 0 ? $0 / 50 : -1 }
        #expect(Set(PresentationOrder.placingFrameless(long)) == Set(0..<20_000))
    }
}
