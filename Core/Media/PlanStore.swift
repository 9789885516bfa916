import Foundation
import RedactSupport

/// Reads and writes plan.json.
public enum PlanStore {
    public static func write(_ plan: SegmentPlan, to directory: String) throws(MediaError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let path = directory + "/" + SegmentPlan.fileName
        guard let data = try? encoder.encode(plan) else { throw MediaError(path: path, reason: "cannot encode the plan") }
        try AtomicOutput.write(Array(data), to: path)
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
