/// The pretty layout `JSONSerialization` gives (`.prettyPrinted`: two spaces a level, `" : "`
/// between key and value, an empty container as its brackets on lines of their own with a
/// blank line between) laid over compact JSON it wrote with the same other options: only
/// whitespace is added, so the keys' order, the strings' escapes and the numbers' digits are
/// the compact text's. The manifest's segments are written this way from their canonical
/// text instead of being parsed back and serialised again, which was most of a
/// 100,000-segment job's finish (`ManifestTests` holds the file to the whole object's, byte
/// for byte).
enum PrettyJSON {
    static func fromCompact<C: Collection>(_ text: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 2)
        var depth = 0
        var inString = false, escaped = false
        func newline(_ level: Int) {
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * level))
        }
        var i = text.startIndex
        while i != text.endIndex {
            let byte = text[i]
            i = text.index(after: i)
            if inString {
                out.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                out.append(byte)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(byte)
                depth += 1
                if i != text.endIndex, text[i] == UInt8(ascii: "}") || text[i] == UInt8(ascii: "]") {
                    out.append(UInt8(ascii: "\n"))  // empty: a blank line between its brackets
                } else {
                    newline(depth)
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                newline(depth)
                out.append(byte)
            case UInt8(ascii: ","):
                out.append(byte)
                newline(depth)
            case UInt8(ascii: ":"):
                out.append(contentsOf: [UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: " ")])
            default:
                out.append(byte)
            }
        }
        return out
    }
}
