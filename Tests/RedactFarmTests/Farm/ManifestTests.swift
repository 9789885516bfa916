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

    /// The file as it was made before the layout, from the whole manifest as one object:
    /// what the layout is held to.
    static func wholeFile(_ manifest: RedactionManifest, sign: ([UInt8]) throws(MediaError) -> [String: Any]) throws -> [UInt8] {
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(manifest))
        let file: [String: Any] = ["manifest": object, "signature": try sign(Array(try SignedManifest.canonicalBytes(object)))]
        return Array(try JSONSerialization.data(withJSONObject: file, options: SignedManifest.fileOptions))
    }

    /// The file is written one segment at a time; it must be the very file serialising the
    /// whole manifest gives, and sign the same canonical text (a fake signer stands in for
    /// Ed25519 so the bytes can be compared).
    @Test(arguments: [0, 1, 3, 40])
    func theFileWrittenSegmentBySegmentIsTheOneWrittenWhole(segments: Int) throws {
        var manifest = Self.sample()
        manifest.segments = (0..<segments).map { i in
            var s = RedactionManifest.Segment(index: i, inputSHA256: String(repeating: "ab", count: 32), outputSHA256: "o/\(i) \"q\" é",
                                              frameCount: 250, ptsFirst: Int64(i) * 250, ptsLast: Int64(i) * 250 + 249,
                                              timeBase: Rational(num: 1, den: 12800), worker: "w\(i % 7)", workerHost: i % 2 == 0 ? "host-\(i)" : nil,
                                              detections: i * 3)
            switch i % 4 {
            case 1: (s.handling, s.copiedPayloadSHA256, s.copiedPackets) = (RedactionManifest.Segment.copied, "cc\(i)", 250)
            case 2:
                s.handling = RedactionManifest.Segment.redacted
                s.copiedGOPs = [CopiedGOP(segment: i, firstPacket: 0, packets: 50, payloadSHA256: "g1"),
                                CopiedGOP(segment: i, firstPacket: 100, packets: 50, payloadSHA256: "g2")]
            case 3: (s.handling, s.reusedPayloadSHA256, s.reusedPackets) = (RedactionManifest.Segment.reused, "rr", 250)
            default: s.handling = RedactionManifest.Segment.redacted
            }
            return s
        }
        manifest.notes = ["a note with \"segments\":[] inside it", "and / slashes"]
        var signed: [UInt8] = []
        let fakeSigner = { (canonical: [UInt8]) throws(MediaError) -> [String: Any] in
            signed = canonical
            return ["algorithm": "test", "value": SHA256Hex.of(canonical)]
        }
        var header = manifest
        header.segments = []
        // From the array, and from a spool on disk as a finishing coordinator writes it.
        var fromArray = BinaryWriter()
        try SignedManifest.write(header, segments: manifest.segments, sign: fakeSigner, into: &fromArray)
        let signedFromArray = signed
        let fromSpool = try Fixtures.withTemporaryDirectory { dir in
            let spool = try ManifestSegmentSpool(path: dir + "/segments.jsonl")
            for segment in manifest.segments { try spool.append(segment) }
            try spool.close()
            var bytes = BinaryWriter()
            // The manifest's own list and a separate one are not both taken.
            if segments > 0 { #expect(throws: MediaError.self) { try SignedManifest.write(manifest, segments: spool, sign: fakeSigner, into: &bytes) } }
            try SignedManifest.write(header, segments: spool, sign: fakeSigner, into: &bytes)
            return bytes
        }
        let signedFromSpool = signed
        let whole = try Self.wholeFile(manifest, sign: fakeSigner)
        for (how, written) in [("array", fromArray.bytes), ("spool", fromSpool.bytes)] {
            let differsAt = zip(written, whole).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? (written.count == whole.count ? nil : min(written.count, whole.count))
            #expect(differsAt == nil, "from the \(how), the files differ from byte \(differsAt ?? 0): \(String(decoding: whole.dropFirst(max(0, (differsAt ?? 0) - 40)).prefix(80), as: UTF8.self).debugDescription)")
        }
        let signedSame = signedFromArray == signed && signedFromSpool == signed
        #expect(signedSame, "the canonical texts signed differ")
        #expect(!signed.isEmpty)
    }

    /// The spool a finishing coordinator writes segment records to: read back whole and in
    /// order, as often as asked, and never taken for complete when it is not.
    @Test func theSpoolGivesBackWhatWasWrittenOrSaysWhy() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let path = dir + "/lines"
            let spool = try LineSpool(path: path)
            // Longer and shorter than its buffer, and empty.
            let lines = (0..<5000).map { Array("line \($0) \"quoted\" é".utf8) } + [[], Array(repeating: UInt8(ascii: "x"), count: 200_000), [1]]
            for line in lines { try spool.append(line) }
            #expect(throws: MediaError.self) { try spool.append(Array("two\nlines".utf8)) }
            #expect(throws: MediaError.self) { try spool.forEach { _ in } }
            try spool.close()
            for _ in 0..<2 {
                var read: [[UInt8]] = []
                try spool.forEach { read.append(Array($0)) }
                #expect(read == lines)
            }
            // Cut inside the last line, then at a line's end: both are refused.
            let bytes = try FileBytes.read(path)
            for cut in [bytes.count - 1, bytes.count - 2] {
                try Data(bytes.prefix(cut)).write(to: URL(fileURLWithPath: path))
                #expect(throws: MediaError.self) { try spool.forEach { _ in } }
            }
            #expect(throws: MediaError.self) { try spool.append(Array("late".utf8)) }
        }
    }

    /// The pretty layout laid over compact JSON is JSONSerialization's own, on what a record can
    /// hold: nesting, empty arrays and objects at any depth, strings with quotes, backslashes,
    /// brackets, colons, commas, slashes and non-ASCII, numbers of every kind, null and booleans.
    @Test func thePrettyLayoutIsJSONSerializations() throws {
        let objects: [Any] = [
            [String: Any](), [Any](), ["a": [Any]()], ["a": [String: Any]()], [[Any](), [String: Any](), [[Any]()]],
            ["segments": [["index": 0, "copiedGOPs": [["firstPacket": 25, "packets": 25, "payloadSHA256": "ab"]], "handling": "copied"]],
             "z": NSNull(), "t": true, "f": false, "n": -0.5, "big": 12345678901234, "e": 1e-7, "pi": 3.141592653589793],
            ["path": "/a/b \"c\" \\ [x], {y}: z, é ✓", "note": "\"segments\":[]", "deep": [["x": [[["y": []]]]]]],
        ]
        for object in objects {
            let compact = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            let pretty = try JSONSerialization.data(withJSONObject: object, options: SignedManifest.fileOptions)
            #expect(PrettyJSON.fromCompact(Array(compact)) == Array(pretty), "\(String(decoding: pretty, as: UTF8.self))")
        }
    }

    /// The digests every record carries, as the standard's test vectors and ffmpeg's md5 give them.
    @Test func digestsAreLowercaseHex() {
        #expect(SHA256Hex.of([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Hex.of(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Hex.lowercaseHex([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
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
