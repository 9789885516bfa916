/// Finding a byte string in another: where the JSON writers splice pieces into a text
/// encoded without them.
public enum ByteSearch {
    /// Every offset at which `needle` starts in `haystack`, overlapping ones included.
    public static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        guard let first = needle.first, haystack.count >= needle.count else { return [] }
        var found: [Int] = []
        haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                for i in 0...(h.count - n.count) where h[i] == first {
                    if (1..<n.count).allSatisfy({ h[i + $0] == n[$0] }) { found.append(i) }
                }
            }
        }
        return found
    }

    /// Where `needle` is in `haystack`, which must hold it exactly once: the empty `segments`
    /// array a writer splices into `what` (quotes inside JSON strings are escaped, so a key's
    /// text can only come from a key).
    public static func onlyOccurrence(of needle: [UInt8], in haystack: [UInt8], laying what: String,
                                      path: String) throws(MediaError) -> Int {
        let found = occurrences(of: needle, in: haystack)
        guard found.count == 1 else {
            throw MediaError(path: path, reason: "cannot lay out \(what) (its segments found \(found.count) times)")
        }
        return found[0]
    }
}
