import Crypto
import Foundation
import RedactMedia
import RedactSupport
import RedactVision
import Redaction

/// The integrity manifest written beside every output (`OUT.manifest.json`): what went in,
/// what came out, which worker made each segment with which software, model and parameters,
/// chained over the segments and signed with the coordinator's Ed25519 key. `redactfarm
/// verify` re-checks all of it (docs/manifest.md).
public struct RedactionManifest: Codable, Equatable, Sendable {
    /// 2 adds streams, chapters, the detections sidecar's hash, who and why, times and hosts;
    /// 3 names the models by role (`models`) instead of one field per model; 4 says of each
    /// segment whether it was redacted or copied from the source (`Segment.handling`); 5 adds
    /// the corrections applied and, for a re-render, what it was made from (`rerender`) and
    /// the segments reused from it; 6 lists the GOPs of redacted segments that are the
    /// source's packets (`Segment.copiedGOPs`), which the segment chain covers. Older
    /// versions are still read and verified.
    public static let formatVersion = 6
    public static let readableVersions = 1...6

    public var formatVersion: Int
    public var software: String
    public var createdAt: String
    public var job: String
    public var input: FileFacts
    public var output: FileFacts
    public var videoFrames: Int
    /// role → SHA-256 of every model the job's targets used (v3; empty for zones alone).
    public var models: [String: String]?
    /// The face model's (v1–2, where every job named it).
    public var modelSHA256: String?
    /// The licence-plate (text) model's, for jobs that hid plates (v1–2).
    public var plateModelSHA256: String?

    /// role → SHA-256 of the models used, whichever version wrote the manifest.
    public var modelsUsed: [String: String] {
        if let models { return models }
        var used: [String: String] = [:]
        if let modelSHA256 { used[ModelRole.face.rawValue] = modelSHA256 }
        if let plateModelSHA256 { used[ModelRole.text.rawValue] = plateModelSHA256 }
        return used
    }
    /// The `RedactionJob`, exactly as every worker received it.
    public var parameters: RedactionJob
    public var segments: [Segment]
    public var detections: DetectionCounts
    /// SHA-256 chain over the segment records (see `chain(_:)`): reordering, dropping or
    /// altering any segment changes it.
    public var segmentChain: String
    /// Every source stream and what was done to it (v2).
    public var streams: [StreamOutcome]?
    public var chapters: [ChapterRecord]?
    /// The detections sidecar (`OUT.detections.json`), so it cannot be altered unseen (v2).
    public var detectionsSHA256: String?
    /// Who asked for the redaction and why, with the exact command line (v2).
    public var provenance: Provenance?
    /// When the job was accepted and when this output was finished, UTC (v2).
    public var startedAt: String?
    public var finishedAt: String?
    /// The coordinator's machine (v2); each segment names its worker's.
    public var coordinatorHost: String?
    /// Things the operator should know that changed nothing hidden (a zone clipped at the
    /// picture's edge, streams dropped on request).
    public var notes: [String]?
    /// The independent leak audit's result, when it ran.
    public var audit: AuditSummary?
    /// The inference engine the detections came from: engine, version, device, precision.
    /// Every worker runs this same build (the coordinator refuses any other), so it is this one's.
    public var inference: String?
    /// The policy for damaged input and what it met (absent in manifests before it was kept).
    public var damage: DamageRecord?
    /// The segment length the source was split at (`--segment-seconds`): with the source and
    /// `parameters`, what splitting it again into the same segments takes, so an output can
    /// be re-rendered segment for segment (absent in manifests before it was kept).
    public var segmentSeconds: Double?
    /// SHA-256 of the corrections file applied (`--corrections`, `rerender`; v5), absent when
    /// none was: the reviewer's decisions are part of what made this output.
    public var correctionsSHA256: String?
    /// Set when this output is a re-render of an earlier one (v5).
    public var rerender: Rerender?

    /// What a re-render (`redactfarm rerender`) was made from: the earlier output and its
    /// manifest, and how each segment came to be.
    public struct Rerender: Codable, Equatable, Sendable {
        public var previousOutput: FileFacts
        /// SHA-256 of the earlier output's manifest file, as it was read.
        public var previousManifestSHA256: String
        /// Segments redacted again from the stored detections with the corrections applied,
        /// taken bit for bit from the earlier output, and copied from the source.
        public var reencodedSegments: Int
        public var reusedSegments: Int
        public var copiedSegments: Int
        public init(previousOutput: FileFacts, previousManifestSHA256: String, reencodedSegments: Int, reusedSegments: Int, copiedSegments: Int) {
            self.previousOutput = previousOutput
            self.previousManifestSHA256 = previousManifestSHA256
            self.reencodedSegments = reencodedSegments
            self.reusedSegments = reusedSegments
            self.copiedSegments = copiedSegments
        }
    }

