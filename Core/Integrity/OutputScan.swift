import CFFmpeg
import RedactMedia
import RedactSupport

/// One pass over an output for `verify`: its video packet count (every video stream's), and
/// per stream its type, codec, packet count and the payload hash its packets (or, for an
/// attachment, its bytes) give.
struct OutputScan {
    struct Stream {
        var type: String
        var codec: String
        var hash = PayloadHash()
        var isChapterTrack: Bool
        /// Packets of a video stream (not hashed: each segment is checked on its own).
        var videoPackets = 0
    }

    var videoPackets = 0
    var streams: [Int: Stream] = [:]
    var chapters: [ChapterRecord]

    init(path: String) throws(MediaError) {
        let input = try MediaInput(path: path)
        let videos = Set(try input.videoStreams())
        for i in 0..<input.streamCount {
            let st = input.stream(i)
            let report = StreamReport(st)
            var entry = Stream(type: report.type, codec: report.codec, isChapterTrack: StreamPlan.isChapterTrack(st, in: input))
            if report.type == "attachment" { entry.hash.add(CodecParameters.extradata(of: st)) }
            streams[i] = entry
        }
        chapters = ChapterRecord.all(in: input.context)
        input.selectStreams(Set(streams.filter { !$0.value.isChapterTrack }.keys))
        while let (index, packet) = try input.readPacket() {
            if videos.contains(index) {
                videoPackets += 1
                streams[index]?.videoPackets += 1
            } else {
                streams[index]?.hash.add(packet.data)
            }
        }
    }
}
