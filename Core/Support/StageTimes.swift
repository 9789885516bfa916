import Dispatch

/// Where one segment's processing time went, in milliseconds: what the benchmark breaks a
/// run down by. Decoding is what the passes took outside the per-frame work (the decoder's
/// own time, context frames included).
public struct StageTimes: Sendable, Equatable, Codable, CustomStringConvertible {
    public var decode = 0.0
    public var detect = 0.0
    public var track = 0.0
    public var redact = 0.0
    public var encode = 0.0

    public init() {}

    public var total: Double { decode + detect + track + redact + encode }

    public static func += (a: inout StageTimes, b: StageTimes) {
        a.decode += b.decode
        a.detect += b.detect
        a.track += b.track
        a.redact += b.redact
        a.encode += b.encode
    }

    public var description: String {
        String(format: "decode %.0f ms, detect %.0f ms, track %.0f ms, redact %.0f ms, encode %.0f ms", decode, detect, track, redact, encode)
    }

    /// Milliseconds since `start` (from `StageTimes.clock`).
    public static func elapsed(since start: UInt64) -> Double { Double(clock - start) / 1_000_000 }

    /// Monotonic nanoseconds.
    public static var clock: UInt64 { DispatchTime.now().uptimeNanoseconds }
}
