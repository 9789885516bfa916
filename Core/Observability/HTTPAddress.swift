import RedactSupport

/// Where the metrics and health endpoints listen: `HOST:PORT`, `:PORT` (every interface, as
/// a pod needs for the kubelet's probes) or `[IPV6]:PORT`. Port 0 picks a free port (tests).
public struct HTTPAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// nil, with the reason, for anything else.
    public static func parse(_ text: String) -> Result<HTTPAddress, AddressError> {
        guard let colon = text.lastIndex(of: ":") else {
            return .failure(AddressError(text: text, reason: "give HOST:PORT, or :PORT for every interface"))
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            return .failure(AddressError(text: text, reason: "the port must be a number from 0 to 65535"))
        }
        return .success(HTTPAddress(host: host, port: port))
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public struct AddressError: Error, Sendable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "'\(text)' is not an address to listen on: \(reason)" }
    }
}
