import Foundation
import RedactCoordinator
import RedactCore

/// `redactfarm review OUT -o DIR`: the review page and the contact sheet of one output, made
/// from its signed manifest, its detections sidecar, the output itself and (for the
/// unredacted crops) the source at the path the manifest records.
public enum ReviewWriter {
    public struct Result: Codable, Sendable {
        public var page: String
        public var contactSheet: String
        public var tracks: Int
        public var tracksWithCrops: Int
        public var verified: Bool
        public var pageBytes: Int
        public var notes: [String]
    }

    /// Frames on the contact sheet, and its layout.
    static let sheetFrames = 12, sheetColumns = 4, sheetThumbWidth = 320, sheetGap = 6
    /// Tracks past this many (longest first) get a card without crops, so the page stays
    /// small enough to open.
    static let maxTracksWithCrops = 200
    static let cropHeight = 96
    /// Whole frames of the output to draw boxes and zones on: `count` evenly spaced over the
    /// file or a stretch of it, plus every frame the leak audit points at.
    public struct DrawingFrames: Sendable {
        public static let defaultCount = 48, maxCount = 2000
        /// JPEG at this width keeps a frame about 20 KB, the default page a few megabytes.
        static let width = 640
        public var count: Int
        public var from: Double?
        public var until: Double?
        public init(count: Int = defaultCount, from: Double? = nil, until: Double? = nil) {
            self.count = count
            self.from = from
            self.until = until
        }

        /// Frame indices (presentation order) chosen among frames at `seconds`.
        func indices(frameSeconds seconds: [Double]) -> [Int] {
            let inRange = seconds.indices.filter { i in seconds[i] >= (from ?? -.infinity) && seconds[i] < (until ?? .infinity) }
            guard !inRange.isEmpty else { return [] }
            let n = min(count, inRange.count)
            return Array(Set((0..<n).map { inRange[$0 * (inRange.count - 1) / max(1, n - 1)] })).sorted()
        }
    }

