import Foundation
import RedactCoordinator
import RedactCore

/// How a finished job is reported: one line per file on stdout (failures on stderr, in the
/// usual one-line form), or JSON.
enum FileOutcomes {
    struct Summary: Encodable {
        var input, output, state: String
        var outputSHA256, error: String?
        var frames: Int
        var detections, tracks, framesWithRedaction: Int?
        var notes: [String]?
        var audit: AuditSummary?
    }

    static func summaries(_ job: JobStatus) -> [Summary] {
        job.files.map { file in
            let manifest = (try? FileBytes.read(OutputSidecars.manifestPath(file.output)))
                .flatMap { try? SignedManifest.open($0, path: file.output).manifest }
            return Summary(input: file.input, output: file.output, state: file.state.rawValue, outputSHA256: file.outputSHA256,
                           error: file.error, frames: file.frameCount, detections: manifest?.detections.detections,
                           tracks: manifest?.detections.tracks, framesWithRedaction: manifest?.detections.framesWithRedaction,
                           notes: manifest?.notes, audit: manifest?.audit)
        }
    }

    /// Whether every file is done and no audit found a possible miss.
    static func allClean(_ job: JobStatus) -> Bool {
        summaries(job).allSatisfy { $0.state == "done" && $0.audit?.passed != false }
    }

    static func print(_ job: JobStatus, json: Bool) {
        let rows = summaries(job)
        if json {
            try? Terminal.printJSON(rows)
            return
        }
        for row in rows {
            if row.state == "done" {
                Swift.print("redacted \(row.input) -> \(row.output): \(row.frames) frames, \(row.tracks ?? 0) tracks, \(row.framesWithRedaction ?? 0) frames with something hidden")
                Swift.print("output sha256 \(row.outputSHA256 ?? "?")")
                for note in row.notes ?? [] { Terminal.printNote("\(row.input): \(note)") }
                if let audit = row.audit {
                    if let first = audit.findings.first {
                        Terminal.printError("\(row.output): the audit found \(audit.findings.count) possible miss(es) in \(audit.framesWithFindings) frame(s), the first at \(first.seconds) s; look at them with `redactfarm audit \(row.output)`")
                    } else {
                        Swift.print("audit: no possible misses in \(audit.framesExamined) frames")
                    }
                }
            } else {
                Terminal.printError(row.error ?? "\(row.input): \(row.state)")
            }
        }
    }
}
