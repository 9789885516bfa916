import Foundation
import RedactCore
import Testing

/// Where the test media lives. `make test` generates the corpus and fetches the pinned real
/// clips first; a missing file fails the test (it never silently skips).
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func corpus(_ name: String) -> String { existing(packageRoot + "/.cache/corpus/" + name) }
    static func asset(_ name: String) -> String { existing(packageRoot + "/.cache/assets/" + name) }

    /// A corpus clip or a fetched real clip, by name.
    static func media(_ name: String) -> String {
        FileManager.default.fileExists(atPath: packageRoot + "/.cache/assets/" + name) ? asset(name) : corpus(name)
    }

    private static func existing(_ path: String) -> String {
        if !FileManager.default.fileExists(atPath: path) {
            Issue.record("missing fixture \(path): run `make test` (Tests/Fixtures/make-corpus.sh, ops/fetch-assets.sh)")
        }
        return path
    }

    /// A fresh folder under the system temp folder, removed when the test's scope ends.
    static func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
        // Encoders and decoders run in the test process too: their chatter would bury the results.
        FFmpegLog.setQuiet(true)
        let dir = NSTemporaryDirectory() + "redactfarm-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try body(dir)
    }
}

/// The reference tool's view of a file: `ffmpeg -f framemd5` over every stream with the
/// container's own timestamps (-copyts), one line per decoded frame or audio block.
enum FFmpegOracle {
    static func frameMD5(_ path: String, streams: String = "0") throws -> [String] {
        let output = try run("/usr/bin/env", ["ffmpeg", "-nostdin", "-v", "error", "-copyts", "-i", path,
                                              "-map", streams, "-fps_mode", "passthrough", "-f", "framemd5", "-"])
        return output.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        String(decoding: try runData(tool, arguments), as: UTF8.self)
    }

    static func runData(_ tool: String, _ arguments: [String]) throws -> [UInt8] {
        try Subprocess.run(tool, arguments, captureStderr: false).stdout
    }
}
