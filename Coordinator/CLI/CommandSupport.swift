import ArgumentParser
import Foundation
import RedactCore

/// Runs a command body so that any refusal becomes one line on stderr and exit status 1,
/// never a crash or a stack of messages.
func reportingErrors<T>(verbose: Bool, _ body: () throws -> T) throws -> T {
    FFmpegLog.setQuiet(!verbose)
    do {
        return try body()
    } catch let error as MediaError {
        Terminal.printError(error.description)
        throw ExitCode(1)
    } catch let error as OptionError {
        Terminal.printError(error.description)
        throw ExitCode(64)
    }
}

enum Terminal {
    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("redactfarm: error: \(message)\n".utf8))
    }

    static func printNote(_ message: String) {
        FileHandle.standardError.write(Data("redactfarm: note: \(message)\n".utf8))
    }

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// A one-line progress bar on stderr, redrawn in place; silent when stderr is not a terminal.
    static func progressBar(label: String) -> @Sendable (Double) -> Void {
        guard stderrIsTerminal else { return { _ in } }
        return { fraction in
            let width = 30
            let filled = Int((fraction * Double(width)).rounded(.down))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let line = "\r\(label) [\(bar)] \(Int(fraction * 100))%" + (fraction >= 1 ? "\n" : "")
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        print(String(decoding: data, as: UTF8.self))
    }
}

extension Double {
    func formatted(_ digits: Int) -> String { String(format: "%.\(digits)f", self) }
}

/// `--segment-seconds` as `run` and `submit` take it, for `probe` and `split`: NaN, 0 or 1e300
/// would otherwise reach the planner's arithmetic (a usage error through `reportingErrors`).
func checkSegmentSeconds(_ seconds: Double) throws(OptionError) {
    try JobLimits.check("--segment-seconds", seconds, in: JobLimits.segmentSeconds, "cuts fall on the nearest keyframe")
}
