import CFFmpeg
import Foundation
import RedactSupport

/// A file being muxed, written to a temporary beside its final name and moved into place only
/// by `finish()`: an interrupted or failed write never leaves a file that looks complete.
package final class MediaOutput {
    let path: String
    /// nil for a trial writer, which writes to memory only (the preflight's header check).
    private let atomic: AtomicOutput?
    private var context: UnsafeMutablePointer<AVFormatContext>
    private let packet = PacketBuffer()
    private var headerWritten = false
    private var finished = false
    /// Each output stream's last decode time written (its own time base), to name a stream
    /// whose copied times go backwards instead of FFmpeg's bare "Invalid argument".
    private var lastDTS: [Int: Int64] = [:]

    package init(path: String, muxer: String) throws(MediaError) {
        let atomic = try AtomicOutput(finalPath: path)
        self.atomic = atomic
        self.path = path
        context = try Self.allocate(muxer: muxer, path: path, fileName: atomic.temporaryPath)
    }

    /// A writer that writes to memory and is never finished: what `writeHeader` says of it
    /// is what the real file's header would say.
    package init(trialOf muxer: String, label: String) throws(MediaError) {
        atomic = nil
        path = label
        context = try Self.allocate(muxer: muxer, path: label, fileName: nil)
    }

    private static func allocate(muxer: String, path: String, fileName: String?) throws(MediaError) -> UnsafeMutablePointer<AVFormatContext> {
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        let made = avformat_alloc_output_context2(&ctx, nil, muxer, fileName)
        guard made >= 0, let ctx else {
            throw MediaError(path: path, reason: "cannot create a \(muxer) writer (\(AVError.message(made)))")
        }
        return ctx
    }

    deinit {
        if headerWritten && !finished { av_write_trailer(context) }
        if context.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
            if atomic == nil {
                var buffer: UnsafeMutablePointer<UInt8>? = nil
                if context.pointee.pb != nil { _ = avio_close_dyn_buf(context.pointee.pb, &buffer) }
                av_free(buffer)
                context.pointee.pb = nil
            } else {
                avio_closep(&context.pointee.pb)
            }
        }
        avformat_free_context(context)
    }

    var muxer: UnsafePointer<AVOutputFormat> { context.pointee.oformat }

    /// Whether the container can carry the codec; unknown counts as yes and is left to the
    /// muxer to refuse.
    func canHold(_ codecID: AVCodecID) -> Bool {
        avformat_query_codec(muxer, codecID, FF_COMPLIANCE_NORMAL) != 0
    }

    /// Adds a stream described by `parameters`, carrying over the source stream's time base,
    /// metadata (language, title, ...), disposition and side data (rotation, HDR).
    package func addStream(parameters: UnsafePointer<AVCodecParameters>, like source: UnsafeMutablePointer<AVStream>) throws(MediaError) -> Int {
        guard let st = avformat_new_stream(context, nil) else { throw MediaError(path: path, reason: "out of memory") }
        try AVError.check(avcodec_parameters_copy(st.pointee.codecpar, parameters), path, "cannot copy stream parameters")
        st.pointee.codecpar.pointee.codec_tag = Self.compatibleTag(parameters.pointee, for: muxer)
        Self.clearStreamCopyBlockAlign(st.pointee.codecpar)
        st.pointee.time_base = source.pointee.time_base
        st.pointee.avg_frame_rate = source.pointee.avg_frame_rate
        st.pointee.r_frame_rate = source.pointee.r_frame_rate
        st.pointee.sample_aspect_ratio = source.pointee.sample_aspect_ratio
        st.pointee.disposition = source.pointee.disposition
        av_dict_copy(&st.pointee.metadata, source.pointee.metadata, 0)
        try AVError.check(rf_stream_copy_side_data(st, source), path, "cannot copy stream side data")
        return Int(st.pointee.index)
    }

    /// Adds a picture as a Matroska attachment (its bytes the stream's extradata, its file name
    /// and MIME type from the source's tags): how Matroska holds cover art, which its demuxer
    /// hands out again as an attached picture. This FFmpeg's Matroska muxer would otherwise
    /// write an attached picture as a one-frame video track.
    package func addAttachment(picture: [UInt8], like source: UnsafeMutablePointer<AVStream>) throws(MediaError) -> Int {
        guard let st = avformat_new_stream(context, nil) else { throw MediaError(path: path, reason: "out of memory") }
        let par = st.pointee.codecpar!
        par.pointee.codec_type = AVMEDIA_TYPE_ATTACHMENT
        par.pointee.codec_id = source.pointee.codecpar.pointee.codec_id
        guard let extradata = av_mallocz(picture.count + Int(AV_INPUT_BUFFER_PADDING_SIZE))?.assumingMemoryBound(to: UInt8.self) else {
            throw MediaError(path: path, reason: "out of memory")
        }
        picture.withUnsafeBufferPointer { extradata.update(from: $0.baseAddress!, count: picture.count) }
        par.pointee.extradata = extradata
        par.pointee.extradata_size = Int32(picture.count)
        av_dict_copy(&st.pointee.metadata, source.pointee.metadata, 0)
        return Int(st.pointee.index)
    }

    /// Adds the redacted video: the source stream's parameters (and so its metadata and side
    /// data) with what the encoder produced in place of the source's codec. In the same codec
    /// the source's tag is kept where the container takes it: hvc1 stays hvc1 (QuickTime and
    /// iOS refuse hev1), which the encoder's parameter sets in extradata (and only there) allow.
    package func addVideoStream(encoded: CodecParameters, like source: UnsafeMutablePointer<AVStream>) throws(MediaError) -> Int {
        let par = avcodec_parameters_alloc()!
        var owned: UnsafeMutablePointer<AVCodecParameters>? = par
        defer { avcodec_parameters_free(&owned) }
        try AVError.check(avcodec_parameters_copy(par, source.pointee.codecpar), path, "cannot copy stream parameters")
        let sourceTag = source.pointee.codecpar.pointee.codec_tag
        try encoded.apply(to: par)
        // H.264 and HEVC tags say where the parameter sets are (avc1 in extradata, avc3 in
        // band): kept only when the encoder wrote extradata too. Other codecs keep theirs
        // (an Xvid AVI stays XVID, which old players look for).
        let inBandMatters = [AV_CODEC_ID_H264, AV_CODEC_ID_HEVC].contains(par.pointee.codec_id)
        if par.pointee.codec_tag == 0, par.pointee.codec_id == source.pointee.codecpar.pointee.codec_id, !inBandMatters || !encoded.extradata.isEmpty {
            par.pointee.codec_tag = sourceTag
        }
        return try addStream(parameters: par, like: source)
    }

    /// As fftools does for stream copy: keep the source's codec tag (hvc1 vs hev1, avc1 vs
    /// avc3 matter to players) when the container accepts it.
    private static func compatibleTag(_ par: AVCodecParameters, for format: UnsafePointer<AVOutputFormat>) -> UInt32 {
        guard let tags = format.pointee.codec_tag else { return par.codec_tag }
        var tmp: UInt32 = 0
        if av_codec_get_id(tags, par.codec_tag) == par.codec_id || av_codec_get_tag2(tags, par.codec_id, &tmp) == 0 {
            return par.codec_tag
        }
        return 0
    }

    /// Demuxers report a block_align for AC-3 (and odd ones for MP3) that, written back, makes
    /// AVI treat the stream as fixed-size blocks and renumber its timestamps; fftools clears
    /// it on stream copy for the same reason.
    private static func clearStreamCopyBlockAlign(_ par: UnsafeMutablePointer<AVCodecParameters>) {
        let id = par.pointee.codec_id
        if id == AV_CODEC_ID_AC3 || (id == AV_CODEC_ID_MP3 && [1, 576, 1152].contains(par.pointee.block_align)) {
            par.pointee.block_align = 0
        }
    }

    func copyContainerMetadata(from input: MediaInput) {
        av_dict_copy(&context.pointee.metadata, input.context.pointee.metadata, 0)
    }

    /// Every chapter of the source with its times and metadata (titles), as fftools'
    /// `copy_chapters` does without a cut.
    func copyChapters(from input: MediaInput) throws(MediaError) {
        try AVError.check(rf_copy_chapters(context, input.context), path, "cannot copy the chapters")
    }

    package func writeHeader(options: [String: String]) throws(MediaError) {
        if muxer.pointee.flags & AVFMT_NOFILE == 0 {
            if let atomic {
                try AVError.check(avio_open(&context.pointee.pb, atomic.temporaryPath, AVIO_FLAG_WRITE), path, "cannot open for writing")
            } else {
                try AVError.check(avio_open_dyn_buf(&context.pointee.pb), path, "cannot open a memory buffer")
            }
        }
        var dict: OpaquePointer? = nil
        for (k, v) in options { av_dict_set(&dict, k, v, 0) }
        defer { av_dict_free(&dict) }
        try AVError.check(avformat_write_header(context, &dict), path, "cannot write the container header")
        headerWritten = true
    }

    func timeBase(ofStream index: Int) -> Rational { Rational(context.pointee.streams[index]!.pointee.time_base) }

    /// Writes a packet whose timestamps are in `timeBase`.
    func write(_ p: EncodedPacket, stream index: Int, timeBase: Rational) throws(MediaError) {
        packet.unref()
        try p.fill(packet.pointer)
        packet.pointer.pointee.stream_index = Int32(index)
        let st = context.pointee.streams[index]!
        av_packet_rescale_ts(packet.pointer, timeBase.avRational, st.pointee.time_base)
        let dts = packet.pointer.pointee.dts
        if dts != EncodedPacket.noTimestamp, let last = lastDTS[index], dts < last {
            let seconds = { (t: Int64) in String(format: "%.3f s", Double(t) * Rational(st.pointee.time_base).doubleValue) }
            let type = av_get_media_type_string(st.pointee.codecpar.pointee.codec_type).map { String(cString: $0) } ?? "unknown"
            throw MediaError(path: path, reason: "output stream \(index) (\(type)): a packet timed \(seconds(dts)) follows one at \(seconds(last)); "
                             + "the source's timing is damaged there, and a stream carried bit for bit keeps its times"
                             + (StreamPlan.droppableTypes.contains(type) ? " (--drop-streams \(type) leaves it out)" : ""))
        }
        if dts != EncodedPacket.noTimestamp { lastDTS[index] = dts }
        try AVError.check(av_interleaved_write_frame(context, packet.pointer), path, "cannot write a packet of stream \(index)")
    }

    /// Ends the current movie fragment (MP4 written with `frag_custom`): every packet written
    /// so far, the interleaving queue's too, goes into it, and the next packet starts another.
    func endFragment() throws(MediaError) {
        try AVError.check(av_interleaved_write_frame(context, nil), path, "cannot flush the interleaving queue")
        try AVError.check(av_write_frame(context, nil), path, "cannot end a movie fragment")
    }

    func finish() throws(MediaError) {
        try AVError.check(av_write_trailer(context), path, "cannot finish the container")
        finished = true
        if muxer.pointee.flags & AVFMT_NOFILE == 0 {
            try AVError.check(avio_closep(&context.pointee.pb), path, "cannot close the file")
        }
        guard let atomic else { throw MediaError(path: path, reason: "a trial writer is never finished") }
        try atomic.commit()
    }
}
