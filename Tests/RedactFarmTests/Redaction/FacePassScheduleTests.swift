import Foundation
@testable import Redaction
@testable import RedactSupport
@testable import RedactVision
import Testing

/// Which full-frame passes the face detector runs, and at what scale: the profile's cadence,
/// magnified and 1x passes in turn where the profile says so, a large-face pass beside each.
@Suite struct FacePassScheduleTests {
    /// Records every full-frame pass it is asked for: "profile" for the job's own scale, or
    /// the scale asked for.
    final class PassRecorder: FaceFinder {
        var passes: [Int: [String]] = [:]
        var frame = 0
        func detect(_ frame: VideoFrame) throws(MediaError) -> [Detection] {
            passes[self.frame, default: []].append("profile")
            return []
        }
        func detect(_ frame: VideoFrame, scale: Double) throws(MediaError) -> [Detection] {
            passes[self.frame, default: []].append(String(scale))
            return []
        }
    }

    func schedule(_ settings: DetectorSettings, frames: Int) throws -> [Int: [String]] {
        let recorder = PassRecorder()
        let detector = FaceTargetDetector(finder: recorder, settings: settings)
        let frame = TestFrame(width: 1280, height: 720)
        detector.beginSegment(SegmentScene(width: 1280, height: 720, ownedFrames: frames))
        for i in 0..<frames {
            recorder.frame = i
            _ = try detector.examine(frame.view, FrameVisit(index: i, owned: true, isCadenceFrame: i % settings.every == 0, isPastOwnedEnd: false))
        }
        return recorder.passes
    }

    /// The safe profile: 2x at frames 0 and 24, 1x at 12 and 36, each with a 0.5x pass
    /// beside it, and a 0.5x pass halfway between; nothing else (no face, so no crop). (The
    /// picture here stands still: the passes the profile skips on it are `FullPassGateTests`'.)
    @Test func theSafeProfileAlternatesMagnifiedAndUnmagnifiedPasses() throws {
        var settings = DetectionProfile.safe.settings
        settings.unchangedPassEvery = nil
        let passes = try schedule(settings, frames: 48)
        #expect(passes == [0: ["profile", "0.5"], 6: ["0.5"], 12: ["1.0", "0.5"], 18: ["0.5"],
                           24: ["profile", "0.5"], 30: ["0.5"], 36: ["1.0", "0.5"], 42: ["0.5"]], "\(passes.sorted { $0.key < $1.key })")
    }

    /// `fast` runs safe's full-frame passes: what makes it faster is the follower's stride
    /// and the encoder (`EncoderDefaultsTests`), never fewer or smaller passes.
    @Test func theFastProfileRunsTheSafeProfilesPasses() throws {
        var safe = DetectionProfile.safe.settings, fast = DetectionProfile.fast.settings
        safe.unchangedPassEvery = nil
        fast.unchangedPassEvery = nil
        #expect(try schedule(fast, frames: 48) == schedule(safe, frames: 48))
        #expect(fast.followStride == 2 && safe.followStride == nil)
    }

    /// A job stored before the setting existed (no magnifyEvery) magnifies every pass, as it
    /// did then; a job that does not magnify at all runs every pass at 1x.
    @Test func withoutTheSettingEveryPassRunsAtTheProfilesScale() throws {
        let stored = #"{"threshold":0.2,"inferenceScale":2,"every":12}"#
        let old = try JSONDecoder().decode(DetectorSettings.self, from: Data(stored.utf8))
        #expect(old.magnifyEvery == nil)
        let passes = try schedule(old, frames: 36)
        #expect([0, 12, 24].allSatisfy { passes[$0]?.first == "profile" }, "\(passes.sorted { $0.key < $1.key })")
        let unmagnified = try schedule(DetectorSettings(inferenceScale: 1, every: 6), frames: 12)
        #expect(unmagnified == [0: ["profile"], 6: ["profile"]])
    }

    /// A magnified pass rarer than every other one would leave a small face's track too short
    /// to reach back to where it came into view: refused, like every other job option.
    @Test func aRarerMagnifiedPassIsRefused() throws {
        var job = RedactionJob()
        job.detector = DetectionProfile.safe.settings
        try job.validate()
        job.detector.magnifyEvery = 3
        let refusal = #expect(throws: OptionError.self) { try job.validate() }
        #expect(refusal?.description.contains("magnifyEvery") == true)
    }
}
