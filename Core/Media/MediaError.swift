/// What went wrong, and with which file. Every failure in the media core is one of these, so
/// the command line can always print one line naming the file and the reason.
public struct MediaError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
