import Foundation

/// A headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
/// commands go in on the browser's fd 3, replies come out on its fd 4, each JSON message ended
/// by a NUL). Mouse input goes through `Input.dispatchMouseEvent`, so a page's own pointer
/// handlers see what a person's mouse would give them.
final class DevToolsSession {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let pid: pid_t
    private let commands: Int32, replies: Int32
    private var received: [UInt8] = []
    private var nextID = 1
    private var session: String?
    /// No reply in this long means the browser is stuck: the test fails instead of hanging.
    static let replyTimeoutSeconds: Int32 = 60

    init(chromium: String, url: String, profile: String, width: Int = 1200, height: Int = 1000) throws {
        var toBrowser: [Int32] = [0, 0], fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw POSIXError(.EMFILE) }
        // Close-on-exec, so processes other tests spawn meanwhile do not hold the pipes open.
        for fd in toBrowser + fromBrowser { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // Out of the way of 3 and 4 before they are dup'ed there (dup2 clears close-on-exec on the copy only).
        let inEnd = fcntl(toBrowser[0], F_DUPFD_CLOEXEC, 10), outEnd = fcntl(fromBrowser[1], F_DUPFD_CLOEXEC, 10)
        close(toBrowser[0])
        close(fromBrowser[1])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, inEnd, 3)
        posix_spawn_file_actions_adddup2(&actions, outEnd, 4)
        let arguments = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                         "--hide-scrollbars", "--remote-debugging-pipe", "--user-data-dir=" + profile, "--window-size=\(width),\(height)", url]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, chromium, &actions, nil, argv, environ)
        close(inEnd)
        close(outEnd)
        guard spawned == 0 else {
            close(toBrowser[1]); close(fromBrowser[0])
            throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .ENOENT)
        }
        pid = child
        commands = toBrowser[1]
        replies = fromBrowser[0]
        let targets = try call("Target.getTargets", browserWide: true)
        guard let page = (targets["targetInfos"] as? [[String: Any]])?.first(where: { $0["type"] as? String == "page" })?["targetId"] as? String else {
            throw Failure(description: "Chromium opened no page")
        }
        session = try call("Target.attachToTarget", ["targetId": page, "flatten": true], browserWide: true)["sessionId"] as? String
        _ = try call("Runtime.enable")
        // The page target can still hold its first, blank document when attached to: wait
        // until the address has been loaded, not just some document.
        let deadline = Date().addingTimeInterval(Double(Self.replyTimeoutSeconds))
        while try evaluate("location.href !== 'about:blank' && document.readyState === 'complete'") as? Bool != true {
            guard Date() < deadline else { throw Failure(description: "Chromium did not load \(url)") }
            usleep(100_000)
        }
    }

    deinit {
        _ = try? call("Browser.close", browserWide: true)
        close(commands)
        close(replies)
        var status: Int32 = 0
        for _ in 0..<50 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(100_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    /// Sends one command and waits for its reply; events in between are skipped.
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], browserWide: Bool = false) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if !browserWide, let session { message["sessionId"] = session }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "Chromium stopped reading commands (\(method))") }
            sent += n
        }
        while true {
            let reply = try nextMessage(waitingFor: method)
            guard reply["id"] as? Int == id else { continue }
            if let error = reply["error"] as? [String: Any] { throw Failure(description: "\(method): \(error["message"] ?? error)") }
            return reply["result"] as? [String: Any] ?? [:]
        }
    }

    private func nextMessage(waitingFor method: String) throws -> [String: Any] {
        while true {
            if let end = received.firstIndex(of: 0) {
                let body = Array(received[..<end])
                received.removeSubrange(...end)
                return (try JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
            }
            var ready = pollfd(fd: replies, events: Int16(POLLIN), revents: 0)
            let polled = poll(&ready, 1, Self.replyTimeoutSeconds * 1000)
            if polled < 0 && errno == EINTR { continue }
            guard polled > 0 else { throw Failure(description: "no reply from Chromium to \(method) in \(Self.replyTimeoutSeconds) s") }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = chunk.withUnsafeMutableBytes { read(replies, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "Chromium closed the pipe while \(method) was waiting") }
            received.append(contentsOf: chunk[0..<n])
        }
    }

    /// The value of a JavaScript expression in the page (promises awaited), as JSON gives it.
    func evaluate(_ expression: String) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let thrown = result["exceptionDetails"] as? [String: Any] {
            throw Failure(description: "the page threw: \((thrown["exception"] as? [String: Any])?["description"] ?? thrown["text"] ?? "")")
        }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// The element scrolled into view and its box in the viewport's CSS pixels.
    func rect(of selector: String) throws -> (x: Double, y: Double, width: Double, height: Double) {
        let quoted = String(decoding: try JSONSerialization.data(withJSONObject: [selector]), as: UTF8.self)
        let value = try evaluate("""
            (() => { const e = document.querySelector(\(quoted)[0]); if (!e) return null; e.scrollIntoView({block: 'center'});
                     const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()
            """)
        guard let v = value as? [Double], v.count == 4 else { throw Failure(description: "no element \(selector) on the page") }
        return (v[0], v[1], v[2], v[3])
    }

    /// A left click in the middle of the element, as a mouse gives it.
    func click(_ selector: String) throws {
        let r = try rect(of: selector)
        try mouse("mousePressed", x: r.x + r.width / 2, y: r.y + r.height / 2)
        try mouse("mouseReleased", x: r.x + r.width / 2, y: r.y + r.height / 2)
    }

    /// Presses the left button at `from`, moves in steps, releases at `to` (viewport pixels).
    func drag(from: (x: Double, y: Double), to: (x: Double, y: Double), steps: Int = 8) throws {
        try mouse("mouseMoved", x: from.x, y: from.y, buttons: 0)
        try mouse("mousePressed", x: from.x, y: from.y)
        for step in 1...steps {
            let t = Double(step) / Double(steps)
            try mouse("mouseMoved", x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t)
        }
        try mouse("mouseReleased", x: to.x, y: to.y)
    }

    /// Types into the focused element.
    func type(_ text: String) throws { try call("Input.insertText", ["text": text]) }

    func screenshot(to path: String) throws {
        let shot = try call("Page.captureScreenshot", ["format": "png"])
        guard let data = (shot["data"] as? String).flatMap({ Data(base64Encoded: $0) }) else { throw Failure(description: "no screenshot") }
        try data.write(to: URL(fileURLWithPath: path))
    }

    private func mouse(_ type: String, x: Double, y: Double, buttons: Int = 1) throws {
        var params: [String: Any] = ["type": type, "x": x, "y": y, "button": type == "mouseMoved" && buttons == 0 ? "none" : "left",
                                     "buttons": type == "mouseReleased" ? 0 : buttons]
        if type != "mouseMoved" { params["clickCount"] = 1 }
        try call("Input.dispatchMouseEvent", params)
    }
}
