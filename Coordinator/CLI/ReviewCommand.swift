import ArgumentParser
import Foundation
import RedactCore
import RedactReview

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Write a review page for a redacted output: what was hidden, where and when, with crops to check.",
        discussion: """
        Writes DIR/index.html, one self-contained page (inline styles, script and \
        pictures; it makes no network request and its Content-Security-Policy lets the \
        browser make none), and DIR/contact-sheet.png, evenly spaced frames of the redacted \
        output. The page shows the file (streams, duration, settings and whether the signed \
        manifest verifies), a timeline with each track as a bar (detected, interpolated and \
        extended frames told apart), a card per track with crops of the source and of the \
        output at the same frames, the zones drawn on a still, and the leak audit's possible \
        misses when the audit ran, and frames of the output to draw on: drag a box on a \
        frame to hide something the detector missed (a box track, keyframed frame by frame and \
        moved in a straight line between keyframes) or add a zone for a time \
        (--draw-frames, --draw-range choose the frames). Each card takes a decision (keep hidden; not a face: \
        unhide; keep visible: data subject); the page saves the decisions and the drawings as \
        a corrections file (docs/corrections.md) for `redactfarm rerender`.

        A file with several video streams (an NVR's cameras) is reviewed a stream at a \
        time: --stream chooses which (the first by default), the page shows that stream's \
        tracks, frames and audit findings, and boxes drawn on it are hidden on that stream \
        only. Track decisions name tracks, whose ids are unique across the file; \
        --corrections starts a page from the file another page saved, so one file gathers \
        the decisions on every camera.

        The page holds unredacted crops of the source: DIR is created 0700 and refused if \
        others can read it, it is never written beside the output unless asked, and the \
        manifest does not list it.
        """
    )

    @Argument(help: "The redacted output file (its manifest and detections sidecar beside it).")
    var output: String

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("The folder to write the page to (created 0700).", valueName: "dir"))
    var folder: String

    @Option(help: "The source, if it is no longer at the path the manifest records (its crops are shown beside the output's).")
    var source: String?

    @Option(help: ArgumentHelp("Which video stream of a file with several (an NVR's cameras) the page shows, by its index in the source as `redactfarm probe` and the manifest list it (default: the first). Boxes drawn on the page hide on that stream only.", valueName: "index"))
    var stream: Int?

    @Option(help: ArgumentHelp("A corrections file made on this output (another camera's page, an earlier sitting): the page starts from its decisions, and saves everything in it with what is decided and drawn here, so one file gathers a review.", valueName: "file"))
    var corrections: String?

    @Option(help: ArgumentHelp("How many frames of the output the page offers to draw boxes and zones on, evenly spaced (1 to \(ReviewWriter.DrawingFrames.maxCount); the leak audit's frames are added).", valueName: "n"))
    var drawFrames = ReviewWriter.DrawingFrames.defaultCount

    @Option(parsing: .unconditional, help: ArgumentHelp("Spread those frames over this stretch only, FROM-UNTIL in seconds or [HH:]MM:SS[.mmm] from the first frame (with the default 48, 12-13.9 gives every frame there at 25 fps), to keyframe a box on something the detector missed.", valueName: "from-until"))
    var drawRange: String?

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let stream, stream < 0 { throw ValidationError("--stream \(stream): a stream's index is 0 or more") }
        guard (1...ReviewWriter.DrawingFrames.maxCount).contains(drawFrames) else {
            throw ValidationError("--draw-frames \(drawFrames): accepts 1 to \(ReviewWriter.DrawingFrames.maxCount) frames")
        }
    }

    func run() throws {
        let result = try reportingErrors(verbose: common.verbose) { () throws in
            let span = try drawRange.map { (text) throws(OptionError) in try AudioArguments.span(text, option: "--draw-range") }
            let carried = try corrections.map { (path) throws(OptionError) in
                do throws(MediaError) { return (try Corrections.read(path: path).corrections, path) } catch {
                    throw OptionError("--corrections", path, accepts: error.reason)
                }
            }
            return try ReviewWriter.write(output: output, to: folder, source: source, stream: stream, carrying: carried,
                                          drawing: ReviewWriter.DrawingFrames(count: drawFrames, from: span?.from, until: span?.until))
        }
        if common.json { return try Terminal.printJSON(result) }
        print("review page \(result.page) (\(result.pageBytes / 1024) KiB, \(result.tracks) track(s)), contact sheet \(result.contactSheet)")
        if !result.verified { FileHandle.standardError.write(Data("note: the output does not verify against its manifest; the page says why\n".utf8)) }
        for note in result.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
    }
}
