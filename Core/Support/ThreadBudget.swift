/// How a process's cores are shared by its segment slots, so a machine runs every core and
/// none twice: each slot decodes on one thread and runs inference, the bulk, on its share of
/// the cores. Encoding is one thread, or x264's two frame threads (`VideoEncoder.threads`),
/// which share the slot's core while every slot is busy and take an idle one at a file's end.
/// Slots beyond the cores still get one inference thread each (oversubscribed, and said so).
public struct ThreadBudget: Sendable, Equatable, CustomStringConvertible {
    public let cores: Int
    public let slots: Int

    public init(cores: Int, slots: Int) {
        self.cores = max(1, cores)
        self.slots = max(1, slots)
    }

    public var inferenceThreadsPerSlot: Int { max(1, cores / slots) }
    public let decoderThreads = 1
    /// Frame threads per x264 encoder (`VideoEncoder.threads`); other encoders use one.
    public static let x264EncoderThreads = 2
    public var isOversubscribed: Bool { slots > cores }

    public var description: String {
        "\(slots) slot(s) on \(cores) core(s): \(inferenceThreadsPerSlot) inference thread(s), \(decoderThreads) decoding thread and up to \(Self.x264EncoderThreads) encoding threads (x264's frame threads) per slot"
            + (isOversubscribed ? " (more slots than cores: oversubscribed)" : "")
    }
}
