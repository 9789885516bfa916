import CFFmpeg
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

/// The one place frames are redacted checks its own work: every region it reports hidden
/// holds what the style makes, and a region that hid nothing is not reported.
@Suite struct RedactionPostConditionTests {
    /// On busy content every style, shape and size passes its own check (the check is
    /// exact for pixelate and fill, and for blur holds with the bound it derives).
    @Test(arguments: RedactionStyle.allCases, RedactionShape.allCases)
    func everyStyleProvesItsRegions(style: RedactionStyle, shape: RedactionShape) throws {
        for box in [Box(x0: 3, y0: 2, x1: 9, y1: 7), Box(x0: 10, y0: 8, x1: 50, y1: 40), Box(x0: -30, y0: 30, x1: 5, y1: 90)] {
            let frame = TestFrame()
            let hidden = try FrameRedactor(look: RedactionLook(style: style, shape: shape)).redact([box], in: frame.view)
            #expect(hidden.boxes == [true], "\(box)")
        }
    }

    /// At 10 and 12 bits every style works on the samples' own scale: each proves its region,
    /// and fill writes black and neutral chroma at that depth (64 and 512 at 10 bits), not the
    /// 8-bit 16 and 128.
    @Test(arguments: [AV_PIX_FMT_YUV420P10LE, AV_PIX_FMT_YUV422P12LE], RedactionStyle.allCases)
    func highBitDepthPlanesAreRedactedAtTheirDepth(format: AVPixelFormat, style: RedactionStyle) throws {
        let frame = TestFrame(format: format)
        let depth = Int(av_pix_fmt_desc_get(format)!.pointee.comp.0.depth)
        for plane in 0..<3 {
            let p = PlaneView(frame: frame.frame, plane: plane, shiftX: plane == 0 ? 0 : 1, shiftY: plane == 0 || format == AV_PIX_FMT_YUV422P12LE ? 0 : 1)
            #expect(p.depth == depth)
            for y in 0..<p.height { for x in 0..<p.width { p[x, y] = (x * 29 + y * 53 + plane * 300) % (p.maxValue + 1) } }
        }
        let box = Box(x0: 10, y0: 8, x1: 50, y1: 40)
        let hidden = try FrameRedactor(look: RedactionLook(style: style, padding: 1)).redact([box], in: frame.view)
        #expect(hidden.boxes == [true])
        let luma = PlaneView(frame: frame.frame, plane: 0, shiftX: 0, shiftY: 0)
        let chroma = PlaneView(frame: frame.frame, plane: 1, shiftX: 1, shiftY: format == AV_PIX_FMT_YUV422P12LE ? 0 : 1)
        if style == .fill {
            #expect(luma[20, 20] == 16 << (depth - 8) && chroma[10, format == AV_PIX_FMT_YUV422P12LE ? 20 : 10] == 128 << (depth - 8))
        } else {
            // The picture's own range survives: a mean or a blur of samples above 255.
            let inside = (12..<48).flatMap { x in (10..<38).map { y in luma[x, y] } }
            #expect(inside.max()! > 255 && inside.max()! <= luma.maxValue)
        }
        // Outside the box, nothing moved.
        #expect(luma[60, 44] == (60 * 29 + 44 * 53) % (luma.maxValue + 1))
    }

    @Test func aBoxWhollyOutsideThePictureIsNotReportedHidden() throws {
        let frame = TestFrame()
        let before = frame.lumaPixels
        let zone = try PrivacyZone(parsing: "10,10,8,8")
        let hidden = try FrameRedactor(look: RedactionLook()).redact([Box(x0: 200, y0: 10, x1: 240, y1: 50), Box(x0: 4, y0: 4, x1: 20, y1: 20)],
                                                                     zones: [zone], in: frame.view)
        #expect(hidden == .init(boxes: [false, true], zones: [true]))
        #expect(frame.lumaPixels != before)
    }