    public struct DamageRecord: Codable, Equatable, Sendable {
        /// "fail" (a damaged frame fails the file) or "accept" (`--accept-damage`).
        public var policy: String
        /// Frames decoded with errors, redacted as decoded.
        public var concealedFrames: Int
        /// Frames that could not be decoded, each stood in for by the frame before it.
        public var substitutedFrames: Int
        /// Frames whose place in presentation order or time the container's damaged timing
        /// could not give, decided by rule (docs/timestamps.md); absent when none.
        public var retimedFrames: Int?
        public init(policy: String, concealedFrames: Int, substitutedFrames: Int, retimedFrames: Int? = nil) {
            self.retimedFrames = retimedFrames
            self.policy = policy
            self.concealedFrames = concealedFrames
            self.substitutedFrames = substitutedFrames
        }
    }

    public struct FileFacts: Codable, Equatable, Sendable {
        public var path: String
        public var sha256: String
        public var sizeBytes: Int64
        public init(path: String, sha256: String, sizeBytes: Int64) {
            self.path = path
            self.sha256 = sha256
            self.sizeBytes = sizeBytes
        }
    }

    public struct Segment: Codable, Equatable, Sendable {
        public var index: Int
        public var inputSHA256: String
        public var outputSHA256: String
        public var frameCount: Int
        public var ptsFirst: Int64
        public var ptsLast: Int64
        public var timeBase: Rational
        public var worker: String
        public var workerHost: String?
        public var detections: Int
        /// "redacted" (decoded, redacted, re-encoded) or "copied" (nothing in it to hide: the
        /// source's packets, byte for byte); absent before version 4, where every segment was
        /// redacted.
        public var handling: String?
        /// For a copied segment: `PayloadHash` over its packets, which are the source's, in
        /// decode order. `verify --source` recomputes it from the source and from the output.
        public var copiedPayloadSHA256: String?
        public var copiedPackets: Int?
        /// For a segment a re-render took from the earlier output ("reused"): `PayloadHash`
        /// over its packets, which are the earlier output's, in decode order (v5).
        public var reusedPayloadSHA256: String?
        public var reusedPackets: Int?
        /// For a redacted segment: its GOPs that had nothing to hide and are the source's
        /// packets, byte for byte (absent when none). `verify --source` recomputes each GOP's
        /// hash from the source and from the output.
        public var copiedGOPs: [CopiedGOP]?
        /// The source video stream the segment is of, when the file has several and it is not
        /// the first (absent: the first, or only, video stream).
        public var stream: Int?

        public var isCopied: Bool { handling == Self.copied }
        public var isReused: Bool { handling == Self.reused }
        public static let copied = "copied", redacted = "redacted", reused = "reused"

        public init(index: Int, inputSHA256: String, outputSHA256: String, frameCount: Int, ptsFirst: Int64, ptsLast: Int64,
                    timeBase: Rational, worker: String, workerHost: String? = nil, detections: Int) {
            self.index = index
            self.inputSHA256 = inputSHA256
            self.outputSHA256 = outputSHA256
            self.frameCount = frameCount
            self.ptsFirst = ptsFirst
            self.ptsLast = ptsLast
            self.timeBase = timeBase
            self.worker = worker
            self.workerHost = workerHost
            self.detections = detections
        }
    }

    public struct DetectionCounts: Codable, Equatable, Sendable {
        public var detections: Int
        public var tracks: Int
        public var framesWithRedaction: Int
        public init(detections: Int, tracks: Int, framesWithRedaction: Int) {
            self.detections = detections
            self.tracks = tracks
            self.framesWithRedaction = framesWithRedaction
        }
    }

    public init(software: String, createdAt: Date, job: String, input: FileFacts, output: FileFacts, videoFrames: Int,
                models: [String: String], parameters: RedactionJob, segments: [Segment],
                detections: DetectionCounts) {
        formatVersion = Self.formatVersion
        self.software = software
        self.createdAt = ISO8601DateFormatter().string(from: createdAt)
        self.job = job
        self.input = input
        self.output = output
        self.videoFrames = videoFrames
        self.models = models
        self.parameters = parameters
        self.segments = segments
        self.detections = detections
        segmentChain = Self.chain(segments)
    }

