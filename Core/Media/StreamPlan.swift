import CFFmpeg

/// What happens to each stream of a source: the video is redacted, every other stream is
/// copied bit for bit unless the user asked for its kind to be dropped (or, for audio,
/// muted: copied but for the packets that sound in a muted stretch), and an MP4's chapter
/// text track is carried as the chapters it encodes (the muxer writes it anew from them).
/// Decided once, before any work, by the same code the stitch follows, so what the preflight
/// promises is what the output holds; the manifest lists every entry with what was done.
public struct StreamPlan: Codable, Equatable, Sendable {
    public var entries: [Entry]

    public struct Entry: Codable, Equatable, Sendable {
        public var index: Int
        /// video, audio, subtitle, data or attachment.
        public var type: String
        public var codec: String
        public var language: String?
        public var disposition: [String]
        /// An attachment's file name (Matroska fonts, documents).
        public var fileName: String?
        public var action: Action
        /// Why it was dropped, or how it is carried when that is not obvious.
        public var reason: String?
    }

    public enum Action: String, Codable, Sendable {
        case redacted, copied, dropped
        /// An MP4 chapter track: carried as the file's chapters.
        case chapters
        /// Audio copied but for the packets re-encoded to mute it (`AudioMuter`).
        case muted
        /// An attached picture (cover art), examined like a video frame and written back,
        /// redacted, in its own codec (`CoverArtRedactor`).
        case redactedPicture = "redacted-picture"

        /// The stream is written from the source's packets (all of them, or all but the muted).
        public var isCarried: Bool { self == .copied || self == .muted }

        /// The output's packets of the stream are hashed into the record (the redacted video
        /// is checked by its segments instead).
        public var hasPayloadRecord: Bool { isCarried || self == .redactedPicture }
    }

    /// Stream kinds `--drop-streams` accepts; `cover` is an attached picture (cover art).
    public static let droppableTypes: Set<String> = ["audio", "subtitle", "data", "attachment", "cover"]

    /// Why the plan cannot be carried out safely: a cover picture is examined for faces and
    /// redacted, so a job that looks for none (`examined` false: `--targets none`, or a
    /// coordinator without the face model) cannot keep it, and neither can one whose picture
    /// libavcodec cannot write back. Dropping it on request is recorded like any dropped stream.
    package func coverArtRefusal(examined: Bool, why notExamined: String, muxer: String) -> String? {
        guard let cover = entries.first(where: { $0.action == .redactedPicture }) else { return nil }
        let leave = "--drop-streams cover leaves it out, recorded in the manifest"
        guard examined else {
            return "stream \(cover.index) is an attached picture (cover art), which could show a face, and \(notExamined); \(leave)"
        }
        guard ["mp4", "mov", "3gp", "ipod", "matroska"].contains(muxer) else {
            return "stream \(cover.index) is an attached picture (cover art), which this build writes back redacted only in MP4, MOV and Matroska, not \(muxer); \(leave)"
        }
        guard let id = CodecParameters.codecID(named: cover.codec), avcodec_find_encoder(id) != nil, avcodec_find_decoder(id) != nil else {
            return "stream \(cover.index) is an attached picture (cover art) in \(cover.codec), which this FFmpeg cannot decode and write back redacted; \(leave)"
        }
        return nil
    }

    /// Decides for every stream of `input`; `videos` are the streams that are redacted.
    package static func decide(_ input: MediaInput, videos: Set<Int>, dropping: Set<String>, audio: AudioTreatment? = nil) -> StreamPlan {
        var entries: [Entry] = []
        for i in 0..<input.streamCount {
            let st = input.stream(i)
            let report = StreamReport(st)
            var entry = Entry(index: i, type: report.type, codec: report.codec, language: report.language,
                              disposition: report.disposition, fileName: Self.tag(st, "filename"), action: .copied, reason: nil)
            if videos.contains(i) {
                entry.action = .redacted
            } else if isChapterTrack(st, in: input) {
                entry.action = .chapters
                entry.reason = "the MP4 chapter track; written again from the chapters"
            } else if report.disposition.contains("attached-pic") {
                entry.action = dropping.contains("cover") ? .dropped : .redactedPicture
                entry.reason = dropping.contains("cover") ? "--drop-streams cover" : "cover art: examined for faces and written back redacted in its own codec"
            } else if dropping.contains(report.type) {
                entry.action = .dropped
                entry.reason = "--drop-streams \(report.type)"
            } else if report.type == "audio", let audio, audio.mode != .keep {
                entry.action = audio.mode == .drop ? .dropped : .muted
                entry.reason = audio.mode == .drop ? "--audio drop" : audio.summary
            }
            entries.append(entry)
        }
        return StreamPlan(entries: entries)
    }

    /// The mov demuxer turns the text track a `chap` reference points at into chapters and
    /// leaves the track behind as a data stream it discards (mov.c, `mov_read_chapters`).
    /// Asked before `selectStreams` changes what is discarded.
    package static func isChapterTrack(_ st: UnsafeMutablePointer<AVStream>, in input: MediaInput) -> Bool {
        input.formatName.hasPrefix("mov") && input.context.pointee.nb_chapters > 0
            && st.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_DATA && st.pointee.discard == AVDISCARD_ALL
    }

    static func tag(_ st: UnsafeMutablePointer<AVStream>, _ key: String) -> String? {
        av_dict_get(st.pointee.metadata, key, nil, 0).map { String(cString: $0.pointee.value) }
    }

    /// Streams written from the source's packets: copied, or muted.
    public var carried: [Entry] { entries.filter { $0.action.isCarried } }
}

/// A chapter as the manifest lists it: times in seconds from the container's clock.
public struct ChapterRecord: Codable, Equatable, Sendable {
    public var start: Double
    public var end: Double
    public var title: String?

    package static func all(in context: UnsafeMutablePointer<AVFormatContext>) -> [ChapterRecord] {
        (0..<Int(context.pointee.nb_chapters)).compactMap { i in
            guard let c = context.pointee.chapters[i] else { return nil }
            let tb = Double(c.pointee.time_base.num) / Double(c.pointee.time_base.den)
            let title = av_dict_get(c.pointee.metadata, "title", nil, 0).map { String(cString: $0.pointee.value) }
            return ChapterRecord(start: Double(c.pointee.start) * tb, end: Double(c.pointee.end) * tb, title: title)
        }
    }
}
