import Foundation
import RedactSupport

/// The signed manifest file laid out one segment at a time, byte for byte what serialising
/// the whole manifest as one Foundation object gives (`ManifestTests` holds it to that). At
/// 100,000 segments that object, parsed back from `JSONEncoder`'s output and serialised twice
/// more (canonical, then pretty), held the finishing coordinator's memory above a gigabyte.
///
/// Both texts are compositional. The canonical one (compact, sorted keys) of the manifest is
/// the header's with `"segments":[]` filled by the segments' own canonical texts, comma
/// separated. The pretty one (two spaces a level) is the header's with its empty `segments`
/// array filled by each segment's own pretty text, its lines indented three levels (the file,
/// the manifest, the array). Each segment's canonical text is made once (`ManifestSegments`:
/// by the spool as the stitch writes the segment, or from an array) and copied into the signed
/// text; its pretty text is that text laid out again (`PrettyJSON`), one segment at a time.
struct SignedManifestLayout {
    private let segments: any ManifestSegments
    private let path: String
    /// The manifest without its segments, as JSON objects: the start of both texts.
    private let header: Any
    /// The canonical text around the segments: up to and including `[`, and from `]`.
    private let canonicalHead: ArraySlice<UInt8>, canonicalTail: ArraySlice<UInt8>

    private static let emptyCanonical = Array(#""segments":[]"#.utf8)
    /// The manifest's `segments` key is at depth 2 of the file, where keys are indented by
    /// four spaces; a deeper key of that name (there is none) would be indented further.
    private static let emptyPretty = Array("\n    \"segments\" : [\n\n    ]".utf8)
    private static let itemIndent = Array("      ".utf8)

    /// `manifest`'s own segments must be empty: they are `segments`.
    init(_ manifest: RedactionManifest, segments: any ManifestSegments) throws(MediaError) {
        path = manifest.output.path
        guard manifest.segments.isEmpty else {
            throw MediaError(path: path, reason: "cannot lay out the manifest (its segments are given twice)")
        }
        self.segments = segments
        header = try Self.object(manifest, path: path)
        let canonical = Array(try Self.canonical(header, path: path))
        let at = try ByteSearch.onlyOccurrence(of: Self.emptyCanonical, in: canonical, laying: "the manifest", path: path)
        let split = at + Self.emptyCanonical.count - 1  // the closing bracket
        canonicalHead = canonical[..<split]
        canonicalTail = canonical[split...]
    }

    /// What is signed: the manifest's canonical JSON.
    func canonicalText() throws(MediaError) -> [UInt8] {
        var out = BinaryWriter()
        out.write(Array(canonicalHead))
        var first = true
        try segments.eachCanonicalText { (text) throws(MediaError) in
            if !first { out.write(UInt8(ascii: ",")) }
            first = false
            out.write(Array(text))
        }
        out.write(Array(canonicalTail))
        return out.bytes
    }

    /// The file: the manifest and `signature`, pretty-printed with sorted keys.
    func writeFile<Sink: ByteSink>(signature: [String: Any], into sink: inout Sink) throws(MediaError) {
        let file: [String: Any] = ["manifest": header, "signature": signature]
        let pretty = Array(try Self.serialise(file, options: SignedManifest.fileOptions, path: path))
        let at = try ByteSearch.onlyOccurrence(of: Self.emptyPretty, in: pretty, laying: "the manifest", path: path)
        let open = at + Self.emptyPretty.count - "\n\n    ]".utf8.count  // just after `[`
        sink.write(Array(pretty[..<open]))
        var written = 0
        try segments.eachCanonicalText { (canonical) throws(MediaError) in
            sink.write(Array((written > 0 ? ",\n" : "\n").utf8))
            written += 1
            let text = PrettyJSON.fromCompact(canonical)
            for (n, line) in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
                if n > 0 { sink.write(UInt8(ascii: "\n")) }
                if !line.isEmpty { sink.write(Self.itemIndent) }
                sink.write(Array(line))
            }
        }
        sink.write(Array(pretty[(open + (written == 0 ? 0 : 1))...]))
    }

    static func object<T: Encodable>(_ value: T, path: String) throws(MediaError) -> Any {
        do {
            return try JSONSerialization.jsonObject(with: JSONEncoder().encode(value))
        } catch {
            throw MediaError(path: path, reason: "cannot encode the manifest: \(error)")
        }
    }

    static func canonical(_ object: Any, path: String) throws(MediaError) -> Data {
        do { return try SignedManifest.canonicalBytes(object) } catch {
            throw MediaError(path: path, reason: "cannot encode the manifest: \(error)")
        }
    }

    private static func serialise(_ object: Any, options: JSONSerialization.WritingOptions, path: String) throws(MediaError) -> Data {
        do { return try JSONSerialization.data(withJSONObject: object, options: options) } catch {
            throw MediaError(path: path, reason: "cannot encode the manifest: \(error)")
        }
    }
}
