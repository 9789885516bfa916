import CZMQ
import Foundation
import RedactSupport

/// The ZAP handler (RFC 27) that makes CURVE an allowlist: without one, libzmq lets in anyone
/// who knows the server's public key. It answers libzmq's requests on
/// `inproc://zeromq.zap.01` in the coordinator's context, on a thread of its own, and admits
/// only CURVE clients whose public key is in the allowlist file (one Z85 key per line, `#`
/// comments). The file is re-read when it changes, so keys are added or revoked without a
/// restart.
public final class ZAPAuthenticator: @unchecked Sendable {
    public static let endpoint = "inproc://zeromq.zap.01"

    private let allowlistPath: String
    private let log: @Sendable (String) -> Void
    private let stopLock = NSLock()
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    private var keys: Set<String> = []
    /// The allowlist file as last read: its modification time and inode. A Kubernetes
    /// ConfigMap volume swaps in a new file (a new inode) behind a symlink; an editor may keep
    /// the inode and change the time. Either is noticed.
    private var loadedStamp: (mtime: timespec, inode: ino_t)?
    /// A refused peer retries every few seconds: each peer and key is logged once an hour.
    private var refusals = RepeatLimiter(intervalMilliseconds: 3_600_000)

    /// Binds the handler before returning, so no connection is ever accepted unchecked.
    public init(context: ZMQContext, allowlist path: String, log: @escaping @Sendable (String) -> Void) throws(ZMQError) {
        allowlistPath = path
        self.log = log
        let socket = try ZMQSocket(context, .rep)
        try socket.bind(Self.endpoint)
        reloadIfChanged()
        let thread = Thread { [self] in serve(socket) }
        thread.name = "zap"
        thread.start()
    }

    public func stop() {
        stopLock.withLock { stopping = true }
        finished.wait()
    }

    /// Reads Z85 keys (40 characters); anything else on a line after the key is a comment.
    public static func parseAllowlist(_ text: String) -> Set<String> {
        var keys = Set<String>()
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let key = String(trimmed.prefix { !$0.isWhitespace })
            if key.utf8.count == 40 { keys.insert(key) }
        }
        return keys
    }

    private func serve(_ socket: ZMQSocket) {
        defer { finished.signal() }
        while !stopLock.withLock({ stopping }) {
            guard let request = try? socket.receive(timeoutMilliseconds: 200) else { continue }
            // version, request id, domain, address, identity, mechanism, credentials…
            guard request.count >= 6 else {
                try? socket.send([Array("1.0".utf8), [], Array("500".utf8), Array("malformed ZAP request".utf8), [], []])
                continue
            }
            let requestID = request[1]
            let address = String(decoding: request[3], as: UTF8.self)
            let mechanism = String(decoding: request[5], as: UTF8.self)
            var status = "400", text = "", user = ""
            let now = MonotonicClock.now
            if mechanism == "CURVE", request.count >= 7, request[6].count == 32 {
                let key = Self.z85(request[6])
                reloadIfChanged()
                if keys.contains(key) {
                    (status, text, user) = ("200", "OK", key)
                } else {
                    // libzmq passes the status code on to the peer (its monitor reports it);
                    // the text is for anything reading the ZAP exchange.
                    text = "CURVE key \(key) is not on the allowlist"
                    if let line = refusals.line("\(address) \(key)", "refused CURVE key \(key) from \(LogText.escaped(address)): not in \(allowlistPath)", now: now) {
                        log(line)
                    }
                }
            } else {
                text = "only CURVE clients on the allowlist may connect"
                if let line = refusals.line("\(address) \(mechanism)", "refused a \(LogText.escaped(mechanism)) connection from \(LogText.escaped(address)): \(text)", now: now) {
                    log(line)
                }
            }
            try? socket.send([Array("1.0".utf8), requestID, Array(status.utf8), Array(text.utf8), Array(user.utf8), []])
        }
    }

    private func reloadIfChanged() {
        var info = stat()
        guard stat(allowlistPath, &info) == 0 else {
            if loadedStamp != nil || keys.isEmpty { log("allowlist \(allowlistPath) cannot be read: every client is refused") }
            keys = []
            loadedStamp = nil
            return
        }
        if let s = loadedStamp, s.mtime.tv_sec == info.st_mtim.tv_sec, s.mtime.tv_nsec == info.st_mtim.tv_nsec, s.inode == info.st_ino { return }
        loadedStamp = (info.st_mtim, info.st_ino)
        keys = Self.parseAllowlist((try? String(contentsOfFile: allowlistPath, encoding: .utf8)) ?? "")
    }

    static func z85(_ key: [UInt8]) -> String {
        var out = [CChar](repeating: 0, count: 41)
        _ = key.withUnsafeBufferPointer { zmq_z85_encode(&out, $0.baseAddress, 32) }
        return String(cString: out)
    }
}
