/// How a process's cores are shared by its segment slots, so a machine runs every core and
/// none twice: each slot decodes and encodes on one thread (a few percent of the work) and
/// runs inference, the bulk, on its share of the cores. Slots beyond the cores still get one
/// inference thread each (oversubscribed, and said so).
public struct ThreadBudget: Sendable, Equatable, CustomStringConvertible {
    public let cores: Int
    public let slots: Int

    public init(cores: Int, slots: Int) {
        self.cores = max(1, cores)
        self.slots = max(1, slots)
    }

    public var inferenceThreadsPerSlot: Int { max(1, cores / slots) }
    public let decoderThreads = 1
    public let encoderThreads = 1
    public var isOversubscribed: Bool { slots > cores }

    public var description: String {
        "\(slots) slot(s) on \(cores) core(s): \(inferenceThreadsPerSlot) inference thread(s), \(decoderThreads) decoding and \(encoderThreads) encoding thread per slot"
            + (isOversubscribed ? " (more slots than cores: oversubscribed)" : "")
    }
}
