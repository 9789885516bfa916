import Dispatch

/// Monotonic milliseconds, for heartbeats, leases and throughput: wall-clock time can jump.
public enum MonotonicClock {
    public static var now: UInt64 { DispatchTime.now().uptimeNanoseconds / 1_000_000 }
    public static func since(_ t: UInt64) -> Int { Int(now - t) }
}
