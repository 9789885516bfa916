/// What went wrong, and with which file. Every failure in the media core is one of these, so
/// the command line can always print one line naming the file and the reason.
public struct MediaError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    /// Whether trying again may help: a damaged transfer or a lack of memory may not repeat;
    /// anything about the footage or the options (most errors) would fail the same way again.
    public var transient: Bool

    public init(path: String, reason: String, transient: Bool = false) {
        self.path = path
        self.reason = reason
        self.transient = transient
    }

    /// "PATH: REASON"; a message that already names its subject (a refusal relayed from the
    /// coordinator) has an empty path and is shown as it is.
    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}
