/// A time typed on the command line, counted from the video's first frame: seconds (`12.5`)
/// or a clock reading, minutes and seconds (`01:02.5`) or hours too (`1:00:02.500`). One
/// reading for every option that takes times (`--zone …@FROM-UNTIL`, `--mute`).
public enum ClockTime {
    /// The seconds `text` names, or nil when it is not such a time.
    public static func seconds(_ text: String) -> Double? {
        let fields = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(fields.count), let last = Double(fields.last!), last.isFinite, last >= 0 else { return nil }
        guard fields.count == 1 || last < 60 else { return nil }
        var total = last, scale = 60.0
        for field in fields.dropLast().reversed() {
            guard !field.isEmpty, field.allSatisfy(\.isASCII), field.allSatisfy(\.isNumber), let n = Double(field) else { return nil }
            if scale == 60, fields.count == 3, n >= 60 { return nil }
            total += n * scale
            scale *= 60
        }
        return total
    }
}
