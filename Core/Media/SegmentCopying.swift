/// Whether a file's segments that need nothing hidden can go into the output as the source's
/// own packets, bit for bit, beside re-encoded ones. Decided per file at split time, before
/// any work, and recorded in the plan; each segment is then checked again by the worker that
/// examined it (`reasonNotToCopy`). The rules and the containers they cover are in
/// docs/segment-copy.md.
public struct SegmentCopying: Codable, Equatable, Sendable {
    /// The SPS/PPS id the re-encoded segments use. H.264: one the source does not, so a
    /// decoder holds both sets at once. HEVC in band (MPEG-TS, raw): the encoder's own, 0,
    /// which the source's may share: every GOP of either kind opens with its own VPS, SPS and
    /// PPS, which take over at its IDR, where a new coded video sequence may redefine them.
    /// HEVC under an hvcC (MP4, MOV, Matroska): `HEVCRenumbering.id`, which x265's output is
    /// rewritten to and the source does not use, so one hvcC lists both. nil when copying is
    /// not possible for this file.
    public var parameterSetID: Int?
    /// Why not, when it is not.
    public var unavailable: String?

    public static func unavailable(_ reason: String) -> SegmentCopying { SegmentCopying(parameterSetID: nil, unavailable: reason) }

    /// Containers whose H.264 can hold two sets of parameter sets: in one avcC (MP4, MOV,
    /// Matroska, FLV's sequence header) or in band at each keyframe (MPEG-TS, raw Annex B, AVI
    /// as DVRs write it).
    static let containers: Set<String> = ["mp4", "mov", "matroska", "flv", "avi", "mpegts", "h264"]

    /// Containers whose HEVC carries its parameter sets in band at each keyframe, as NVRs
    /// write it.
    static let hevcContainers: Set<String> = ["mpegts", "hevc"]

    /// Containers whose HEVC keeps its parameter sets in an hvcC (one VPS/SPS/PPS per id):
    /// the re-encoded GOPs' are renumbered and listed beside the source's.
    static let hevcRecordContainers: Set<String> = ["mp4", "mov", "matroska"]

    /// `firstKeyframe`: the source's first video keyframe, whose in-band parameter sets count
    /// as the source's too.
    public static func decide(source: CodecParameters, muxer: String, firstKeyframe: [UInt8]) -> SegmentCopying {
        if source.codecName == "hevc" { return decideHEVC(source: source, muxer: muxer, firstKeyframe: firstKeyframe) }
        guard source.codecName == "h264" else {
            return .unavailable("\(source.codecName) segments are always re-encoded: copying untouched GOPs is built for H.264 and HEVC only")
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

    private static func decideHEVC(source: CodecParameters, muxer: String, firstKeyframe: [UInt8]) -> SegmentCopying {
        guard hevcContainers.contains(muxer) || hevcRecordContainers.contains(muxer) else {
            return .unavailable("HEVC segments in \(muxer) are always re-encoded: copying untouched GOPs of HEVC is supported in MP4, MOV, Matroska, MPEG-TS and raw HEVC")
        }
        guard let choice = try? EncoderChoice.choose(source: source, muxer: muxer, settings: EncoderSettings()), choice.family == .x265,
              choice.note == nil
        else { return .unavailable("the video is re-encoded in another codec, so no source GOP can be copied beside it") }
        if hevcRecordContainers.contains(muxer) {
            guard source.extradata.first == 1 else {
                return .unavailable("the source's HEVC in \(muxer) has no hvcC record to list the re-encoded GOPs' parameter sets beside its own")
            }
            var sets = HEVCParameterSets(extradata: source.extradata)
            sets.add(packet: firstKeyframe, inspector: KeyframeInspector(codec: source))
            guard !sets.video.isEmpty, !sets.sequence.isEmpty, !sets.picture.isEmpty, let used = sets.ids else {
                return .unavailable("the source's HEVC parameter sets were not found where a copied GOP would need them")
            }
            guard !used.contains(HEVCRenumbering.id) else {
                return .unavailable("the source uses HEVC parameter set id \(HEVCRenumbering.id), the one the re-encoded GOPs would take")
            }
            return SegmentCopying(parameterSetID: HEVCRenumbering.id, unavailable: nil)
        }
        if muxer == "mpegts", openingDelimiter(of: firstKeyframe) == nil {
            return .unavailable("the source's HEVC pictures have no access unit delimiters, which the MPEG-TS muxer would add to every copied one")
        }
        guard KeyframeInspector(codec: source).carriesHEVCParameterSets(firstKeyframe) else {
            return .unavailable("the source's HEVC keyframes do not carry their parameter sets (VPS, SPS and PPS) in band, which a copied GOP after a re-encoded one needs")
        }
        return SegmentCopying(parameterSetID: 0, unavailable: nil)
    }

    /// The access unit delimiter the source's HEVC pictures open with, behind a three-byte
    /// start code, or nil when they open without one. A re-encoded picture that follows a
    /// copied one must open the way the source's pictures do: the copied picture's trailing
    /// zero byte is the first of the source's next four-byte start code, and a demuxer that
    /// splits the written stream into pictures hands it to the copied picture again only if
    /// the next one begins with the other three, as every source picture but the file's
    /// first does (x265's own begins with a four-byte start code and no delimiter, which gave
    /// the copied picture a second zero byte; MPEG-TS's muxer would add a delimiter of its own).
    public static func hevcDelimiter(of segment: SegmentFile) -> [UInt8]? {
        // Only Annex B is split into pictures by start codes (under an hvcC, NAL lengths do it).
        guard segment.codec.codecName == "hevc", segment.codec.extradata.first != 1, let first = segment.ownedPackets.first?.data else { return nil }
        return openingDelimiter(of: first).map { [0, 0, 1] + $0 }
    }

    /// `picture` opening with `delimiter`, unless it already opens with an access unit delimiter.
    public static func delimited(_ picture: [UInt8], by delimiter: [UInt8]) -> [UInt8] {
        openingDelimiter(of: picture) == nil ? delimiter + picture : picture
    }

    /// The access unit delimiter an Annex B HEVC picture opens with (its three bytes: NAL
    /// header and picture type, behind a start code of any length), or nil.
    static func openingDelimiter(of picture: [UInt8]) -> ArraySlice<UInt8>? {
        var i = 0
        while i < picture.count, picture[i] == 0 { i += 1 }
        guard i >= 2, i + 3 < picture.count, picture[i] == 1, (picture[i + 1] >> 1) & 0x3F == 35 else { return nil }
        return picture[(i + 1)...(i + 3)]
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
        if segment.codec.codecName == "hevc" {
            guard id == HEVCRenumbering.id else {
                // The GOP before it in the output may be re-encoded, with other sets under the same ids.
                return inspector.carriesHEVCParameterSets(first.data) ? nil : "its first picture does not carry its parameter sets"
            }
            // Under one hvcC: its own sets, out of band or in, must keep clear of the re-encoded ones' id.
            var inBand = HEVCParameterSets()
            for p in owned where p.isKeyframe { inBand.add(packet: p.data, inspector: inspector) }
            guard let used = inBand.ids, !used.contains(id) else { return "its own parameter sets use id \(id), the re-encoded segments' id" }
            return nil
        }
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
