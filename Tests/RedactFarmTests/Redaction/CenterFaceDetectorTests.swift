import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

@Suite struct CenterFaceDetectorTests {
    @Test func findsTheRealFaceInEveryFrameOfCarphone() throws {
        let model = try CenterFaceModel.load(path: Fixtures.asset("centerface.onnx"))
        let detector = try CenterFaceDetector(model: model)
        var frames = 0, withFace = 0
        try FileDetections.scan(path: Fixtures.asset("carphone_pristine.mp4"), detector: detector) { (_, found) throws(MediaError) in
            frames += 1
            if let f = found.first {
                withFace += 1
                // The face sits left of centre in the 176x144 picture.
                #expect(f.box.centerX > 60 && f.box.centerX < 120 && f.box.height > 30 && f.box.height < 90)
            }
        }
        #expect(frames == 120)
        #expect(withFace >= 118)
    }

    /// The int8 model (made by ops/fetch-assets.sh) finds the carphone face in the same frames,
    /// in the same place, as the f32 one.
    @Test(.enabled(if: PinnedModel.centerFaceInt8.isPresent, "setup makes the int8 model only with Python 3.11 (fetch-assets.sh says why it did not)"))
    func theInt8ModelFindsTheFaceWhereF32Does() throws {
        let f32 = try CenterFaceDetector(model: CenterFaceModel.load(path: Fixtures.asset("centerface.onnx")))
        let int8 = try CenterFaceDetector(model: CenterFaceModel.load(path: Fixtures.asset("centerface-int8.xml"), quantized: true),
                                          options: .init(precision: .int8))
        var byF32: [Int64: Box] = [:], frames = 0, agreeing = 0
        try FileDetections.scan(path: Fixtures.asset("carphone_pristine.mp4"), detector: f32) { (pts, found) throws(MediaError) in
            byF32[pts] = found.first?.box
        }
        try FileDetections.scan(path: Fixtures.asset("carphone_pristine.mp4"), detector: int8) { (pts, found) throws(MediaError) in
            frames += 1
            if let mine = found.first?.box, let theirs = byF32[pts], mine.intersectionOverUnion(theirs) > 0.7 { agreeing += 1 }
        }
        #expect(frames == 120)
        #expect(agreeing >= 118, "int8 and f32 agree on \(agreeing) of 120 frames")
    }

    /// Each model runs only in its own arithmetic, and the int8 model's weights are pinned too.
    @Test(.enabled(if: PinnedModel.centerFaceInt8.isPresent, "setup makes the int8 model only with Python 3.11 (fetch-assets.sh says why it did not)"))
    func theInt8ModelIsItsOwnPinnedPair() throws {
        let f32Model = try CenterFaceModel.load(path: Fixtures.asset("centerface.onnx"))
        let int8Model = try CenterFaceModel.load(path: Fixtures.asset("centerface-int8.xml"), quantized: true)
        let wrongModel = #expect(throws: MediaError.self) { try CenterFaceDetector(model: f32Model, options: .init(precision: .int8)) }
        #expect(wrongModel?.reason.contains("centerface-int8.xml") == true)
        let wrongPrecision = #expect(throws: MediaError.self) { try CenterFaceDetector(model: int8Model, options: .init(precision: .f32)) }
        #expect(wrongPrecision?.reason.contains("--precision int8") == true)
        try Fixtures.withTemporaryDirectory { dir in
            try FileManager.default.copyItem(atPath: Fixtures.asset("centerface-int8.xml"), toPath: dir + "/centerface-int8.xml")
            try Data("not the weights".utf8).write(to: URL(fileURLWithPath: dir + "/centerface-int8.bin"))
            let error = #expect(throws: MediaError.self) { try CenterFaceModel.load(path: dir + "/centerface-int8.xml", quantized: true) }
            #expect(error?.reason.contains("weights has SHA-256") == true && error?.path.hasSuffix("centerface-int8.bin") == true, "\(String(describing: error))")
        }
    }

    @Test func aModelThatIsNotThePinnedOneIsRefused() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let fake = dir + "/centerface.onnx"
            try Data("not a model".utf8).write(to: URL(fileURLWithPath: fake))
            let error = #expect(throws: MediaError.self) { try CenterFaceModel.load(path: fake) }
            #expect(error?.reason.contains("expected the pinned") == true)
        }
    }
}
