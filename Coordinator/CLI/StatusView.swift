import Foundation
import RedactCoordinator
import RedactCore

/// Text renderings of the farm's status for `status`, `jobs`, `workers` and `watch`.
enum StatusView {
    static func jobLines(_ job: JobStatus, fps: Double?) -> [String] {
        let done = job.files.filter { $0.state == .done }.count
        var head = "job \(job.id)  \(job.state.rawValue)  \(done)/\(job.files.count) files  \(String(format: "%.1f%%", 100 * job.fractionDone))"
        if let priority = job.priority, priority != 0 { head += "  priority \(priority)" }
        if let fps, fps > 0, !job.state.isFinal {
            head += String(format: "  %.1f fps", fps)
            let remaining = job.frameCount - job.framesDone
            if remaining > 0 { head += "  ETA \(duration(Double(remaining) / fps))" }
        }
        var lines = [head]
        for file in job.files {
            var line = "  \(bar(file.framesDone, file.frameCount)) \(file.state.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) "
            line += "segments \(file.segmentsDone)/\(file.segments) done, \(file.segmentsRunning) in flight, \(file.segmentsQueued) queued  "
            line += URL(fileURLWithPath: file.input).lastPathComponent
            if let error = file.error { line += "  — \(error)" }
            if let waiting = file.waiting { line += "  — waiting: \(waiting)" }
            lines.append(line)
        }
        return lines
    }

    static func workerLines(_ workers: [WorkerStatus]) -> [String] {
        guard !workers.isEmpty else { return ["no workers connected"] }
        return ["WORKER                HOST            ADDRESS          VERSION   STATE    SLOTS  SEGMENTS  FRAMES   FPS    HEARD  MODELS              TASKS"] + workers.map { w in
            w.name.padding(toLength: 22, withPad: " ", startingAt: 0)
                + (w.host ?? "?").padding(toLength: 16, withPad: " ", startingAt: 0)
                + (w.address ?? "-").padding(toLength: 17, withPad: " ", startingAt: 0)
                + (w.software.map { $0.replacingOccurrences(of: "redactfarm ", with: "") } ?? "?").padding(toLength: 10, withPad: " ", startingAt: 0)
                + w.state.padding(toLength: 9, withPad: " ", startingAt: 0)
                + "\(w.slots)/\(w.credit)".padding(toLength: 7, withPad: " ", startingAt: 0)
                + "\(w.segmentsDone)".padding(toLength: 10, withPad: " ", startingAt: 0)
                + "\(w.framesDone)".padding(toLength: 9, withPad: " ", startingAt: 0)
                + String(format: "%-7.1f", w.framesPerSecond)
                + (w.lastHeardSeconds.map { String(format: "%.0fs", $0) } ?? "?").padding(toLength: 7, withPad: " ", startingAt: 0)
                // Wide enough for every role this build knows ("face,face-int8,text").
                + (w.models.map { $0.isEmpty ? "-" : $0.joined(separator: ",") } ?? "?").padding(toLength: 20, withPad: " ", startingAt: 0)
                + (w.tasks.isEmpty ? "-" : w.tasks.joined(separator: ", "))
                + (w.quarantine.map { "  (\($0))" } ?? "")
        }
    }

    static func bar(_ done: Int, _ total: Int, width: Int = 20) -> String {
        let filled = total > 0 ? min(width, done * width / total) : 0
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
