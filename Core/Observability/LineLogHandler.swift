import Foundation
import Logging
import RedactSupport

/// How the long-running commands write their log: `text` for people, `json` (one object per
/// line) for a log shipper.
public enum LogFormat: String, CaseIterable, Sendable {
    case text, json
}

/// swift-log's handler for RedactFarm's processes: one event per line on stderr, an RFC 3339
/// UTC timestamp with milliseconds first, the process's role as the source, the event's ids
/// (job, file, segment, attempt, worker) as metadata. Anything a peer controls is escaped
/// (`LogText`), so no message can write a line of its own.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let source: String
    private let format: LogFormat
    private let write: @Sendable (String) -> Void

    /// `write` receives each finished line, newline included (stderr by default).
    public init(source: String, format: LogFormat, write: @escaping @Sendable (String) -> Void = LineLogHandler.standardError) {
        self.source = source
        self.format = format
        self.write = write
    }

    /// A `Logger` writing through this handler.
    public static func logger(source: String, format: LogFormat, write: @escaping @Sendable (String) -> Void = LineLogHandler.standardError) -> Logger {
        Logger(label: "redactfarm." + source) { _ in LineLogHandler(source: source, format: format, write: write) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let all = event.metadata.map { metadata.merging($0) { $1 } } ?? metadata
        let time = Self.timestamp(Date())
        switch format {
        case .text:
            var line = "\(time) \(event.level == .info ? "" : event.level.rawValue.uppercased() + " ")\(LogText.escaped(source)): \(LogText.escaped(event.message.description))"
            for key in all.keys.sorted() { line += " \(LogText.escaped(key))=\(LogText.escaped(all[key]!.description))" }
            write(line + "\n")
        case .json:
            var object: [String: String] = [:]
            for (key, value) in all { object[key] = value.description }
            object["time"] = time
            object["level"] = event.level.rawValue
            object["source"] = source
            object["message"] = event.message.description
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            // JSONEncoder escapes every control character, so a line is one line.
            let json = (try? encoder.encode(object)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            write(json + "\n")
        }
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// `2026-12-02T00:52:16.123Z`.
    public static func timestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = time_t(seconds.rounded(.down))
        let millis = min(999, Int((seconds - Double(whole)) * 1000))
        var parts = tm()
        gmtime_r(&whole, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }
}
