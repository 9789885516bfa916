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

    @Test func aModelThatIsNotThePinnedOneIsRefused() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let fake = dir + "/centerface.onnx"
            try Data("not a model".utf8).write(to: URL(fileURLWithPath: fake))
            let error = #expect(throws: MediaError.self) { try CenterFaceModel.load(path: fake) }
            #expect(error?.reason.contains("expected the pinned") == true)
        }
    }
}
