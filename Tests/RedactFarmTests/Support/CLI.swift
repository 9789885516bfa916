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
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            Issue.record("no redactfarm binary at \(binary): build it first (`make test` does)")
            return Result(status: -1, stdout: "", stderr: "")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting so a chatty child cannot block on a full pipe.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
