import Foundation

/// `redactfarm verify`: re-checks an output against its manifest, in order, and stops at the
/// first mismatch with a reason that names it.
public enum ManifestVerifier {
    public struct Report: Codable, Sendable {
        public var output: String
        public var manifest: String
        public var signer: String
        public var checks: [String]
        public var notes: [String]
    }

    /// `key`: the coordinator's public key the manifest must be signed with. Without it the
    /// signature is checked against the key recorded in the manifest, which proves the file
    /// is intact since signing but not who signed it (a note says so).
    public static func verify(output: String, manifestPath: String? = nil, key: FarmPublicKey? = nil) throws(MediaError) -> Report {
        let path = manifestPath ?? output + ".manifest.json"
        let opened = try SignedManifest.open(try FileBytes.read(path), path: path)
        let m = opened.manifest
        var checks: [String] = [], notes: [String] = []
        func fail(_ reason: String) -> MediaError { MediaError(path: output, reason: reason) }

        guard opened.signatureValid else { throw fail("manifest signature does not match its contents (the manifest was altered)") }
        if let key {
            guard key.signing == opened.publicKey else { throw fail("manifest is signed by \(opened.publicKey.prefix(12))…, not by the given key \(key.signing.prefix(12))…") }
            checks.append("signature by the given key")
        } else {
            checks.append("signature by the key recorded in the manifest")
            notes.append("no --key given: the signer's identity was not checked")
        }

        let size = FileBytes.size(of: output)
        guard FileManager.default.fileExists(atPath: output) else { throw fail("output file is missing") }
        guard size == m.output.sizeBytes else { throw fail("output is \(size) bytes, the manifest says \(m.output.sizeBytes)") }
        let outputSHA = try SHA256Hex.ofFile(at: output)
        guard outputSHA == m.output.sha256 else { throw fail("output SHA-256 \(outputSHA.prefix(12))… does not match the manifest's \(m.output.sha256.prefix(12))…") }
        checks.append("output SHA-256")

        guard RedactionManifest.chain(m.segments) == m.segmentChain else { throw fail("segment chain does not match the segment records") }
        guard m.segments.map(\.index) == Array(0..<m.segments.count) else { throw fail("segment records are not numbered 0…\(m.segments.count - 1)") }
        let frames = m.segments.reduce(0) { $0 + $1.frameCount }
        guard frames == m.videoFrames else { throw fail("segments hold \(frames) frames, the manifest says \(m.videoFrames)") }
        checks.append("segment chain over \(m.segments.count) segment(s)")

        let counted = try videoPacketCount(output)
        guard counted == m.videoFrames else { throw fail("output has \(counted) video frames, the manifest says \(m.videoFrames)") }
        checks.append("video frame count (\(counted))")

        if FileManager.default.fileExists(atPath: m.input.path) {
            let inputSHA = try SHA256Hex.ofFile(at: m.input.path)
            guard inputSHA == m.input.sha256 else { throw fail("input \(m.input.path) has changed since it was redacted (SHA-256 differs)") }
            checks.append("input SHA-256")
        } else {
            notes.append("input \(m.input.path) is not here: its hash was not re-checked")
        }
        return Report(output: output, manifest: path, signer: opened.publicKey, checks: checks, notes: notes)
    }

    static func videoPacketCount(_ path: String) throws(MediaError) -> Int {
        let input = try MediaInput(path: path)
        let video = try input.primaryVideoStream()
        input.selectStreams([video])
        var count = 0
        while let (stream, _) = try input.readPacket() {
            if stream == video { count += 1 }
        }
        return count
    }
}
