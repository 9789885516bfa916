/// How many threads each detector may use for inference: one per worker slot on a farm, so
/// slots never oversubscribe the cores; all of them for a single audit. Set before the first
/// detector runs.
public enum InferenceThreads {
    public static func set(_ n: Int) {
        OpenVINONetwork.threads = n
    }

    /// What was set (0: the runtime chooses).
    public static var current: Int { OpenVINONetwork.threads }
}
