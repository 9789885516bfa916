import Foundation
@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

/// Signed manifests: what is signed, and that any change to it is caught.
@Suite struct ManifestTests {
    static func sample() -> RedactionManifest {
        var job = RedactionJob()
        job.targets = [.face, .person]  // a Set: its encoded order varies between runs
        let segments = (0..<3).map {
            RedactionManifest.Segment(index: $0, inputSHA256: "in\($0)", outputSHA256: "out\($0)", frameCount: 25,
                                      ptsFirst: Int64($0 * 25), ptsLast: Int64($0 * 25 + 24), timeBase: Rational(num: 1, den: 25),
                                      worker: "w\($0)", detections: $0)
        }
        return RedactionManifest(software: "redactfarm test", createdAt: Date(timeIntervalSince1970: 0), job: "j1",
                                 input: .init(path: "/in.mp4", sha256: "aa", sizeBytes: 10),
                                 output: .init(path: "/out.mp4", sha256: "bb", sizeBytes: 11), videoFrames: 75,
                                 models: ModelRole.pinnedMap([.face]), parameters: job, segments: segments,
                                 detections: .init(detections: 3, tracks: 1, framesWithRedaction: 70))
    }

    @Test func signsAndOpens() throws {
        let identity = try FarmIdentity.generate()
        let bytes = try SignedManifest.encode(Self.sample(), signedBy: identity)
        let opened = try SignedManifest.open(bytes, path: "m")
        #expect(opened.signatureValid)
        #expect(opened.publicKey == identity.publicKey.signing)
        #expect(opened.manifest.segmentChain == RedactionManifest.chain(opened.manifest.segments))
    }

    @Test func anyEditBreaksTheSignature() throws {
        let bytes = try SignedManifest.encode(Self.sample(), signedBy: try FarmIdentity.generate())
        let text = String(decoding: bytes, as: UTF8.self)
        for (from, to) in [("\"videoFrames\" : 75", "\"videoFrames\" : 76"), ("\"worker\" : \"w1\"", "\"worker\" : \"w9\""),
                           ("\"sha256\" : \"bb\"", "\"sha256\" : \"bc\"")] {
            let edited = text.replacingOccurrences(of: from, with: to)
            #expect(edited != text, "\(from) not found")
            #expect(try SignedManifest.open(Array(edited.utf8), path: "m").signatureValid == false, "\(from)")
        }
    }

    @Test func theChainCoversOrderAndContent() {
        let segments = Self.sample().segments
        let chain = RedactionManifest.chain(segments)
        #expect(RedactionManifest.chain(segments.reversed()) != chain)
        #expect(RedactionManifest.chain(Array(segments.dropLast())) != chain)
        var altered = segments
        altered[1].frameCount += 1
        #expect(RedactionManifest.chain(altered) != chain)
    }

    @Test func keyFilesRoundTrip() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let identity = try FarmIdentity.generate()
            try identity.write(base: dir + "/k")
            #expect(try FarmIdentity.read(path: dir + "/k.key").publicKey == identity.publicKey)
            #expect(try FarmPublicKey.read(path: dir + "/k.pub") == identity.publicKey)
            #expect(throws: MediaError.self) { try identity.write(base: dir + "/k") }
            var info = stat()
            stat(dir + "/k.key", &info)
            #expect(info.st_mode & 0o777 == 0o600)
        }
    }

    @Test func allowlistParsing() {
        let key = String(repeating: "a", count: 40)
        let keys = ZAPAuthenticator.parseAllowlist("# comment\n\(key) worker-1\n  \n short\n\(key.dropLast())b")
        #expect(keys == [key, String(key.dropLast()) + "b"])
    }
}
