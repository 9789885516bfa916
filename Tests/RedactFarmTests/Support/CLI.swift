import Foundation
import Testing

/// Runs the built `redactfarm` binary as an operator would and captures what it says.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    }

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["REDACTFARM_BIN"] { return path }
        return Fixtures.packageRoot + "/.build/debug/redactfarm"
    }

    static func run(_ arguments: String...) throws -> Result {
        try run(arguments: arguments)
    }

    /// Runs it with its own home folder (keys, trials), as on a machine that never ran it.
    static func run(home: String, _ arguments: String...) throws -> Result {
        try run(arguments: arguments, environment: ["REDACTFARM_HOME=" + home])
    }

    static func run(arguments: [String], environment: [String] = []) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            Issue.record("no redactfarm binary at \(binary): build it first (`make test` does)")
            return Result(status: -1, stdout: "", stderr: "")
        }
        let out = environment.isEmpty ? try Subprocess.run(binary, arguments)
            : try Subprocess.run("/usr/bin/env", environment + [binary] + arguments)
        return Result(status: out.status, stdout: String(decoding: out.stdout, as: UTF8.self),
                      stderr: String(decoding: out.stderr, as: UTF8.self))
    }
}
