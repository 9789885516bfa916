/// The clips every frame-exactness test runs over, with the segment length that makes each
/// of them cut several times, and what the cuts must exercise.
struct CorpusClip: CustomTestStringConvertible, Sendable {
    var name: String
    var segmentSeconds: Double
    var minSegments: Int
    /// Whether some cut must land on an open-GOP point (so the prefix path is exercised).
    var expectsDecodePrefix: Bool = false

    var testDescription: String { name }

    static let all: [CorpusClip] = [
        .init(name: "h264_bframes.mp4", segmentSeconds: 1, minSegments: 5),
        .init(name: "h264_opengop.ts", segmentSeconds: 1, minSegments: 5, expectsDecodePrefix: true),
        .init(name: "hevc_opengop.mkv", segmentSeconds: 1, minSegments: 5, expectsDecodePrefix: true),
        .init(name: "mpeg4_ac3.avi", segmentSeconds: 1, minSegments: 5),
        .init(name: "vfr.mp4", segmentSeconds: 1, minSegments: 4),
        .init(name: "long_gop.mp4", segmentSeconds: 1, minSegments: 3),
        .init(name: "h264_1080p.mp4", segmentSeconds: 1, minSegments: 3),
        .init(name: "mjpeg.mov", segmentSeconds: 0.5, minSegments: 6),
        .init(name: "rotated.mp4", segmentSeconds: 1, minSegments: 4),
        .init(name: "carphone_pristine.mp4", segmentSeconds: 1, minSegments: 1),
        .init(name: "bikes.mp4", segmentSeconds: 1, minSegments: 5),
        .init(name: "chapters_attachment.mkv", segmentSeconds: 1, minSegments: 3),
        .init(name: "chapters.mp4", segmentSeconds: 1, minSegments: 3),
        .init(name: "tswrap.ts", segmentSeconds: 1, minSegments: 3),
    ]
}

import Testing
