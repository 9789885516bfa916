/// How track ids are given out, so that ids from segments processed apart never collide and a
/// reviewer's decision names one track in the whole file: segment `i`'s tracks are numbered
/// from `i × perSegment`, and hand-drawn ones (corrections) from `manual`, far above.
public enum TrackIDs {
    public static let perSegment = 1_000_000
    /// Exact in JavaScript (the review page), above any segment's ids for a billion segments.
    public static let manual = 1_000_000_000_000_000

    public static func first(ofSegment index: Int) -> Int { index * perSegment }
}