    /// UTC, to the second, as every time in a manifest is written.
    public static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// h₀ = SHA-256("redactfarm-segment-chain-v1"), then each segment linked in turn (`SegmentChain`).
    public static func chain(_ segments: [Segment]) -> String {
        var chain = SegmentChain()
        for s in segments { chain.add(s) }
        return chain.link
    }
}

/// A manifest with its signature, as stored on disk.
///
/// What is signed is the manifest's canonical JSON: parsed and re-serialised with sorted keys
/// and no escaped slashes. Verification canonicalises the manifest object found in the file
/// the same way, so it does not depend on how this program's types encode (a `Set`'s order,
/// say), only on the JSON text.
public enum SignedManifest {
    public static let algorithm = "Ed25519"

    /// How the file is written: pretty, sorted keys, slashes as they are.
    static let fileOptions: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]

    /// The signed manifest file's bytes.
    public static func encode(_ manifest: RedactionManifest, signedBy identity: FarmIdentity) throws(MediaError) -> [UInt8] {
        var bytes = BinaryWriter()
        var header = manifest
        header.segments = []
        try write(header, segments: manifest.segments, sign: sign(identity, manifest.output.path), into: &bytes)
        return bytes.bytes
    }

    /// Writes the signed manifest file to `path` atomically, one segment at a time
    /// (`SignedManifestLayout`): what a 100,000-segment job's finish writes.
    public static func write(_ manifest: RedactionManifest, signedBy identity: FarmIdentity, to path: String) throws(MediaError) {
        var header = manifest
        header.segments = []
        try write(header, segments: manifest.segments, signedBy: identity, to: path)
    }

    /// As above, with the segments read from `segments` (twice: for the signed text, then for
    /// the file) instead of held in `manifest`, whose own list must be empty and whose
    /// `segmentChain` must already be theirs.
    public static func write(_ manifest: RedactionManifest, segments: some ManifestSegments, signedBy identity: FarmIdentity,
                             to path: String) throws(MediaError) {
        _ = try AtomicOutput.writeHashed(to: path) { (file) throws(MediaError) in
            try write(manifest, segments: segments, sign: sign(identity, manifest.output.path), into: &file)
        }
    }

    /// `sign` gives the signature block for the canonical text.
    static func write<Sink: ByteSink>(_ manifest: RedactionManifest, segments: some ManifestSegments,
                                      sign: ([UInt8]) throws(MediaError) -> [String: Any], into sink: inout Sink) throws(MediaError) {
        let layout = try SignedManifestLayout(manifest, segments: segments)
        try layout.writeFile(signature: sign(layout.canonicalText()), into: &sink)
    }

    private static func sign(_ identity: FarmIdentity, _ path: String) -> ([UInt8]) throws(MediaError) -> [String: Any] {
        { (canonical) throws(MediaError) in
            let signature: Data
            do { signature = try identity.signing.signature(for: canonical) } catch {
                throw MediaError(path: path, reason: "cannot sign the manifest: \(error)")
            }
            return ["algorithm": algorithm, "publicKey": identity.publicKey.signing, "value": signature.base64EncodedString()]
        }
    }

    public struct Opened: Sendable {
        public var manifest: RedactionManifest
        /// The signer's Ed25519 public key, base64, as recorded in the file.
        public var publicKey: String
        public var signatureValid: Bool
        /// The signature itself (base64): where the release chain starts.
        public var signature: String
    }

    public static func open(_ bytes: [UInt8], path: String) throws(MediaError) -> Opened {
        guard let file = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let object = file["manifest"], let signature = file["signature"] as? [String: Any]
        else { throw MediaError(path: path, reason: "not a RedactFarm manifest") }
        guard signature["algorithm"] as? String == algorithm, let key = signature["publicKey"] as? String,
              let value = signature["value"] as? String, let signatureBytes = Data(base64Encoded: value),
              let keyBytes = Data(base64Encoded: key),
              let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
        else { throw MediaError(path: path, reason: "the manifest's signature block is missing or malformed") }
        let manifest: RedactionManifest
        do {
            manifest = try JSONDecoder().decode(RedactionManifest.self, from: JSONSerialization.data(withJSONObject: object))
        } catch {
            throw MediaError(path: path, reason: "the manifest does not have the expected fields (\(error))")
        }
        guard RedactionManifest.readableVersions.contains(manifest.formatVersion) else {
            throw MediaError(path: path, reason: "manifest format version \(manifest.formatVersion) is not supported")
        }
        let canonical = (try? canonicalBytes(object)) ?? Data()
        return Opened(manifest: manifest, publicKey: key, signatureValid: publicKey.isValidSignature(signatureBytes, for: canonical),
                      signature: value)
    }

    static func canonicalBytes(_ object: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
