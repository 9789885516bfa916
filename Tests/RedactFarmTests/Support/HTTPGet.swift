import Foundation

/// A plain HTTP/1.1 GET over a POSIX socket, for scraping the metrics and health endpoints
/// the way Prometheus and the kubelet do, without a client library.
enum HTTPGet {
    struct Response {
        var status: Int
        var body: String
    }

    static func get(host: String = "127.0.0.1", port: Int, path: String) -> Response? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { return nil }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            bytes += chunk[..<n]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headerEnd = text.range(of: "\r\n\r\n"), let statusLine = text.split(separator: "\r\n").first,
              let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return Response(status: status, body: String(text[headerEnd.upperBound...]))
    }

    /// A sample's value in a Prometheus exposition (`name{labels} value`), nil when absent.
    static func sample(_ exposition: String, _ series: String) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    /// The port a process said it serves metrics on ("metrics and health: http://HOST:PORT/metrics").
    static func metricsPort(inLog log: String) -> Int? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("metrics and health: http://") }),
              let url = line.components(separatedBy: "http://").last?.components(separatedBy: "/").first,
              let port = url.split(separator: ":").last
        else { return nil }
        return Int(port)
    }
}
