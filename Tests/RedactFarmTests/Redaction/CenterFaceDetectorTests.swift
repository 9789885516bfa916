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

    /// A crop runs on the smallest compiled shape that holds it: the region of the frame grown
    /// around it at the same magnification, inside the picture, its corner on even pixels.
    @Test func aCropIsWidenedToTheSmallestShapeThatHoldsIt() throws {
        typealias Crop = RGBConverter.Crop
        let frame = (width: 1280, height: 720)
        func widened(_ crop: Crop, _ magnification: Double, in size: (width: Int, height: Int) = frame) -> (shape: (width: Int, height: Int), region: Crop)? {
            CenterFaceDetector.widened(crop, fittingWidth: CenterFaceDetector.roundUp32(Double(crop.width) * magnification),
                                       height: CenterFaceDetector.roundUp32(Double(crop.height) * magnification),
                                       magnification: magnification, inFrameOf: size)
        }
        // 40x44 at 3x needs 128x160 (120x132 rounded up): the region is 42x53 around it.
        let middle = Crop(x: 600, y: 300, width: 40, height: 44)
        let a = try #require(widened(middle, 3))
        #expect(a.shape == (128, 160))
        #expect(a.region == Crop(x: 598, y: 296, width: 42, height: 53))
        // 50x50 at 3x is 160x160: the first shape wide and tall enough is 160x192.
        #expect(try #require(widened(Crop(x: 600, y: 300, width: 50, height: 50), 3)).shape == (160, 192))
        // At the picture's corner the region moves inside it, still holding the crop.
        let corner = try #require(widened(Crop(x: 1250, y: 690, width: 30, height: 30), 4))
        #expect(corner.region.x + corner.region.width <= 1280 && corner.region.y + corner.region.height <= 720)
        #expect(corner.region.x <= 1250 && corner.region.y <= 690)
        #expect(corner.region.x % 2 == 0 && corner.region.y % 2 == 0)
        // Larger than every shape, or a region larger than the picture: the any-size model.
        #expect(widened(Crop(x: 100, y: 100, width: 120, height: 120), 2) == nil)
        #expect(widened(Crop(x: 0, y: 0, width: 20, height: 20), 1.5, in: (100, 80)) == nil)
        // Every widened region holds its crop and keeps about its magnification.
        // (41 at 3x grows to 42, centred one pixel left of an even corner: moved to it, one wider.)
        for (x, y, side, m) in [(0, 0, 16, 4.0), (1264, 704, 16, 4.0), (700, 10, 60, 2.0), (3, 5, 33, 1.5), (640, 360, 100, 0.9), (600, 300, 41, 3.0), (1238, 678, 41, 3.0)] {
            let crop = Crop(x: x & ~1, y: y & ~1, width: min(side, 1280 - (x & ~1)), height: min(side, 720 - (y & ~1)))
            guard let w = widened(crop, m) else { continue }
            #expect(w.region.x <= crop.x && w.region.y <= crop.y
                    && w.region.x + w.region.width >= crop.x + crop.width && w.region.y + w.region.height >= crop.y + crop.height, "\(crop) at \(m)")
            #expect(abs(Double(w.shape.width) / Double(w.region.width) - m) < 0.1 * m, "\(crop) at \(m): \(w)")
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
