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

    /// The controls as a reviewer uses them, with a mouse: a face kept visible, a box track
    /// drawn on two frames, a zone for a second; what the page exports, rerender applies.
    @Test func drawnBoxesAndZonesAndClickedDecisionsAreExportedAndApplied() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let out = dir + "/out.mp4"
            let r = try CLI.run("run", Fixtures.corpus("groundtruth.mp4"), "-o", out, "--profile", "fast")
            #expect(r.status == 0, "\(r.stderr)")
            let folder = dir + "/review"
            #expect(try CLI.run("review", out, "-o", folder).status == 0)
            let sidecar = try OutputRecord.detections(of: out)
            let keep = try #require(Set(sidecar.perFrame.flatMap { $0.covered.compactMap(\.track) }).min())
            let (codedWidth, codedHeight) = (640.0, 360.0)

            let page = try DevToolsSession(chromium: HeadlessChromium.binary!, url: "file://\(folder)/index.html#draw", profile: dir + "/profile")
            // Every inline picture (JPEG crops and frames) decodes.
            #expect(try page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0) && document.images.length") as? Int ?? 0 > 40)
            try page.click("input[name=\"t\(keep)\"][value=\"keep\"]")
            let picks = try #require(try page.evaluate("[...document.querySelectorAll('.frame-pick')].map(b => Number(b.dataset.seconds))") as? [Double])
            #expect(picks.count >= 40)
            let (first, second) = (picks[10], picks[14])
            // Viewport pixels to coded pixels, from where the picture lies on the screen.
            func drag(_ a: (Double, Double), _ b: (Double, Double)) throws -> Box {
                let e = try page.rect(of: "#editor")
                let at = { (p: (Double, Double)) in (x: e.x + p.0 / codedWidth * e.width, y: e.y + p.1 / codedHeight * e.height) }
                try page.drag(from: at(a), to: at(b))
                return Box(x0: min(a.0, b.0), y0: min(a.1, b.1), x1: max(a.0, b.0), y1: max(a.1, b.1))
            }
            try page.click(".frame-pick:nth-child(11)")
            let boxA = try drag((100, 50), (180, 140))
            try page.click(".frame-pick:nth-child(15)")
            let boxB = try drag((300, 60), (220, 150))  // dragged up and left: the same box
            #expect(try page.evaluate("document.getElementById('draw-status').textContent") as? String == String(format: "Frame %d at %.3f s. Box track 1: keyframe at %.3f s.", Int((second * 25).rounded()), second, second))
            try page.click("input[name=drawmode][value=zone]")
            try page.click("#zone-from")
            try page.type("1")
            try page.click("#zone-until")
            try page.type("2")
            _ = try drag((0, 288), (64, 360))
            try page.click(".frame-pick:nth-child(15)")
            _ = try drag((5, 5), (6, 6))  // a click, not a box: nothing is added
            try page.screenshot(to: dir + "/draw.png")
            let exported = try #require(try page.evaluate("document.getElementById('corrections').textContent") as? String)
            let corrections = try JSONDecoder().decode(Corrections.self, from: Data(exported.utf8))
            #expect(corrections.tracks.map(\.track) == [keep] && corrections.tracks.first?.action == .keep)
            #expect(corrections.zones == ["0%,80%,10%,20%@1-2"])
            let track = try #require(corrections.boxes.first)
            #expect(corrections.boxes.count == 1 && track.target == .face)
            #expect(track.keyframes.map(\.seconds) == [first, second])
            // Where the mouse went, to a pixel (the page rounds to a tenth; the screen has fewer pixels than the frame).
            for (key, expected) in zip(track.keyframes, [boxA, boxB]) {
                let b = key.box
                #expect([b.x0 - expected.x0, b.y0 - expected.y0, b.x1 - expected.x1, b.y1 - expected.y1].allSatisfy { abs($0) <= 1.5 }, "\(b) vs \(expected)")
            }

            try Data(exported.utf8).write(to: URL(fileURLWithPath: dir + "/corrections.json"))
            let rerendered = try CLI.run("rerender", out, "--corrections", dir + "/corrections.json", "-o", dir + "/corrected.mp4")
            #expect(rerendered.status == 0, "\(rerendered.stderr)")
            let record = try OutputRecord.detections(of: dir + "/corrected.mp4")
            let manualFrames = record.perFrame.filter { $0.covered.contains { $0.origin == .manual } }.compactMap(\.seconds)
            let framesBetween = record.perFrame.compactMap(\.seconds).filter { $0 >= first - 1e-6 && $0 <= second + 1e-6 }
            #expect(manualFrames.count == framesBetween.count && framesBetween.count > 2)
            #expect(manualFrames.allSatisfy { $0 >= first - 1e-6 && $0 <= second + 1e-6 })
            let zoneFrames = record.perFrame.filter { $0.covered.contains { $0.target == .zone } }.compactMap(\.seconds)
            #expect(zoneFrames.count == 25 && zoneFrames.allSatisfy { $0 >= 1 - 1e-6 && $0 < 2 })
            #expect(record.perFrame.contains { $0.kept?.contains { $0.track == keep } == true })
            #expect(try CLI.run("verify", dir + "/corrected.mp4").status == 0)
        }
    }

    /// An NVR export with two cameras: the page shows one at a time (`--stream`), a box drawn
    /// on the second camera names it, and both `rerender` and a run that detects again hide it
    /// on that camera only; the first camera's segments are the earlier output's, bit for bit.
    @Test func aTwoCameraOutputIsReviewedACameraAtATimeAndItsBoxesStayOnIt() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let source = try MultipleVideoStreamsTests.twoFaces(in: dir)
            let out = dir + "/out.mp4"
            let r = try CLI.run("run", source, "-o", out, "--profile", "fast")
            try #require(r.status == 0, "\(r.stderr)")
            let first = try CLI.run("review", out, "-o", dir + "/r0")
            #expect(first.status == 0 && first.stderr.contains("the output has 2 video streams (source streams 0, 1): this page shows stream 0"), "\(first.stderr)")
            let wrong = try CLI.run("review", out, "-o", dir + "/r7", "--stream", "7")
            #expect(wrong.status == 1 && wrong.stderrLines.count == 1 && wrong.stderr.contains("no redacted video stream 7") && wrong.stderr.contains("0, 1"), "\(wrong.stderr)")
            let second = try CLI.run("review", out, "-o", dir + "/r1", "--stream", "1")
            #expect(second.status == 0 && second.stderr.isEmpty, "\(second.stderr)")

            let sidecar = try OutputRecord.detections(of: out)
            func tracks(_ stream: Int?) -> Set<Int> { Set(sidecar.perFrame.filter { $0.stream == stream }.flatMap { $0.covered.compactMap(\.track) }) }
            #expect(!tracks(nil).isEmpty && !tracks(1).isEmpty && tracks(nil).isDisjoint(with: tracks(1)))
            let page = try DevToolsSession(chromium: HeadlessChromium.binary!, url: "file://\(dir)/r1/index.html#draw", profile: dir + "/profile")
            #expect(try page.evaluate("document.querySelectorAll('.track-card').length") as? Int == tracks(1).count)
            #expect(try page.evaluate("document.getElementById('editor').dataset.stream") as? String == "1")
            let picks = try #require(try page.evaluate("[...document.querySelectorAll('.frame-pick')].map(b => Number(b.dataset.seconds))") as? [Double])
            try #require(picks.count > 12)
            /// From and to as shares of the picture's width and height.
            func drag(_ a: (Double, Double), _ b: (Double, Double)) throws {
                let e = try page.rect(of: "#editor")
                let at = { (p: (Double, Double)) in (x: e.x + p.0 * e.width, y: e.y + p.1 * e.height) }
                try page.drag(from: at(a), to: at(b))
            }
            try page.click(".frame-pick:nth-child(3)")
            try drag((0.1, 0.1), (0.4, 0.5))
            try page.click(".frame-pick:nth-child(12)")
            try drag((0.2, 0.1), (0.5, 0.5))
            let exported = try #require(try page.evaluate("document.getElementById('corrections').textContent") as? String)
            let corrections = try JSONDecoder().decode(Corrections.self, from: Data(exported.utf8))
            #expect(corrections.boxes.count == 1 && corrections.boxes.first?.stream == 1, "\(exported)")
            try Data(exported.utf8).write(to: URL(fileURLWithPath: dir + "/c.json"))

            func manualStreams(_ path: String) throws -> [Int?] {
                try OutputRecord.detections(of: path).perFrame.filter { $0.covered.contains { $0.origin == .manual } }.map(\.stream)
            }
            let rerendered = try CLI.run("rerender", out, "--corrections", dir + "/c.json", "-o", dir + "/a.mp4")
            #expect(rerendered.status == 0, "\(rerendered.stderr)")
            let boxed = try manualStreams(dir + "/a.mp4")
            #expect(boxed.count > 2 && boxed.allSatisfy { $0 == 1 }, "\(boxed)")
            let after = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(dir + "/a.mp4")), path: dir + "/a.mp4").manifest
            #expect(after.segments.filter { $0.stream == nil }.allSatisfy { $0.isReused }, "\(after.segments.map { ($0.stream, $0.handling) })")
            #expect(try CLI.run("verify", dir + "/a.mp4").status == 0)

            // A run that detects again: the box reaches its camera's worker only.
            let again = try CLI.run("run", source, "-o", dir + "/b.mp4", "--profile", "fast", "--corrections", dir + "/c.json")
            #expect(again.status == 0, "\(again.stderr)")
            let boxedAgain = try manualStreams(dir + "/b.mp4")
            #expect(boxedAgain == boxed, "\(boxedAgain)")

            // The first camera's page, started from the second's file: a face kept visible there,
            // and the file it saves holds both cameras' corrections.
            let carrying = try CLI.run("review", out, "-o", dir + "/r0c", "--corrections", dir + "/c.json")
            #expect(carrying.status == 0, "\(carrying.stderr)")
            let keep = try #require(tracks(nil).min())
            let page0 = try DevToolsSession(chromium: HeadlessChromium.binary!, url: "file://\(dir)/r0c/index.html#export", profile: dir + "/profile0")
            try page0.click("input[name=\"t\(keep)\"][value=\"keep\"]")
            let both = try JSONDecoder().decode(Corrections.self, from: Data(try #require(try page0.evaluate("document.getElementById('corrections').textContent") as? String).utf8))
            #expect(both.boxes == corrections.boxes && both.tracks.map(\.track) == [keep], "\(both)")
            try JSONEncoder().encode(both).write(to: URL(fileURLWithPath: dir + "/both.json"))
            #expect(try CLI.run("rerender", out, "--corrections", dir + "/both.json", "-o", dir + "/c2.mp4").status == 0)
            let record = try OutputRecord.detections(of: dir + "/c2.mp4")
            #expect(record.perFrame.contains { $0.stream == nil && $0.kept?.contains { $0.track == keep } == true })
            #expect(try manualStreams(dir + "/c2.mp4") == boxed)
            let elsewhere = try CLI.run("review", dir + "/c2.mp4", "-o", dir + "/r-other", "--corrections", dir + "/both.json")
            #expect(elsewhere.status == 1 && elsewhere.stderr.contains("was made on another output"), "\(elsewhere.stderr)")
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