    /// `stream`: which video stream of a file with several (an NVR's cameras) the page shows,
    /// by its index in the source as the manifest lists it; nil: the first. `carrying`: a
    /// corrections file made on this output (another camera's page, an earlier sitting): the
    /// page starts from its decisions and saves everything in it with its own.
    public static func write(output: String, to directory: String, source: String? = nil, stream: Int? = nil,
                             carrying carried: (corrections: Corrections, path: String)? = nil,
                             drawing drawingChoice: DrawingFrames = DrawingFrames()) throws(MediaError) -> Result {
        guard FileManager.default.fileExists(atPath: output) else { throw MediaError(path: output, reason: "no such file") }
        let manifestPath = OutputSidecars.manifestPath(output)
        guard FileManager.default.fileExists(atPath: manifestPath) else {
            throw MediaError(path: output, reason: "has no signed manifest beside it (\(URL(fileURLWithPath: manifestPath).lastPathComponent)); only a RedactFarm output can be reviewed")
        }
        var manifest = try SignedManifest.open(try FileBytes.read(manifestPath), path: output).manifest
        let shown = try ShownStream.choose(stream, in: manifest, output: output)
        if let carried, let made = carried.corrections.outputSHA256, made != manifest.output.sha256 {
            throw MediaError(path: carried.path, reason: "was made on another output (SHA-256 \(made.prefix(12))…, \(URL(fileURLWithPath: output).lastPathComponent) is \(manifest.output.sha256.prefix(12))…)")
        }
        var notes: [String] = []
        if shown.several, stream == nil {
            notes.append("the output has \(shown.all.count) video streams (source streams \(shown.all.map(String.init).joined(separator: ", "))): this page shows stream \(shown.source); --stream shows another")
        }
        // The page is about one camera: the audit's findings on the others are theirs.
        manifest.audit?.findings.removeAll { $0.stream != shown.sidecar }
        try prepare(directory)
        let verdict: (Bool, String)
        do throws(MediaError) {
            let report = try ManifestVerifier.verify(output: output, source: source)
            verdict = (true, "verified: " + report.checks.joined(separator: ", "))
        } catch {
            verdict = (false, "verify failed: \(error.reason)")
        }
        let tracks = ReviewTracks(report: try OutputRecord.detections(of: output), stream: shown.sidecar)

        let frameCount = tracks.frameSeconds.count
        let sheetIndices = frameCount == 0 ? [] : Array(Set((0..<sheetFrames).map { $0 * (frameCount - 1) / max(1, sheetFrames - 1) })).sorted()
        let cropped = tracks.tracks.sorted { $0.frames > $1.frames }.prefix(maxTracksWithCrops)
        if tracks.tracks.count > cropped.count {
            notes.append("\(tracks.tracks.count) tracks: the \(cropped.count) longest are shown with crops, the others without")
        }
        var cropRequests: [FrameSampler.Request: String] = [:]
        for t in cropped {
            for s in t.samples { cropRequests[FrameSampler.Request(frame: s.frame, box: s.box, size: cropHeight)] = ReviewContent.cropKey(track: t.id, frame: s.frame) }
        }
        let findings = manifest.audit?.findings ?? []
        let findingRequests = findings.map { finding in
            FrameSampler.Request(frame: nearestFrame(finding.seconds, in: tracks.frameSeconds),
                                 box: finding.box.count == 4 ? Box(x0: finding.box[0], y0: finding.box[1], x1: finding.box[0] + finding.box[2], y1: finding.box[1] + finding.box[3]) : nil,
                                 size: cropHeight)
        }
        let sheetRequests = sheetIndices.map { FrameSampler.Request(frame: $0, box: nil, size: sheetThumbWidth) }
        let outputVideo = try MediaInput(path: output)
        let outputStream: Int
        if let index = shown.output { outputStream = index } else { outputStream = try outputVideo.primaryVideoStream() }
        let outputReport = StreamReport(outputVideo.stream(outputStream))
        let (codedWidth, codedHeight) = (outputReport.width ?? 0, outputReport.height ?? 0)
        let chosen = drawingChoice.indices(frameSeconds: tracks.frameSeconds)
        if chosen.isEmpty, drawingChoice.from != nil || drawingChoice.until != nil {
            notes.append("no frame of the output lies in --draw-range: the page has none to draw on")
        }
        let drawingIndices = Array(Set(chosen + findingRequests.map(\.frame))).sorted()
        let drawingRequests = drawingIndices.map { FrameSampler.Request(frame: $0, box: nil, size: min(DrawingFrames.width, max(2, codedWidth))) }
        let outputPictures = try FrameSampler.sample(path: output, stream: shown.output, sheetRequests + Array(cropRequests.keys) + findingRequests + drawingRequests)

        let sourcePath = source ?? manifest.input.path
        var sourceCrops: [String: [UInt8]] = [:]
        var still: (picture: [UInt8], width: Int, height: Int, codedWidth: Int, codedHeight: Int)?
        if FileManager.default.fileExists(atPath: sourcePath) {
            let stillRequest = FrameSampler.Request(frame: 0, box: nil, size: 640)
            let pictures = try FrameSampler.sample(path: sourcePath, stream: shown.named, Array(cropRequests.keys) + [stillRequest])
            for (request, key) in cropRequests { if let p = pictures[request] { sourceCrops[key] = try p.jpeg() } }
            if let p = pictures[stillRequest] {
                let input = try MediaInput(path: sourcePath)
                let sourceStream: Int
                if let named = shown.named { sourceStream = named } else { sourceStream = try input.primaryVideoStream() }
                let report = StreamReport(input.stream(sourceStream))
                still = (try p.jpeg(), p.width, p.height, report.width ?? p.width, report.height ?? p.height)
            }
        } else {
            notes.append("the source is not at \(sourcePath): only redacted crops are shown (--source gives it)")
        }
        var outputCrops: [String: [UInt8]] = [:]
        for (request, key) in cropRequests { if let p = outputPictures[request] { outputCrops[key] = try p.jpeg() } }
        var findingCrops: [Int: [UInt8]] = [:]
        for (i, request) in findingRequests.enumerated() { if let p = outputPictures[request] { findingCrops[i] = try p.jpeg() } }

        var drawing: ReviewContent.Drawing?
        if codedWidth > 0, codedHeight > 0 {
            let view = SourceView(firstFramePts: 0, displayRotationDegrees: outputReport.rotationDegrees)
            var frames: [ReviewContent.Drawing.Frame] = []
            for (index, request) in zip(drawingIndices, drawingRequests) {
                if let p = outputPictures[request] { frames.append(.init(frame: index, seconds: tracks.frameSeconds[index], jpeg: try p.jpeg())) }
            }
            drawing = ReviewContent.Drawing(codedWidth: codedWidth, codedHeight: codedHeight, view: view, frames: frames,
                                            stream: shown.named)
        }
        // Cover art: shown as JPEG or PNG, which is what cover pictures are.
        var covers: [ReviewContent.Cover] = []
        let source = FileManager.default.fileExists(atPath: sourcePath) ? try? MediaInput(path: sourcePath) : nil
        for s in manifest.streams ?? [] {
            guard let picture = s.picture, let index = s.outputIndex else { continue }
            guard ["mjpeg", "png"].contains(s.stream.codec), let redacted = outputVideo.attachedPicture(stream: index) else {
                notes.append("stream \(s.stream.index) is cover art in \(s.stream.codec), which the page cannot show")
                continue
            }
            covers.append(.init(stream: s.stream.index, codec: s.stream.codec, source: source?.attachedPicture(stream: s.stream.index),
                                redacted: redacted, hidden: picture.hidden.count))
        }
        let sheetPicture = contactSheet(sheetIndices.compactMap { outputPictures[FrameSampler.Request(frame: $0, box: nil, size: sheetThumbWidth)] })
        let sheet = try sheetPicture.png()
        let content = ReviewContent(outputName: URL(fileURLWithPath: output).lastPathComponent, manifest: manifest, verdict: verdict,
                                    tracks: tracks, contactSheet: try sheetPicture.jpeg(), contactSheetTimes: sheetIndices.map { tracks.frameSeconds[$0] },
                                    sourceCrops: sourceCrops, outputCrops: outputCrops, still: still, findingCrops: findingCrops, drawing: drawing, covers: covers, notes: notes,
                                    stream: shown.several ? shown : nil, carried: carried?.corrections)
        let page = Array(ReviewPage.html(content).utf8)
        let pagePath = directory + "/index.html", sheetPath = directory + "/contact-sheet.png"
        try AtomicOutput.write(sheet, to: sheetPath, mode: 0o600)
        try AtomicOutput.write(page, to: pagePath, mode: 0o600)
        return Result(page: pagePath, contactSheet: sheetPath, tracks: tracks.tracks.count, tracksWithCrops: cropped.count,
                      verified: verdict.0, pageBytes: page.count, notes: notes)
    }

