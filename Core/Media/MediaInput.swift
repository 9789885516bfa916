import CFFmpeg
import Foundation
import RedactSupport

/// An opened source file: the demuxer and its streams. One owner, one reader; not shared
/// between tasks.
public final class MediaInput {
    public let path: String
    package let context: UnsafeMutablePointer<AVFormatContext>
    private let packet = PacketBuffer()
    private var selected: Set<Int>? = nil
    /// The frame rate given for a raw elementary stream whose header states none (`--fps`);
    /// only raw video demuxers take it.
    public let frameRateOverride: Rational?

    public init(path: String, frameRate: Rational? = nil) throws(MediaError) {
        frameRateOverride = frameRate
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw MediaError(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw MediaError(path: path, reason: "is a folder, not a video file") }
        guard FileBytes.size(of: path) > 0 else {
            throw MediaError(path: path, reason: "file is empty")
        }
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        var options: OpaquePointer? = nil
        defer { av_dict_free(&options) }
        if let frameRate { av_dict_set(&options, "framerate", "\(frameRate.num)/\(frameRate.den)", 0) }
        let opened = avformat_open_input(&ctx, path, nil, &options)
        guard opened >= 0, let ctx else {
            if Self.startsLikeMP4(path) {
                throw MediaError(path: path, reason: "not a readable media file: an MP4/MOV without a readable index (moov box), most likely cut short while it was written or copied")
            }
            throw MediaError(path: path, reason: "not a readable media file (\(AVError.message(opened)))")
        }
        context = ctx
        let found = avformat_find_stream_info(ctx, nil)
        if found < 0 {
            var owned: UnsafeMutablePointer<AVFormatContext>? = ctx
            avformat_close_input(&owned)
            throw MediaError(path: path, reason: "cannot read stream information (\(AVError.message(found)))")
        }
        self.path = path
    }

    /// An ISO media file opens with an `ftyp` box.
    private static func startsLikeMP4(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 8)) ?? Data()
        return head.count == 8 && head.suffix(4) == Data("ftyp".utf8)
    }

    deinit {
        var owned: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&owned)
    }

    public var formatName: String { String(cString: context.pointee.iformat.pointee.name) }
    public var formatLongName: String {
        context.pointee.iformat.pointee.long_name.map { String(cString: $0) } ?? formatName
    }
    public var streamCount: Int { Int(context.pointee.nb_streams) }

    package func stream(_ index: Int) -> UnsafeMutablePointer<AVStream> {
        context.pointee.streams[index]!
    }

    /// The stream to redact. Fails closed: a file with a second real video stream (another
    /// camera angle) cannot be redacted safely by processing only one, so it is refused. An
    /// attached picture (cover art) is not the video; the preflight refuses a file that
    /// would carry one unredacted (`StreamPlan.coverArtRefusal`).
    public func primaryVideoStream() throws(MediaError) -> Int {
        let candidates = try videoStreams()
        guard candidates.count == 1 else {
            throw MediaError(path: path, reason: "\(candidates.count) video streams (\(candidates.map(String.init).joined(separator: ", "))); only files with one video stream can be redacted")
        }
        return candidates[0]
    }

    /// Every stream to redact, in the file's order: each video stream but attached pictures
    /// (cover art, which `CoverArtRedactor` handles as a picture). At least one, or an error.
    public func videoStreams() throws(MediaError) -> [Int] {
        let candidates = (0..<streamCount).filter { i in
            let st = stream(i)
            return st.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO
                && st.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC == 0
        }
        guard !candidates.isEmpty else { throw MediaError(path: path, reason: "no video stream") }
        return candidates
    }

    /// Only packets of these streams are returned; the demuxer skips the rest (for MP4,
    /// without even reading their bytes).
    public func selectStreams(_ wanted: Set<Int>) {
        selected = wanted
        for i in 0..<streamCount {
            stream(i).pointee.discard = wanted.contains(i) ? AVDISCARD_DEFAULT : AVDISCARD_ALL
        }
    }

    /// The next packet in file order, or nil at the end. Read errors other than the end of
    /// the file are errors: a truncated file must not look like a short one.
    public func readPacket() throws(MediaError) -> (stream: Int, packet: EncodedPacket)? {
        while true {
            packet.unref()
            let result = av_read_frame(context, packet.pointer)
            if result == AVError.eof { return nil }
            try AVError.check(result, path, "read failed")
            defer { packet.unref() }
            let index = Int(packet.pointer.pointee.stream_index)
            // Packets buffered while probing stream info come back whatever `discard` says.
            if let selected, !selected.contains(index) { continue }
            return (index, EncodedPacket(packet.pointer))
        }
    }

    /// The number of samples the container's index promises for a stream (MP4/MOV and AVI
    /// carry one), used to tell a truncated file from a short one.
    public func indexedPacketCount(stream index: Int) -> Int? {
        let n = Int(avformat_index_get_entries_count(stream(index)))
        guard n > 0, formatName.hasPrefix("mov") else { return nil }
        return n
    }
}
