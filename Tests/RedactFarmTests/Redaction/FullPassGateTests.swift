import Foundation
@testable import Redaction
@testable import RedactSupport
@testable import RedactVision
import Testing

/// Full-frame passes skipped on a still picture (`PictureChange`, `FullPassGate`): what counts
/// as a change, and which due passes still run.
@Suite struct FullPassGateTests {
    /// A static scene with sensor noise: the same pattern with fresh noise of up to ±`noise`
    /// levels in every pixel, and optionally a 16x16 patch (a small face) or a brightness shift.
    static func scene(seed: UInt64, noise: Int = 12, patchAt: (x: Int, y: Int)? = nil, patchLevel: Int = 0, brighter: Int = 0) -> TestFrame {
        let frame = TestFrame(width: 640, height: 480)
        let p = TestFrame.plane(frame.frame, 0)
        var rng = SeededGenerator(seed: seed)
        for y in 0..<p.height {
            for x in 0..<p.width {
                var v = 60 + (x / 80) * 15 + brighter + Int.random(in: -noise...noise, using: &rng)
                if let at = patchAt, (at.x..<(at.x + 16)).contains(x), (at.y..<(at.y + 16)).contains(y) { v = patchLevel + Int.random(in: -noise...noise, using: &rng) }
                p.base[y * p.stride + x] = UInt8(clamping: v)
            }
        }
        return frame
    }

    /// (Each `TestFrame` is held while its picture is measured: the view does not own it.)
    static func change(_ frame: TestFrame) -> PictureChange {
        withExtendedLifetime(frame) { PictureChange(frame.view) }
    }

    @Test func noiseIsNoChangeButASmallFaceOrNewLightIs() {
        let still = Self.change(Self.scene(seed: 1))
        #expect(still.columns == 160 && still.rows == 120)
        for seed in 2...5 {
            #expect(!Self.change(Self.scene(seed: UInt64(seed))).differs(from: still), "fresh sensor noise on the same scene")
        }
        // A 16 px patch 25 levels off the background, wherever it lands on the 8 px grid.
        for at in [(x: 100, y: 100), (x: 203, y: 37), (x: 0, y: 464), (x: 624, y: 0)] {
            let face = Self.change(Self.scene(seed: 3, patchAt: at, patchLevel: 60 + (at.x / 80) * 15 + 25))
            #expect(face.differs(from: still), "a 16 px patch at \(at)")
        }
        #expect(Self.change(Self.scene(seed: 4, brighter: 12)).differs(from: still), "the whole picture 12 levels brighter")
        #expect(Self.change(TestFrame(width: 160, height: 120)).differs(from: still), "another size")
    }

    final class PassRecorder: FaceFinder {
        var passes: [Int: [String]] = [:]
        /// Frames given a large-face pass (at 0.75 on these pictures).
        var largeFacePasses: [Int] = []
        var frame = 0
        func detect(_ frame: VideoFrame) throws(MediaError) -> [Detection] {
            passes[self.frame, default: []].append("profile")
            return []
        }
        func detect(_ frame: VideoFrame, scale: Double) throws(MediaError) -> [Detection] {
            if scale >= 1 { passes[self.frame, default: []].append(String(scale)) } else { largeFacePasses.append(self.frame) }
            return []
        }
    }

    /// The full-frame passes (the large-face ones, at 0.75 here, left out) the safe profile runs over
    /// `frames`, each frame the picture `picture` gives.
    func passes(every: Int?, frames: Int, picture: (Int) -> TestFrame) throws -> [Int: [String]] {
        try schedule(every: every, frames: frames, picture: picture).passes
    }

    func schedule(every: Int?, frames: Int, picture: (Int) -> TestFrame) throws -> PassRecorder {
        let recorder = PassRecorder()
        var settings = DetectionProfile.safe.settings
        settings.unchangedPassEvery = every
        let detector = FaceTargetDetector(finder: recorder, settings: settings)
        detector.beginSegment(SegmentScene(width: 640, height: 480, ownedFrames: frames))
        for i in 0..<frames {
            recorder.frame = i
            let frame = picture(i)
            _ = try withExtendedLifetime(frame) { try detector.examine(frame.view, FrameVisit(index: i, owned: true, isCadenceFrame: i % settings.every == 0, isPastOwnedEnd: false)) }
        }
        return recorder
    }

    /// On a still picture: the first two passes (2x, 1x) run, then every fourth due one,
    /// magnified and not in turn.
    @Test func aStillPictureIsSearchedEveryFourthPassAfterTwo() throws {
        let stillFrames = (0..<4).map { Self.scene(seed: UInt64($0)) }
        let passes = try passes(every: 4, frames: 12 * 14, picture: { stillFrames[$0 % 4] })
        #expect(passes == [0: ["profile"], 12: ["1.0"], 60: ["profile"], 108: ["1.0"], 156: ["profile"]], "\(passes.sorted { $0.key < $1.key })")
        // The large-face passes beside the passes that run, and halfway between due passes
        // until two passes have searched the picture.
        let large = try schedule(every: 4, frames: 12 * 14, picture: { stillFrames[$0 % 4] }).largeFacePasses
        #expect(large == [0, 6, 12, 60, 108, 156], "\(large)")
        // Off (and for jobs stored before the gate): every due pass.
        let off = try self.passes(every: nil, frames: 12 * 6, picture: { stillFrames[$0 % 4] })
        #expect(off.keys.sorted() == [0, 12, 24, 36, 48, 60])
    }

    /// A face coming into view mid-way makes the next due pass run, and the one after it (two
    /// passes search the new picture, one magnified) before any is skipped again.
    @Test func aChangeBringsBackThePassesAtTheCadence() throws {
        let still = Self.scene(seed: 1)
        let withFace = Self.scene(seed: 2, patchAt: (x: 120, y: 80), patchLevel: 160)
        let passes = try passes(every: 4, frames: 12 * 10, picture: { $0 < 70 ? still : withFace })
        // Before: 0 and 12 run, 24-48 skipped, 60 runs (the fourth). At 72 the picture has
        // changed: 72 runs, 84 runs (second on this picture, magnified), then skipped again.
        #expect(passes.keys.sorted() == [0, 12, 60, 72, 84], "\(passes.sorted { $0.key < $1.key })")
        #expect(passes[84] == ["profile"] || passes[72] == ["profile"], "a magnified pass on the new picture")
    }

    @Test func theSettingIsBounded() throws {
        var job = RedactionJob()
        for n in [1, 8] {
            job.detector.unchangedPassEvery = n
            try job.validate()
        }
        for n in [0, 9, -1] {
            job.detector.unchangedPassEvery = n
            let refusal = #expect(throws: OptionError.self) { try job.validate() }
            #expect(refusal?.description.contains("--unchanged-pass-every") == true)
        }
    }
}