    /// The folder holds unredacted crops: made 0700 when it is new, refused when others can
    /// read it.
    static func prepare(_ directory: String) throws(MediaError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw MediaError(path: directory, reason: "is a file; -o names a folder for the review page") }
            var st = stat()
            guard stat(directory, &st) == 0 else { throw MediaError(path: directory, reason: "cannot be read") }
            guard st.st_mode & 0o077 == 0 else {
                throw MediaError(path: directory, reason: "can be read by others (mode \(String(st.st_mode & 0o777, radix: 8))), and the review page holds unredacted crops of the source; use a new folder or chmod 700 it")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw MediaError(path: directory, reason: "cannot create the folder for the review page")
            }
            guard chmod(directory, 0o700) == 0 else { throw MediaError(path: directory, reason: "cannot make the folder private") }
        }
    }

    static func nearestFrame(_ seconds: Double, in frames: [Double]) -> Int {
        frames.indices.min { abs(frames[$0] - seconds) < abs(frames[$1] - seconds) } ?? 0
    }

    /// The thumbnails in rows of `sheetColumns` on a dark ground.
    static func contactSheet(_ thumbs: [RGBImage]) -> RGBImage {
        guard let first = thumbs.first else { return RGBImage(width: 2, height: 2, fill: (32, 32, 32)) }
        let columns = min(sheetColumns, thumbs.count), rows = (thumbs.count + columns - 1) / columns
        let cellW = thumbs.map(\.width).max()!, cellH = thumbs.map(\.height).max() ?? first.height
        var sheet = RGBImage(width: columns * cellW + (columns + 1) * sheetGap, height: rows * cellH + (rows + 1) * sheetGap, fill: (32, 32, 32))
        for (i, t) in thumbs.enumerated() {
            sheet.paste(t, x: sheetGap + (i % columns) * (cellW + sheetGap), y: sheetGap + (i / columns) * (cellH + sheetGap))
        }
        return sheet
    }
}
