import Foundation
@testable import RedactCoordinator
@testable import RedactCore
@testable import RedactReview
import Testing

/// Debian's Chromium, which `make test`'s setup installs; absent only where the setup could not run.
enum HeadlessChromium {
    static let binary = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var unavailableReason: String? {
        binary == nil ? "no chromium here (ops/setup.sh installs Debian's chromium package): the review page cannot be loaded" : nil
    }

    /// The DOM after the page's script ran, and the page's own network requests (from
    /// Chromium's net log: requests a page starts carry its origin as initiator, the
    /// browser's own background requests "not an origin").
    static func load(_ url: String, netLog: String) throws -> (dom: String, pageRequests: [String]) {
        let out = try Subprocess.run(binary!, ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                               "--no-first-run", "--log-net-log=" + netLog, "--dump-dom", url], captureStderr: false)
        let log = try JSONSerialization.jsonObject(with: Data(try FileBytes.read(netLog))) as? [String: Any]
        let types = (log?["constants"] as? [String: Any])?["logEventTypes"] as? [String: Int] ?? [:]
        let start = try #require(types["URL_REQUEST_START_JOB"])
        let requests = (log?["events"] as? [[String: Any]] ?? []).compactMap { e -> String? in
            guard e["type"] as? Int == start, let p = e["params"] as? [String: Any], let url = p["url"] as? String,
                  p["initiator"] as? String != "not an origin" else { return nil }
            return url
        }
        return (String(decoding: out.stdout, as: UTF8.self), requests)
    }
}

/// `redactfarm review`: the page a reviewer opens before disclosure, loaded in a real browser.
@Suite(.enabled(if: HeadlessChromium.unavailableReason == nil, "\(HeadlessChromium.unavailableReason ?? "")"))
struct ReviewPageTests {
    @Test func thePageShowsEveryTrackMakesNoRequestAndExportsDecisions() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let out = dir + "/out.mp4"
            let r = try CLI.run("run", Fixtures.corpus("groundtruth.mp4"), "-o", out, "--profile", "fast", "--zone", "10,10,20,20@0-2")
            #expect(r.status == 0, "\(r.stderr)")
            let folder = dir + "/review"
            let review = try CLI.run("review", out, "-o", folder)
            #expect(review.status == 0, "\(review.stderr)")

            // Private: it holds unredacted crops.
            var st = stat()
            #expect(stat(folder, &st) == 0 && st.st_mode & 0o777 == 0o700)
            #expect(FileManager.default.fileExists(atPath: folder + "/contact-sheet.png"))
            let sheet = try FileBytes.read(folder + "/contact-sheet.png")
            #expect(sheet.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            #expect(try SignedManifest.open(try FileBytes.read(out + ".manifest.json"), path: out).manifest.notes?.contains { $0.contains("review") } != true)

            let sidecar = try OutputRecord.detections(of: out)
            let tracks = Set(sidecar.perFrame.flatMap { $0.covered.compactMap(\.track) })
            #expect(tracks.count >= 3)
            let keep = tracks.sorted()[0], unhide = tracks.sorted()[1]
            let loaded = try HeadlessChromium.load("file://\(folder)/index.html#keep=\(keep)&unhide=\(unhide)", netLog: dir + "/net.json")
            #expect(loaded.pageRequests.isEmpty, "the page asked for \(loaded.pageRequests)")
            #expect(loaded.dom.components(separatedBy: "class=\"track-card\"").count - 1 == tracks.count)
            #expect(loaded.dom.contains("verified: signature"))

            // The decisions, as the page exports them.
            let pre = try #require(loaded.dom.range(of: "<pre id=\"corrections\">").map { loaded.dom[$0.upperBound...] })
            let json = String(pre[..<pre.range(of: "</pre>")!.lowerBound]).replacingOccurrences(of: "&quot;", with: "\"")
            let corrections = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(corrections["format"] as? String == "redactfarm-corrections")
            #expect(corrections["outputSHA256"] as? String == (try SHA256Hex.ofFile(at: out)))
            let decided = (corrections["tracks"] as? [[String: Any]] ?? []).map { "\($0["track"] ?? "")=\($0["action"] ?? "")" }
            #expect(decided == ["\(keep)=keep", "\(unhide)=unhide"])

            // What the page exports, rerender applies.
            try Data(json.utf8).write(to: URL(fileURLWithPath: dir + "/corrections.json"))
            let rerendered = try CLI.run("rerender", out, "--corrections", dir + "/corrections.json", "-o", dir + "/corrected.mp4")
            #expect(rerendered.status == 0, "\(rerendered.stderr)")
            let record = try OutputRecord.detections(of: dir + "/corrected.mp4")
            #expect(record.perFrame.contains { $0.kept?.contains { $0.track == keep } == true })
            #expect(record.perFrame.contains { $0.unhidden?.contains { $0.track == unhide } == true })
            // And a run that detects again, which finds the same tracks the same way.
            let again = try CLI.run("run", Fixtures.corpus("groundtruth.mp4"), "-o", dir + "/again.mp4", "--profile", "fast", "--zone", "10,10,20,20@0-2",
                                    "--corrections", dir + "/corrections.json")
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try OutputRecord.detections(of: dir + "/again.mp4").perFrame.contains { $0.kept?.contains { $0.track == keep } == true })

            // The check above can fail: a page that loads something is caught.
            try Data("<html><body><img src=\"http://127.0.0.1:9/x.png\"></body></html>".utf8).write(to: URL(fileURLWithPath: dir + "/leaky.html"))
            #expect(try HeadlessChromium.load("file://\(dir)/leaky.html", netLog: dir + "/net2.json").pageRequests == ["http://127.0.0.1:9/x.png"])
        }
    }

    @Test func aFolderOthersCanReadIsRefused() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let out = dir + "/out.mp4"
            #expect(try CLI.run("run", Fixtures.corpus("sparse_baseline.mp4"), "-o", out, "--targets", "none", "--zone", "0,0,8,8").status == 0)
            let open = dir + "/shared"
            try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
            let r = try CLI.run("review", out, "-o", open)
            #expect(r.status == 1 && r.stderr.contains("can be read by others") && r.stderrLines.count == 1, "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: open + "/index.html"))
            let notOurs = try CLI.run("review", Fixtures.corpus("sparse_baseline.mp4"), "-o", dir + "/r2")
            #expect(notOurs.status == 1 && notOurs.stderr.contains("no signed manifest"), "\(notOurs.stderr)")
        }
    }
}
