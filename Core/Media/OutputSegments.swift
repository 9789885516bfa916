import CFFmpeg
import RedactSupport

/// An output's video packets cut back into the segments it was stitched from (by their
/// frame counts, as `CopiedSegmentCheck` counts them), as segment files a stitch can join
/// again: how a re-render takes the segments whose coverage did not change from the earlier
/// output, bit for bit, instead of encoding them anew.
public enum OutputSegments {
    public struct Extracted: Sendable {
        public var index: Int
        /// Packets as a re-encoding worker returns them: Annex B for H.264 and HEVC, in `timeBase`.
        public var segment: SegmentFile
        /// `PayloadHash` over the packets exactly as the earlier output holds them.
        public var packets: Int
        public var payloadSHA256: String
    }

    /// `wanted`: the segments to take; `timeBase`: the source's, which the segment files are
    /// in. `inBandParameterSets`: the output format carries H.264 parameter sets in the
    /// stream (MPEG-TS), as the encoder then writes them, so the segments declare none.
    /// `parameterSetID`: where the earlier stitch listed the source's parameter sets beside
    /// the re-encoded ones (`SegmentCopying`), the id of the re-encoded ones.
    public static func read(path: String, videoStream: Int, frameCounts: [Int], wanted: Set<Int>, timeBase: Rational,
                            inBandParameterSets: Bool, parameterSetID: Int?,
                            _ body: (Extracted) throws(MediaError) -> Void) throws(MediaError) {
        let input = try MediaInput(path: path)
        guard videoStream < input.streamCount else { throw MediaError(path: path, reason: "has no stream \(videoStream)") }
        let stream = input.stream(videoStream)
        var codec = CodecParameters(stream.pointee.codecpar)
        let streamTimeBase = Rational(stream.pointee.time_base)
        let isH264 = codec.codecID == AV_CODEC_ID_H264.rawValue, isHEVC = codec.codecID == AV_CODEC_ID_HEVC.rawValue
        let lengthSize = isH264 || isHEVC ? KeyframeInspector(codec: codec).nalLengthSize : nil
        if isH264 {
            codec.extradata = inBandParameterSets ? [] : Self.encoderExtradata(codec.extradata, parameterSetID: parameterSetID)
        } else if isHEVC {
            codec.extradata = inBandParameterSets ? [] : Self.hevcEncoderExtradata(codec.extradata, parameterSetID: parameterSetID)
        }
        // An output made before its re-encoded sets were numbered so (HEVC in MP4 and Matroska
        // was re-encoded whole until the sets could be renumbered): its segments would not
        // join the ones encoded now.
        if (isH264 || isHEVC), !inBandParameterSets, let id = parameterSetID, codec.extradata.isEmpty {
            throw MediaError(path: path, reason: "its re-encoded segments' parameter sets are not numbered \(id), as this version numbers them beside copied ones (it was made by an earlier version), so they cannot be reused; redact the source again with `run --corrections`")
        }
        input.selectStreams([videoStream])
        var segment = 0, inSegment = 0
        var packets: [EncodedPacket] = []
        var hash = PayloadHash()
        func close() throws(MediaError) {
            guard wanted.contains(segment) else { return }
            try body(Extracted(index: segment, segment: SegmentFile(codec: codec, timeBase: timeBase, decodePrefixCount: 0, packets: packets),
                               packets: hash.packets, payloadSHA256: hash.finalize()))
            packets = []
            hash = PayloadHash()
        }
        while let (_, read) = try input.readPacket() {
            guard read.flags & AV_PKT_FLAG_DISCARD == 0 else { continue }
            while segment < frameCounts.count, inSegment == frameCounts[segment] {
                try close()
                segment += 1
                inSegment = 0
            }
            guard segment < frameCounts.count else { break }
            inSegment += 1
            guard wanted.contains(segment) else { continue }
            hash.add(read.data)
            var packet = read
            if let lengthSize { packet.data = NALFraming.annexB(lengthPrefixed: read.data, lengthSize: lengthSize) }
            if streamTimeBase != timeBase {
                for t in [\EncodedPacket.pts, \EncodedPacket.dts] where packet[keyPath: t] != EncodedPacket.noTimestamp {
                    packet[keyPath: t] = av_rescale_q(packet[keyPath: t], streamTimeBase.avRational, timeBase.avRational)
                }
                packet.duration = av_rescale_q(packet.duration, streamTimeBase.avRational, timeBase.avRational)
            }
            packets.append(packet)
        }
        guard segment == frameCounts.count - 1, inSegment == frameCounts[segment] else {
            throw MediaError(path: path, reason: "holds other video frames than its manifest's \(frameCounts.count) segments of \(frameCounts.reduce(0, +)) frames")
        }
        try close()
    }

    /// The same for HEVC, from the hvcC the muxer or the stitch wrote: every NAL unit in it,
    /// in its order (x265's VPS, SPS, PPS and information SEI, as the muxer took them from
    /// x265's extradata), or where the source's were listed beside them the VPS, SPS and PPS
    /// numbered `parameterSetID` (the renumbering encoder declares no more).
    static func hevcEncoderExtradata(_ extradata: [UInt8], parameterSetID: Int?) -> [UInt8] {
        guard extradata.first == 1, let arrays = HEVCParameterSets.arrays(ofHVCC: extradata) else { return extradata }
        guard let id = parameterSetID else { return NALFraming.annexB(arrays.flatMap(\.nals)) }
        let sets = HEVCParameterSets(extradata: extradata)
        return NALFraming.annexB(sets.video.filter { HEVCParameterSets.videoID($0) == id } + sets.sequence.filter { HEVCParameterSets.sequenceID($0) == id }
            + sets.picture.filter { HEVCParameterSets.pictureID($0) == id })
    }

    /// The Annex B parameter sets the encoder declared, from the avcC the stitch wrote: all
    /// of them, or (where the source's were listed beside them) those numbered `parameterSetID`.
    static func encoderExtradata(_ extradata: [UInt8], parameterSetID: Int?) -> [UInt8] {
        guard extradata.first == 1 else { return extradata }
        let sets = H264ParameterSets(extradata: extradata)
        let sps = sets.sequence.filter { parameterSetID == nil || H264ParameterSets.sequenceID($0) == parameterSetID }
        let pps = sets.picture.filter { parameterSetID == nil || H264ParameterSets.sequenceIDOfPicture($0) == parameterSetID }
        return NALFraming.annexB(sps + pps)
    }
}
