import Foundation

/// Hosts for the tests in network namespaces: each host a namespace with its own address on
/// one subnet, wired by a veth pair to a bridge that lives in a namespace of its own (the
/// "switch"), so nothing in the machine's own network changes. Needs root and iproute2; CI
/// runs as root. Removed again when released.
final class NetworkLab {
    static let subnet = "10.77.0"
    let prefix: String
    private(set) var hosts: [String: String] = [:]  // name → address
    private var nextAddress = 1

    /// Whether namespaces can be made here (root, `ip netns`), and if not why.
    static let unavailableReason: String? = {
        guard getuid() == 0 else { return "network namespaces need root (CI runs as root)" }
        let probe = "rfprobe\(getpid())"
        guard (try? run(["netns", "add", probe]))?.status == 0 else { return "`ip netns add` failed here (no iproute2, or no namespaces in this sandbox)" }
        _ = try? run(["netns", "del", probe])
        return nil
    }()

    init() throws {
        prefix = "rf\(getpid() % 100000)"
        try ip(["netns", "add", switchNamespace])
        try ip(["-n", switchNamespace, "link", "add", "br0", "type", "bridge"])
        try ip(["-n", switchNamespace, "link", "set", "br0", "up"])
    }

    var switchNamespace: String { prefix + "-sw" }
    func namespace(_ host: String) -> String { "\(prefix)-\(host)" }

    /// A new host on the switch; returns its address.
    @discardableResult
    func addHost(_ host: String) throws -> String {
        let ns = namespace(host), address = "\(Self.subnet).\(nextAddress)"
        nextAddress += 1
        try ip(["netns", "add", ns])
        let port = "p-\(host)"
        try ip(["-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", switchNamespace])
        try ip(["-n", switchNamespace, "link", "set", port, "master", "br0", "up"])
        try ip(["-n", ns, "addr", "add", address + "/24", "dev", "eth0"])
        try ip(["-n", ns, "link", "set", "eth0", "up"])
        try ip(["-n", ns, "link", "set", "lo", "up"])
        hosts[host] = address
        return address
    }

    /// The command prefix that runs a program on `host`.
    func launcher(_ host: String) -> [String] { ["/usr/sbin/ip", "netns", "exec", namespace(host)] }

    /// Cuts the host's cable at the switch (its side sees the carrier go) or plugs it back.
    func setLink(_ host: String, up: Bool) throws {
        try ip(["-n", switchNamespace, "link", "set", "p-\(host)", up ? "up" : "down"])
    }

    /// 50 ms of latency and 1% loss on every host's cable, where the kernel has netem; nil
    /// when it does, else why not.
    func degradeEveryLink(delay: String = "50ms", loss: String = "1%") throws -> String? {
        for host in hosts.keys.sorted() {
            let result = try Self.run(["/usr/sbin/tc", "-n", namespace(host), "qdisc", "add", "dev", "eth0", "root", "netem", "delay", delay, "loss", loss], ip: false)
            if result.status != 0 { return "tc netem is not available in this kernel (\(result.output.trimmingCharacters(in: .whitespacesAndNewlines)))" }
        }
        return nil
    }

    private func ip(_ arguments: [String]) throws {
        let result = try Self.run(arguments)
        guard result.status == 0 else { throw LabError(command: "ip " + arguments.joined(separator: " "), output: result.output) }
    }

    struct LabError: Error, CustomStringConvertible {
        var command: String
        var output: String
        var description: String { "\(command): \(output)" }
    }

    private static func run(_ arguments: [String], ip: Bool = true) throws -> (status: Int32, output: String) {
        let out = try Subprocess.run(ip ? "/usr/sbin/ip" : arguments[0], ip ? arguments : Array(arguments.dropFirst()))
        return (out.status, String(decoding: out.stdout + out.stderr, as: UTF8.self))
    }

    deinit {
        for host in hosts.keys { _ = try? Self.run(["netns", "del", namespace(host)]) }
        _ = try? Self.run(["netns", "del", switchNamespace])
    }
}
