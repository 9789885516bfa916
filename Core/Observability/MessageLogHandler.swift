import Logging

/// swift-log's handler for a caller that wants each event's message alone (the embedded
/// farm's notes under `run --verbose`, a test collecting what the broker said).
public struct MessageLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let receive: @Sendable (String) -> Void

    public init(_ receive: @escaping @Sendable (String) -> Void) { self.receive = receive }

    public static func logger(_ label: String, _ receive: @escaping @Sendable (String) -> Void) -> Logger {
        Logger(label: label) { _ in MessageLogHandler(receive) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) { receive(event.message.description) }
}
