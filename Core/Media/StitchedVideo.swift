import CFFmpeg
import RedactSupport

/// One redacted video stream as the stitch writes it: its segments in order, each checked
/// against the plan as it is loaded (the next one read on another thread while this one is
/// written), the evidence of what was copied from the source kept, and decode times kept
/// increasing across the joins. A file with several video streams has one of these per
/// stream, which the stitch interleaves by decode time with the source's other packets.
final class StitchedVideo {
    /// Loads the segment at a position of the plan, checked (its output awaited if need be);
    /// `reference`: the codec parameters a re-encoded segment must share.
    typealias Load = @Sendable (_ position: Int, _ reference: CodecParameters?) throws(MediaError) -> SegmentSource.Loaded

    let record: SegmentPlan.VideoRecord
    /// The stream's segments' positions in the plan, in order.
    let positions: [Int]
    let source: CodecParameters
    /// The first re-encoded segment's parameters (nil when every segment is copied): the
    /// stream's in the output, and every other re-encoded segment's.
    let reference: CodecParameters?
    private let load: Load
    private var firstReencoded: (position: Int, loaded: SegmentSource.Loaded)?

    /// Known once the stream is in the output (`add(to:like:)`).
    private(set) var outIndex = -1
    private var outputTimeBase = Rational(num: 1, den: 1)
    private var admitsCopies = false
    /// Re-encoded packets are Annex B beside Annex B extradata; under the merged avcC or
    /// hvcC they must be length-prefixed as the copied ones are.
    private var prefixLength: Int?
    /// Copied segments must agree with the first copied one (the source's parameters).
    private var copiedSegmentCodec: CodecParameters?

    /// The segment being written: its place in `positions`, its packets, the next to write.
    private var ordinal = 0
    private var current: SegmentSource.Loaded
    private var owned: ArraySlice<EncodedPacket>
    private var copyHash: PayloadHash?
    /// In a re-encoded segment, the GOPs whose written packets are the source's.
    private var gops: CopiedGOPFinder
    private var prefetched: BackgroundJob<SegmentSource.Loaded>?
    private var lastDTS = Int64.min
    /// Frames written so far.
    private(set) var frames = 0

    /// Loads the first segment and the first re-encoded one (waiting for it in order, as
    /// the output's parameters are its).
    init(record: SegmentPlan.VideoRecord, positions: [Int], source: CodecParameters,
         isCopy: (Int) throws(MediaError) -> Bool, load: @escaping Load) throws(MediaError) {
        precondition(!positions.isEmpty)
        self.record = record
        self.positions = positions
        self.source = source
        self.load = load
        var reencoded: Int? = nil
        for position in positions where try !isCopy(position) {
            reencoded = position
            break
        }
        let first = try load(positions[0], nil)
        let firstReencoded = try reencoded.map { (p) throws(MediaError) -> (position: Int, loaded: SegmentSource.Loaded) in
            (p, p == positions[0] ? first : try load(p, nil))
        }
        // Kept until its turn comes, unless it is the first, in hand already.
        self.firstReencoded = firstReencoded?.position == positions[0] ? nil : firstReencoded
        reference = firstReencoded?.loaded.segment.codec
        current = first
        owned = first.segment.ownedPackets
        copyHash = nil
        gops = CopiedGOPFinder(segment: 0, source: nil, packets: 0)
    }

    /// Puts the stream in `output` with the parameters its segments can share (the record's
    /// `copying` says whether the source's segments were numbered apart to be copied beside
    /// the re-encoded ones).
    func add(to output: MediaOutput, like stream: UnsafeMutablePointer<AVStream>) throws(MediaError) {
        let chosen = try Stitcher.videoParameters(reencoded: reference, source: source, copying: record.copying)
        admitsCopies = chosen.admitsCopies
        outIndex = try output.addVideoStream(encoded: chosen.parameters, like: stream)
        prefixLength = reference.map { !$0.extradata.isEmpty && $0.extradata.first != 1 && chosen.parameters.extradata != $0.extradata } == true
            ? KeyframeInspector(codec: chosen.parameters).nalLengthSize : nil
    }

    /// After `add(to:like:)` and the output's header (which may change its time base).
    func start(in output: MediaOutput) throws(MediaError) {
        outputTimeBase = output.timeBase(ofStream: outIndex)
        try begin(current)
    }

    /// The next packet to write, as the segment has it.
    var next: EncodedPacket? { owned.first }

    /// The next packet's decode time in seconds (its pts where it has no dts).
    var nextDecodeTime: Double? { next.map { Stitcher.decodeTime($0, current.segment.timeBase.avRational) } }

    /// Takes the next packet as it is to be written (framed as the output's, its decode time
    /// after the one before), with its time base. `finished` is told of each segment once
    /// its last packet has been taken.
    func take(finished: (WrittenSegment) throws(MediaError) -> Void) throws(MediaError) -> (packet: EncodedPacket, timeBase: Rational) {
        var packet = owned.removeFirst()
        let tb = current.segment.timeBase
        copyHash?.add(packet.data)
        if !current.isCopy, let prefixLength { packet.data = NALFraming.lengthPrefixed(annexB: packet.data, lengthSize: prefixLength) }
        gops.add(packet.data)
        packet.dts = try Stitcher.monotonicDTS(packet, in: tb, after: lastDTS, outputTimeBase: outputTimeBase,
                                               segment: positions[ordinal], path: current.path)
        if packet.dts != EncodedPacket.noTimestamp {
            lastDTS = av_rescale_q(packet.dts, tb.avRational, outputTimeBase.avRational)
        }
        frames += 1
        while owned.isEmpty, ordinal < positions.count {
            let done = positions[ordinal]
            try finished(WrittenSegment(index: done,
                                        copy: copyHash.map { CopiedSegment(index: done, packets: $0.packets, payloadSHA256: $0.finalize()) },
                                        copiedGOPs: gops.finish()))
            ordinal += 1
            guard ordinal < positions.count else { break }
            try begin(try prefetched!.result())
        }
        return (packet, tb)
    }

    /// Starts writing the segment at `ordinal`, and reads the one after it meanwhile.
    private func begin(_ loaded: SegmentSource.Loaded) throws(MediaError) {
        let position = positions[ordinal]
        if loaded.isCopy {
            if copiedSegmentCodec == nil { copiedSegmentCodec = loaded.segment.codec }
            guard admitsCopies, loaded.segment.codec.isJoinable(with: copiedSegmentCodec!), loaded.segment.codec.codecID == source.codecID
            else {
                throw MediaError(path: loaded.path, reason: "segment \(position) is to be copied from the source, but it cannot share the stream with the others")
            }
        }
        current = loaded
        owned = loaded.segment.ownedPackets
        copyHash = loaded.isCopy ? PayloadHash() : nil
        gops = CopiedGOPFinder(segment: position, source: loaded.source.map { Array($0.ownedPackets) }, packets: owned.count)
        prefetched = nil
        guard ordinal + 1 < positions.count else { return }
        let after = positions[ordinal + 1]
        if after == firstReencoded?.position, let ready = firstReencoded?.loaded {
            prefetched = BackgroundJob { () throws(MediaError) in ready }
            firstReencoded = nil
        } else {
            let (load, reference) = (self.load, self.reference)
            prefetched = BackgroundJob { () throws(MediaError) in try load(after, reference) }
        }
    }
}