    /// A padding below 1 cannot shrink a box: the detected box is hidden whatever a job says.
    @Test func paddingNeverShrinksBelowTheDetectedBox() throws {
        let frame = TestFrame()
        let box = Box(x0: 16, y0: 12, x1: 40, y1: 36)
        try FrameRedactor(look: RedactionLook(style: .fill, padding: 0)).redact([box], in: frame.view)
        for (x, y) in [(16, 12), (39, 35), (28, 24)] { #expect(frame.luma(x, y) == 16, "(\(x), \(y))") }
    }

    /// The checks themselves catch a region that does not hold the style's result.
    /// With a mask asked per pixel and with a whole rectangle (a box: the 8-bit fast path).
    @Test(arguments: [false, true])
    func theChecksRefuseWhatIsNotHidden(wholeRect: Bool) {
        let frame = TestFrame()
        let plane = PlaneView(frame: frame.frame, plane: 0, shiftX: 0, shiftY: 0)
        let rect = PlaneRect(x0: 0, y0: 0, x1: 20, y1: 20)
        let check = RegionCheck(plane: plane, mask: wholeRect ? PlaneMask(wholeRect: rect) : PlaneMask(rect: rect) { _, _ in true })
        #expect(check.allEqual(16) == nil)
        #expect(check.cellsAreFlat(cells: [rect]) == nil)
        #expect(check.stepsAtMost(FrameRedactor.blurCutoff(span: 11)) == nil)
        for y in 0..<20 { for x in 0..<20 { plane[x, y] = 16 } }
        #expect(check.allEqual(16) == 400)
        #expect(check.cellsAreFlat(cells: [rect]) == 400)
        #expect(check.stepsAtMost(0) == 400)
        // One sample off in the last row of the second of two cells.
        plane[15, 19] = 17
        #expect(check.cellsAreFlat(cells: [PlaneRect(x0: 0, y0: 0, x1: 10, y1: 20), PlaneRect(x0: 10, y0: 0, x1: 20, y1: 20)]) == nil)
    }

    /// A box's mosaic, made a row at a time at 8 bits, is the one the per-pixel path makes:
    /// the same cells, each the integer mean of its samples.
    @Test func aBoxMosaicIsThePerPixelOne() throws {
        let box = Box(x0: 7, y0: 5, x1: 61, y1: 43)
        let rows = TestFrame(), perPixel = TestFrame()
        try FrameRedactor(look: RedactionLook(style: .pixelate, shape: .box)).redact([box], in: rows.view)
        // The per-pixel path: the same region as a mask that answers yes everywhere.
        for plane in 0..<3 {
            let p = PlaneView(frame: perPixel.frame, plane: plane, shiftX: plane == 0 ? 0 : 1, shiftY: plane == 0 ? 0 : 1)
            let r = p.rect(box.scaled(by: RedactionLook().padding).clamped(width: Double(perPixel.view.width), height: Double(perPixel.view.height)))
            let cells = FrameRedactor.mosaicCells(r, shiftX: p.shiftX, maxCells: RedactionLook().maxCells)
            for c in cells {
                var sum = 0
                for y in c.y0..<c.y1 { for x in c.x0..<c.x1 { sum += p[x, y] } }
                let mean = sum / ((c.x1 - c.x0) * (c.y1 - c.y0))
                for y in c.y0..<c.y1 { for x in c.x0..<c.x1 { p[x, y] = mean } }
            }
            let q = PlaneView(frame: rows.frame, plane: plane, shiftX: p.shiftX, shiftY: p.shiftY)
            for y in 0..<p.height { for x in 0..<p.width where p[x, y] != q[x, y] { Issue.record("plane \(plane) (\(x), \(y))") } }
        }
    }
}

/// What a worker learns of a segment in progress. Progress counts each frame's examination
/// and its writing: a segment whose frames were all examined is half done, not done (the
/// encode is still ahead), and a copied one is whole once decided. A cancelled segment stops
/// within a frame: the processor asks before every frame.
@Suite struct SegmentProgressTests {
    /// The first 2 s segment of h264_bframes.mp4 and a job of `zone` alone.
    static func firstSegment(withZone zone: String, in dir: String) throws -> (plan: SegmentPlan, segment: SegmentFile, job: RedactionJob) {
        let plan = try Splitter.split(input: Fixtures.corpus("h264_bframes.mp4"), segmentSeconds: 2, into: dir + "/seg")
        let (segment, _) = try SegmentFile.read(path: dir + "/seg/" + plan.segments[0].file)
        var job = RedactionJob()
        job.targets = []
        job.zones = [try PrivacyZone(parsing: zone)]
        return (plan, segment, job)
    }

    @Test(arguments: [("0,0,16,16", false), ("0,0,16,16@100-101", true)])
    func everyFrameCountsTwiceWhetherWrittenOrCopied(zone: String, copies: Bool) throws {
        try Fixtures.withTemporaryDirectory { dir in
            let (plan, segment, job) = try Self.firstSegment(withZone: zone, in: dir)
            let id = try #require(plan.video.copying?.parameterSetID)
            let processor = SegmentProcessor(job: job, detectors: [], muxer: "mp4", frameRate: nil, copyParameterSetID: id)
            var steps = 0
            let processed = try processor.process(segment, label: "seg", onFrameStep: { steps += 1 })
            #expect((processed.segment == nil) == copies)
            #expect(steps == 2 * segment.shownPackets.count)
        }
    }

    @Test func processingStopsAtTheNextFrameOnceCancelled() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let (_, segment, job) = try Self.firstSegment(withZone: "0,0,16,16", in: dir)
            let processor = SegmentProcessor(job: job, detectors: [], muxer: "mp4", frameRate: nil)
            var steps = 0
            let error = #expect(throws: MediaError.self) {
                _ = try processor.process(segment, label: "seg", onFrameStep: { steps += 1 }, isCancelled: { steps >= 6 })
            }
            #expect(error?.reason == "cancelled")
            // Three frames, each examined and written.
            #expect(steps == 6)
        }
    }
}
