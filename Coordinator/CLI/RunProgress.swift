import Foundation
import RedactCoordinator
import RedactCore

/// `run`'s progress on stderr, from the same status `watch` renders. On a terminal the job's
/// lines (per file: stage, segments, frames/s, ETA) are redrawn in place; anywhere else (a
/// log file, CI, a pipe) one plain line is written every few seconds once the job has run that
/// long, and one at the end if any came before. A job that ends sooner writes none, so a
/// refusal stays the one line on stderr that says what went wrong.
final class RunProgress {
    private let terminal: Bool
    private let interval: Double
    private var drawnLines = 0
    private var started: Date?
    private var lastLine: Date?
    private var lastHead = ""

    init(terminal: Bool = Terminal.stderrIsTerminal, intervalSeconds: Double = 5) {
        self.terminal = terminal
        self.interval = intervalSeconds
    }

    func show(_ job: JobStatus, framesPerSecond: Double) {
        let lines = StatusView.jobLines(job, fps: framesPerSecond)
        if terminal {
            // Back over what was drawn last time, then draw again and clear the rest.
            let up = drawnLines > 0 ? "\u{1B}[\(drawnLines)F" : ""
            write(up + lines.map { $0 + "\u{1B}[K" }.joined(separator: "\n") + "\n\u{1B}[J")
            drawnLines = lines.count
            return
        }
        let now = Date()
        let since = now.timeIntervalSince(started ?? now)
        if started == nil { started = now }
        let due = job.state.isFinal ? lastLine != nil : since >= interval && (lastLine.map { now.timeIntervalSince($0) >= interval } ?? true)
        guard due, lines[0] != lastHead else { return }
        lastLine = now
        lastHead = lines[0]
        let files = job.files.count == 1 ? "  " + URL(fileURLWithPath: job.files[0].input).lastPathComponent : ""
        write(LineLogHandler.timestamp(now) + " " + lines[0] + files + "\n")
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
