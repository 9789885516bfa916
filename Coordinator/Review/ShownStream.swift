import RedactCoordinator
import RedactCore

/// The video stream a review page shows, named the three ways it is known: by its index in
/// the source (as the manifest, `ffprobe` and `--stream` give it), by its index in the output,
/// and as the detections sidecar and the leak audit name it (nil for the file's first video
/// stream, whose frames name none).
struct ShownStream: Equatable {
    var source: Int
    /// nil: the output's only video stream (a manifest that does not list its streams).
    var output: Int?
    var sidecar: Int?
    /// Every redacted video stream's index in the source, in order.
    var all: [Int]
    var several: Bool { all.count > 1 }
    /// The source's index where the file has several video streams; nil for its only one,
    /// which needs no naming (and a manifest that does not list streams has no index for it).
    var named: Int? { several ? source : nil }

    static func choose(_ wanted: Int?, in manifest: RedactionManifest, output path: String) throws(MediaError) -> ShownStream {
        let videos = (manifest.streams ?? []).filter { $0.stream.action == .redacted }
        let all = videos.map(\.stream.index)
        guard let first = videos.first else {
            if let wanted { throw MediaError(path: path, reason: "its manifest does not list its streams (written by an older version), so --stream \(wanted) cannot be found in it") }
            return ShownStream(source: 0, output: nil, sidecar: nil, all: [])
        }
        let chosen = wanted ?? first.stream.index
        guard let outcome = videos.first(where: { $0.stream.index == chosen }) else {
            throw MediaError(path: path, reason: "has no redacted video stream \(chosen) (--stream takes the source's index of one: \(all.map(String.init).joined(separator: ", ")))")
        }
        guard let output = outcome.outputIndex else { throw MediaError(path: path, reason: "its manifest gives video stream \(chosen) no place in it") }
        return ShownStream(source: chosen, output: output, sidecar: chosen == first.stream.index ? nil : chosen, all: all)
    }
}
