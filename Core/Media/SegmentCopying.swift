/// Whether a file's segments that need nothing hidden can go into the output as the source's
/// own packets, bit for bit, beside re-encoded ones. Decided per file at split time, before
/// any work, and recorded in the plan; each segment is then checked again by the worker that
/// examined it (`reasonNotToCopy`). The rules and the containers they cover are in
/// docs/segment-copy.md.
public struct SegmentCopying: Codable, Equatable, Sendable {
    /// The SPS/PPS id the re-encoded segments use: one the source does not, so a decoder
    /// holds both sets at once. nil when copying is not possible for this file.
    public var parameterSetID: Int?
    /// Why not, when it is not.
    public var unavailable: String?

    public static func unavailable(_ reason: String) -> SegmentCopying { SegmentCopying(parameterSetID: nil, unavailable: reason) }

    /// Containers whose H.264 can hold two sets of parameter sets: in one avcC (MP4, MOV,
    /// Matroska, FLV's sequence header) or in band at each keyframe (MPEG-TS, raw Annex B, AVI
    /// as DVRs write it).
    static let containers: Set<String> = ["mp4", "mov", "matroska", "flv", "avi", "mpegts", "h264"]

    /// `firstKeyframe`: the source's first video keyframe, whose in-band parameter sets count
    /// as the source's too.
    public static func decide(source: CodecParameters, muxer: String, firstKeyframe: [UInt8]) -> SegmentCopying {
        guard source.codecName == "h264" else {
            return .unavailable("\(source.codecName) segments are always re-encoded: copying untouched GOPs is built for H.264 only")
        }
        guard containers.contains(muxer) else {
            return .unavailable("H.264 segments in \(muxer) are always re-encoded: copying untouched GOPs is supported in MP4, MOV, Matroska, FLV, AVI, MPEG-TS and raw H.264")
        }
        // AVI as DVRs write it carries Annex B with the parameter sets in band; an avcC in an
        // AVI's stream header is rare, and two sets in one is not something its readers expect.
        if muxer == "avi", source.extradata.first == 1 {
            return .unavailable("H.264 in AVI with its parameter sets in the stream header (avcC) is always re-encoded: copying untouched GOPs in AVI needs them in band")
        }
        guard let choice = try? EncoderChoice.choose(source: source, muxer: muxer, settings: EncoderSettings()), choice.family == .x264,
              choice.note == nil
        else { return .unavailable("the video is re-encoded in another codec, so no source GOP can be copied beside it") }
        let sets = sourceParameterSets(source, firstKeyframe: firstKeyframe)
        guard !sets.sequence.isEmpty, !sets.picture.isEmpty else {
            return .unavailable("the source's H.264 parameter sets were not found where a copied GOP would need them")
        }
        guard let id = sets.freeID else { return .unavailable("the source uses every H.264 parameter set id") }
        return SegmentCopying(parameterSetID: id, unavailable: nil)
    }

    static func sourceParameterSets(_ source: CodecParameters, firstKeyframe: [UInt8]) -> H264ParameterSets {
        var sets = H264ParameterSets(extradata: source.extradata)
        sets.add(packet: firstKeyframe, inspector: KeyframeInspector(codec: source))
        return sets
    }

    /// Why `segment` (the source's packets) cannot be copied into an output whose re-encoded
    /// segments use parameter set `id`, or nil if it can. Nothing about what the segment
    /// shows: that is the worker's finding.
    public static func reasonNotToCopy(_ segment: SegmentFile, parameterSetID id: Int, muxer: String) -> String? {
        let owned = segment.ownedPackets
        guard let first = owned.first else { return "it owns no frame" }
        guard owned.count == segment.shownPackets.count else { return "an edit list hides some of its frames" }
        let inspector = KeyframeInspector(codec: segment.codec)
        // Another encoder's GOP can follow it only if it starts clean: an open GOP's leading
        // pictures would reference re-encoded frames.
        guard first.isKeyframe, inspector.kind(of: first.data) == .idr else { return "it does not start with an IDR picture" }
        var inBand = H264ParameterSets()
        for p in owned where p.isKeyframe { inBand.add(packet: p.data, inspector: inspector) }
        if inBand.sequenceIDs.contains(id) || inBand.pictureIDs.contains(id) {
            return "its own parameter sets use id \(id), the re-encoded segments' id"
        }
        // Where parameter sets travel in band, the copied GOP must bring its own.
        let outOfBand = segment.codec.extradata.first == 1
        if !outOfBand || ["mpegts", "h264"].contains(muxer) {
            var opening = H264ParameterSets()
            opening.add(packet: first.data, inspector: inspector)
            if opening.sequence.isEmpty || opening.picture.isEmpty { return "its first picture does not carry its parameter sets" }
        }
        return nil
    }
}
