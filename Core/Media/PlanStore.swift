import Foundation
import RedactSupport

/// Reads and writes plan.json.
public enum PlanStore {
    /// Written one segment at a time, a line each, into the plan encoded without them: the
    /// whole plan of a 100,000-segment file through `JSONEncoder` at once took hundreds of
    /// megabytes at the end of the split, which the coordinator then kept resident.
    public static func write(_ plan: SegmentPlan, to directory: String) throws(MediaError) {
        let path = directory + "/" + SegmentPlan.fileName
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func encode<T: Encodable>(_ value: T) throws(MediaError) -> [UInt8] {
            do { return Array(try encoder.encode(value)) } catch { throw MediaError(path: path, reason: "cannot encode the plan: \(error)") }
        }
        var header = plan
        header.segments = []
        let text = try encode(header)
        let empty = Array(#""segments":[]"#.utf8)
        let close = try ByteSearch.onlyOccurrence(of: empty, in: text, laying: "the plan", path: path) + empty.count - 1
        _ = try AtomicOutput.writeHashed(to: path) { (file) throws(MediaError) in
            file.write(Array(text[..<close]))
            for (i, record) in plan.segments.enumerated() {
                file.write(Array((i == 0 ? "\n" : ",\n").utf8))
                file.write(try encode(record))
            }
            file.write(Array((plan.segments.isEmpty ? "" : "\n").utf8))
            file.write(Array(text[close...]))
        }
    }

    public static func read(directory: String) throws(MediaError) -> SegmentPlan {
        let path = directory + "/" + SegmentPlan.fileName
        return try decode(try FileBytes.read(path), path: path)
    }

    /// Parses plan.json's bytes; anything but a plan of this format version is refused.
    public static func decode(_ bytes: [UInt8], path: String) throws(MediaError) -> SegmentPlan {
        let plan: SegmentPlan
        do {
            plan = try JSONDecoder().decode(SegmentPlan.self, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, _) {
            throw MediaError(path: path, reason: "not a valid segment plan (missing \(key.stringValue))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw MediaError(path: path, reason: "not a valid segment plan (bad value at \(field))")
        } catch {
            throw MediaError(path: path, reason: "not a valid segment plan (not JSON)")
        }
        guard plan.formatVersion == SegmentPlan.formatVersion else {
            throw MediaError(path: path, reason: "plan format version \(plan.formatVersion) is not supported (this is \(SegmentPlan.formatVersion))")
        }
        return plan
    }
}
