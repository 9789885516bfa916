import Foundation
import RedactSupport

/// A manifest's segments, in order, as the writers and checks that go through them once or
/// more read them: an array where the manifest is whole, or a spool on disk where a finishing
/// coordinator writes the manifest of a file of 100,000 segments without holding them.
public protocol ManifestSegments {
    func eachSegment(_ body: (RedactionManifest.Segment) throws(MediaError) -> Void) throws(MediaError)
    /// Each segment's canonical JSON text (compact, sorted keys: what is signed).
    func eachCanonicalText(_ body: (ArraySlice<UInt8>) throws(MediaError) -> Void) throws(MediaError)
}

extension Array: ManifestSegments where Element == RedactionManifest.Segment {
    public func eachSegment(_ body: (RedactionManifest.Segment) throws(MediaError) -> Void) throws(MediaError) {
        for segment in self { try body(segment) }
    }

    public func eachCanonicalText(_ body: (ArraySlice<UInt8>) throws(MediaError) -> Void) throws(MediaError) {
        for segment in self { try body(try segment.canonicalText()[...]) }
    }
}

/// A manifest's segments spooled to disk as the stitch writes them, each as its canonical
/// text, made once: signing copies the lines as they are, and only the pretty file text and
/// the copy check parse them again.
public final class ManifestSegmentSpool: ManifestSegments {
    private let lines: LineSpool
    public var count: Int { lines.count }
    public var path: String { lines.path }

    public init(path: String) throws(MediaError) {
        lines = try LineSpool(path: path)
    }

    public func append(_ segment: RedactionManifest.Segment) throws(MediaError) {
        try lines.append(segment.canonicalText())
    }

    /// No more segments: reading may begin.
    public func close() throws(MediaError) { try lines.close() }

    public func eachSegment(_ body: (RedactionManifest.Segment) throws(MediaError) -> Void) throws(MediaError) {
        let decoder = JSONDecoder()
        var n = 0
        try lines.forEach { (line) throws(MediaError) in
            n += 1
            let segment: RedactionManifest.Segment
            do { segment = try decoder.decode(RedactionManifest.Segment.self, from: Data(line)) } catch {
                throw MediaError(path: lines.path, reason: "segment record \(n) cannot be read back: \(error)")
            }
            try body(segment)
        }
    }

    public func eachCanonicalText(_ body: (ArraySlice<UInt8>) throws(MediaError) -> Void) throws(MediaError) {
        try lines.forEach(body)
    }
}

extension RedactionManifest.Segment {
    /// What is signed of this segment: its canonical JSON (no line feed: compact, and any in
    /// a string is escaped).
    func canonicalText() throws(MediaError) -> [UInt8] {
        let name = "segment \(index)"
        return Array(try SignedManifestLayout.canonical(SignedManifestLayout.object(self, path: name), path: name))
    }
}

/// The segment chain (`RedactionManifest.segmentChain`) linked one segment at a time.
public struct SegmentChain: Sendable {
    public private(set) var link = SHA256Hex.of(Array("redactfarm-segment-chain-v1".utf8))

    public init() {}

    /// hᵢ = SHA-256(hᵢ₋₁ ‖ "index|in|out|frames|first|last"), with "|copied|payload" added for
    /// a copied segment, "|reused|payload" for a reused one, and "|gop|first|packets|payload"
    /// for each GOP of a redacted one that is the source's.
    public mutating func add(_ s: RedactionManifest.Segment) {
        var record = "\(s.index)|\(s.inputSHA256)|\(s.outputSHA256)|\(s.frameCount)|\(s.ptsFirst)|\(s.ptsLast)"
        if s.isCopied { record += "|copied|\(s.copiedPayloadSHA256 ?? "")" }
        if s.isReused { record += "|reused|\(s.reusedPayloadSHA256 ?? "")" }
        for gop in s.copiedGOPs ?? [] { record += "|gop|\(gop.firstPacket)|\(gop.packets)|\(gop.payloadSHA256)" }
        link = SHA256Hex.of(Array((link + record).utf8))
    }
}
