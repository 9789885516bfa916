/// A GOP inside a re-encoded segment whose packets are the source's, byte for byte: found by
/// the stitch comparing what it writes with the source segment's packets at the same places,
/// GOP by GOP (from a source keyframe to the next), so the record states what the file holds,
/// whatever produced it. `PayloadHash` over the packets, which `verify --source` recomputes
/// from the output and from the source.
public struct CopiedGOP: Codable, Equatable, Sendable {
    public var segment: Int
    /// The GOP's first packet, counted in decode order from the segment's first.
    public var firstPacket: Int
    public var packets: Int
    public var payloadSHA256: String
    public init(segment: Int, firstPacket: Int, packets: Int, payloadSHA256: String) {
        self.segment = segment
        self.firstPacket = firstPacket
        self.packets = packets
        self.payloadSHA256 = payloadSHA256
    }
}

/// Finds, packet by packet as a re-encoded segment is written, the GOPs (a source keyframe to
/// the next) whose written bytes are the source segment's at the same places.
struct CopiedGOPFinder {
    let segment: Int
    let source: [EncodedPacket]?
    private var index = 0
    private var start = 0
    private var matches = true
    private var hash = PayloadHash()
    private var found: [CopiedGOP] = []

    /// `source`: the source segment's own packets, or nil to find nothing; a count other than
    /// the written segment's finds nothing either.
    init(segment: Int, source: [EncodedPacket]?, packets: Int) {
        self.segment = segment
        self.source = source?.count == packets ? source : nil
    }

    mutating func add(_ written: [UInt8]) {
        guard let source else { return }
        if index > 0, source[index].isKeyframe { close() }
        matches = matches && written == source[index].data
        // Once one of its packets differs from the source's, the GOP is not a copy and the
        // rest of it need not be hashed.
        if matches { hash.add(written) }
        index += 1
    }

    mutating func finish() -> [CopiedGOP] {
        if source != nil { close() }
        return found
    }

    private mutating func close() {
        if matches, index > start, source?[start].isKeyframe == true {
            found.append(CopiedGOP(segment: segment, firstPacket: start, packets: index - start, payloadSHA256: hash.finalize()))
        }
        start = index
        matches = true
        hash = PayloadHash()
    }
}
