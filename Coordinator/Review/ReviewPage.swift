import Foundation
import RedactCore

/// Everything the review page shows, gathered before it is drawn.
struct ReviewContent {
    var outputName: String
    var manifest: RedactionManifest
    /// "verified: …" or the first mismatch `verify` found.
    var verdict: (passed: Bool, text: String)
    var tracks: ReviewTracks
    /// JPEG bytes by picture (about a tenth of PNG for camera pictures, which keeps the page
    /// small enough to open): the contact sheet, each crop and the zones' still.
    var contactSheet: [UInt8]
    var contactSheetTimes: [Double]
    var sourceCrops: [String: [UInt8]]
    var outputCrops: [String: [UInt8]]
    var still: (picture: [UInt8], width: Int, height: Int, codedWidth: Int, codedHeight: Int)?
    var findingCrops: [Int: [UInt8]]
    var drawing: Drawing?
    var covers: [Cover] = []
    var notes: [String]
    /// The video stream shown, in a file with several (nil: its only one).
    var stream: ShownStream? = nil
    /// Corrections the page starts from (`review --corrections`): its decisions on tracks
    /// shown here are made on the page, and everything else in it is saved with the page's.
    var carried: Corrections? = nil

    static func cropKey(track: Int, frame: Int) -> String { "\(track)@\(frame)" }

    /// Cover art as the source had it and as the output holds it (JPEG or PNG bytes).
    struct Cover {
        var stream: Int
        var codec: String
        var source: [UInt8]?
        var redacted: [UInt8]
        var hidden: Int
    }
}

/// The review page: one self-contained HTML file (inline CSS, script and pictures; a
/// Content-Security-Policy that lets the browser fetch nothing), so it can be opened from a
/// USB stick on a machine with no network and cannot leak what it shows.
enum ReviewPage {
    static func html(_ c: ReviewContent) -> String {
        let m = c.manifest
        var h = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
        <meta name="referrer" content="no-referrer">
        <title>Review: \(esc(c.outputName))</title>
        <style>\(css)</style></head><body>
        <header><h1>Review: \(esc(c.outputName))</h1>
        <p class="warn">This page holds unredacted crops of the source. Keep it where only reviewers can read it; it is not part of the output and the manifest does not list it.</p>
        <p class="\(c.verdict.passed ? "ok" : "bad")" id="verdict">\(c.verdict.passed ? "✔" : "✘") \(esc(c.verdict.text))</p>
        </header>
        """
        h += section("File", id: "file", fileTable(c))
        h += section("Contact sheet", id: "sheet", contactSheet(c))
        h += section("Timeline", id: "timeline", timeline(c))
        h += section("Tracks (\(c.tracks.tracks.count))", id: "tracks", c.tracks.tracks.isEmpty ? "<p>No tracks: nothing was detected.</p>" : c.tracks.tracks.map { card($0, c) }.joined())
        h += section("Zones (\(m.parameters.zones.count))", id: "zones", zones(c))
        if !c.covers.isEmpty { h += section("Cover art", id: "cover", covers(c)) }
        h += section("Possible misses", id: "misses", misses(c))
        h += section("Add boxes and zones", id: "draw", DrawingPanel.html(c.drawing))
        h += section("Corrections", id: "export", corrections(c))
        if !c.notes.isEmpty { h += section("Notes", id: "notes", "<ul>" + c.notes.map { "<li>\(esc($0))</li>" }.joined() + "</ul>") }
        h += "<script>\(script(c))</script></body></html>\n"
        return h
    }

    /// A part of the page; `id` lets an address open at it (`index.html#draw`).
    static func section(_ title: String, id: String, _ body: String) -> String {
        "<section id=\"\(id)\"><h2>\(esc(title))</h2>\(body)</section>\n"
    }

    /// ", and N GOP(s) of the redacted ones" where redacted segments hold GOPs that are the source's.
    static func copiedGOPsNote(_ m: RedactionManifest) -> String {
        let gops = m.segments.reduce(0) { $0 + ($1.copiedGOPs?.count ?? 0) }
        return gops == 0 ? "" : ", and \(gops) GOP(s) of the redacted ones"
    }

    static func fileTable(_ c: ReviewContent) -> String {
        let m = c.manifest, job = m.parameters
        var rows: [(String, String)] = [
            ("Output", "\(m.output.path) (\(m.output.sizeBytes) bytes, SHA-256 \(m.output.sha256))"),
            ("Source", "\(m.input.path) (SHA-256 \(m.input.sha256))"),
            ("Frames", (c.stream.map { "\(m.videoFrames) in \($0.all.count) video streams, this one's \(c.tracks.frameSeconds.count)" } ?? "\(m.videoFrames)")
                + ", \(String(format: "%.2f", c.tracks.duration)) s, \(m.segments.count) segment(s), \(m.segments.filter(\.isCopied).count) copied from the source" + Self.copiedGOPsNote(m)),
            ("Hidden", "\(m.detections.tracks) track(s), \(m.detections.framesWithRedaction) frame(s) with something hidden"),
        ]
        if let shown = c.stream {
            let others = shown.all.filter { $0 != shown.source }.map { "--stream \($0)" }.joined(separator: ", ")
            rows.append(("Shown", "video stream \(shown.source) of \(shown.all.count): its \(c.tracks.tracks.count) track(s) and frames; boxes drawn here hide on this stream only (review again with \(others) for the others)"))
        }
        rows += [
            ("Targets", job.targets.map(\.rawValue).sorted().joined(separator: ", ") + (job.zones.isEmpty ? "" : "; \(job.zones.count) zone(s)")),
            ("Detector", "threshold \(job.detector.threshold), inference scale \(job.detector.inferenceScale), full pass every \(job.detector.every) frame(s)" + (job.detector.inferenceScale > 1 && !job.detector.magnifies(passAt: job.detector.every) ? ", magnified and 1x passes in turn" : "") + (m.inference.map { "; \($0)" } ?? "")),
            ("Look", "\(job.look.style.rawValue), \(job.look.shape.rawValue), padding \(job.look.padding)"),
        ]
        if let audio = job.audio { rows.append(("Audio", audio.mode == .drop ? "dropped" : audio.summary)) }
        if let p = m.provenance {
            rows.append(("Requested", [p.caseReference.map { "case \($0)" }, p.operatorName.map { "by \($0)" }, p.reason.map { "for \($0)" }]
                .compactMap { $0 }.joined(separator: ", ")))
        }
        var t = "<table class=\"kv\">" + rows.map { "<tr><th>\(esc($0.0))</th><td>\(esc($0.1))</td></tr>" }.joined() + "</table>"
        if let streams = m.streams {
            t += "<table class=\"streams\"><tr><th>#</th><th>type</th><th>codec</th><th>done</th><th>why</th></tr>"
            t += streams.map { s in
                "<tr><td>\(s.stream.index)</td><td>\(esc(s.stream.type))</td><td>\(esc(s.stream.codec))</td><td>\(s.stream.action.rawValue)</td><td>\(esc(s.stream.reason ?? ""))</td></tr>"
            }.joined() + "</table>"
        }
        return t
    }

    static func contactSheet(_ c: ReviewContent) -> String {
        let times = c.contactSheetTimes.map { String(format: "%.2f s", $0) }.joined(separator: " · ")
        return "<img class=\"sheet\" alt=\"contact sheet of the redacted output\" src=\"\(dataURI(c.contactSheet))\"><p class=\"small\">The redacted output at \(esc(times)) (also written as contact-sheet.png).</p>"
    }

    static let colours = ["detected": "#c0392b", "interpolated": "#e59866", "extended": "#aab7b8"]

    static func timeline(_ c: ReviewContent) -> String {
        let width = 1000.0, row = 14.0, label = 110.0
        let duration = max(c.tracks.duration, 0.001)
        let x = { (t: Double) in label + t / duration * (width - label) }
        let findings = c.manifest.audit?.findings ?? []
        let rows = c.tracks.tracks.count + (findings.isEmpty ? 0 : 1)
        var s = "<svg class=\"timeline\" viewBox=\"0 0 \(Int(width)) \(Int(Double(rows) * row + 24))\" role=\"img\" aria-label=\"tracks over time\">"
        for (i, t) in c.tracks.tracks.enumerated() {
            let y = Double(i) * row
            s += "<text x=\"0\" y=\"\(y + 11)\">#\(t.id) \(esc(t.target))</text>"
            for r in t.runs {
                s += "<rect x=\"\(f(x(r.from)))\" y=\"\(y + 2)\" width=\"\(f(max(1, x(r.until) - x(r.from))))\" height=\"\(row - 4)\" fill=\"\(colours[r.origin] ?? "#888")\"><title>#\(t.id) \(r.origin) \(f(r.from))–\(f(r.until)) s</title></rect>"
            }
        }
        if !findings.isEmpty {
            let y = Double(c.tracks.tracks.count) * row
            s += "<text x=\"0\" y=\"\(y + 11)\" fill=\"#8e44ad\">possible misses</text>"
            for finding in findings { s += "<rect x=\"\(f(x(finding.seconds)))\" y=\"\(y + 1)\" width=\"2\" height=\"\(row - 2)\" fill=\"#8e44ad\"><title>\(f(finding.seconds)) s, score \(f(finding.score))</title></rect>" }
        }
        let axisY = Double(rows) * row + 14
        for k in 0...10 {
            let t = duration * Double(k) / 10
            s += "<text x=\"\(f(x(t)))\" y=\"\(axisY)\" class=\"axis\">\(String(format: "%.1f", t))</text>"
        }
        s += "</svg><p class=\"small\"><span class=\"key\" style=\"background:#c0392b\"></span>detected <span class=\"key\" style=\"background:#e59866\"></span>interpolated between hits <span class=\"key\" style=\"background:#aab7b8\"></span>extended before the first or after the last hit; seconds from the first frame.</p>"
        return s
    }

    static func card(_ t: ReviewTrack, _ c: ReviewContent) -> String {
        let crops = { (pool: [String: [UInt8]], label: String) -> String in
            let imgs = t.samples.compactMap { s in
                pool[ReviewContent.cropKey(track: t.id, frame: s.frame)].map { "<figure><img alt=\"\(label) at \(f(s.seconds)) s\" src=\"\(dataURI($0))\"><figcaption>\(f(s.seconds)) s</figcaption></figure>" }
            }
            return imgs.isEmpty ? "" : "<div class=\"strip\"><span class=\"rowlabel\">\(label)</span>\(imgs.joined())</div>"
        }
        return """
        <article class="track-card" data-track="\(t.id)" data-target="\(esc(t.target))" data-from="\(String(format: "%.6f", t.firstSeconds))" data-until="\(String(format: "%.6f", t.lastSeconds))" id="track-\(t.id)">
        <h3>#\(t.id) \(esc(t.target))</h3>
        <p>\(f(t.firstSeconds))–\(f(t.lastSeconds)) s · \(t.frames) frame(s): \(t.detected) detected, \(t.interpolated) interpolated, \(t.extended) extended\(t.bestScore.map { " · best score \($0)" } ?? "")</p>
        \(crops(c.sourceCrops, "source"))\(crops(c.outputCrops, "redacted"))
        <div class="choices" role="radiogroup" aria-label="decision for track \(t.id)">
        <label><input type="radio" name="t\(t.id)" value="hide" checked> keep hidden</label>
        <label><input type="radio" name="t\(t.id)" value="unhide"> not a \(esc(t.target)): unhide</label>
        <label><input type="radio" name="t\(t.id)" value="keep"> keep visible (data subject)</label>
        </div></article>
        """
    }

    static func zones(_ c: ReviewContent) -> String {
        let zones = c.manifest.parameters.zones
        guard !zones.isEmpty else { return "<p>No zones.</p>" }
        guard let still = c.still else { return "<p>\(zones.count) zone(s); no still could be made.</p>" }
        var s = "<svg class=\"still\" viewBox=\"0 0 \(still.codedWidth) \(still.codedHeight)\"><image href=\"\(dataURI(still.picture))\" width=\"\(still.codedWidth)\" height=\"\(still.codedHeight)\"/>"
        for (n, zone) in zones.enumerated() {
            let p = zone.inShownPixels(width: still.codedWidth, height: still.codedHeight).points.map { "\(f($0.x)),\(f($0.y))" }.joined(separator: " ")
            s += "<polygon points=\"\(p)\" fill=\"rgba(41,128,185,0.25)\" stroke=\"#2980b9\" stroke-width=\"2\"><title>zone #\(n + 1)</title></polygon>"
        }
        s += "</svg><ol>" + zones.map { z in "<li>\(z.from == nil && z.until == nil ? "throughout" : "\(z.from.map(f) ?? "start")–\(z.until.map(f) ?? "end") s")</li>" }.joined() + "</ol>"
        return s + "<p class=\"small\">Drawn on the source's first frame.</p>"
    }

    static func covers(_ c: ReviewContent) -> String {
        c.covers.map { cover in
            let img = { (bytes: [UInt8], label: String) in
                "<figure><img class=\"cover\" alt=\"cover art, \(label)\" src=\"\(dataURI(bytes))\"><figcaption>\(label)</figcaption></figure>"
            }
            return "<p>Stream \(cover.stream) (\(esc(cover.codec))): \(cover.hidden) region(s) hidden. Cover art is not in the detections sidecar; a correction to it means running the source again.</p><div class=\"strip\">"
                + (cover.source.map { img($0, "source") } ?? "") + img(cover.redacted, "redacted") + "</div>"
        }.joined()
    }

    static func misses(_ c: ReviewContent) -> String {
        guard let audit = c.manifest.audit else { return "<p>No leak audit was run (redactfarm audit OUT, or --audit).</p>" }
        guard !audit.findings.isEmpty else { return "<p>The leak audit (\(esc(audit.detector)), \(audit.framesExamined) frames) found nothing outside the hidden regions.</p>" }
        return "<p>Found by the leak audit outside every hidden region; look at each.</p><div class=\"strip\">" + audit.findings.enumerated().map { i, finding in
            let img = c.findingCrops[i].map { "<img alt=\"possible miss\" src=\"\(dataURI($0))\">" } ?? ""
            return "<figure class=\"miss\">\(img)<figcaption>\(f(finding.seconds)) s, score \(f(finding.score))</figcaption></figure>"
        }.joined() + "</div>"
    }

    static func corrections(_ c: ReviewContent) -> String {
        var carried = ""
        if let k = c.carried {
            let shown = Set(c.tracks.tracks.map(\.id))
            let elsewhere = k.tracks.filter { !shown.contains($0.track) }.count
            carried = "<p id=\"carried\">Started from the corrections file given (--corrections): \(k.tracks.count - elsewhere) decision(s) made above, and \(elsewhere) on tracks not shown here, \(k.boxes.count) box track(s) and \(k.zones.count) zone(s) saved as they are, before this page's.</p>"
        }
        return carried + """
        <p>Decisions and drawings made above, as a corrections file (docs/corrections.md). Save it and give it to the operator; nothing leaves this page.</p>
        <button id="save" type="button">Save corrections.json</button>
        <pre id="corrections"></pre>
        """
    }

    static func script(_ c: ReviewContent) -> String {
        let header: [String: String] = ["format": "redactfarm-corrections", "output": c.outputName, "outputSHA256": c.manifest.output.sha256]
        let headerJSON = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]  // slashes stay escaped: no "</script>" can close the script
        let carriedJSON = String(decoding: (try? encoder.encode(c.carried ?? Corrections())) ?? Data(#"{"tracks":[],"boxes":[],"zones":[]}"#.utf8), as: UTF8.self)
        return """
        const header = \(headerJSON);
        // What the page started from (review --corrections): decisions on tracks shown here are
        // made on the page below; the rest is saved as it is, before what is drawn here.
        const carried = \(carriedJSON);
        function decisions() {
          const tracks = [];
          for (const card of document.querySelectorAll('.track-card')) {
            const chosen = card.querySelector('input:checked');
            // What the page saw of the track goes with the decision: a run that detects again
            // applies it only to a track found the same way.
            if (chosen && chosen.value !== 'hide') tracks.push({track: Number(card.dataset.track), action: chosen.value,
              target: card.dataset.target, from: Number(card.dataset.from), until: Number(card.dataset.until)});
          }
          const added = drawn();
          const onPage = new Set([...document.querySelectorAll('.track-card')].map(card => Number(card.dataset.track)));
          return Object.assign({}, header, {version: 1, tracks: carried.tracks.filter(t => !onPage.has(t.track)).concat(tracks),
            boxes: carried.boxes.concat(added.boxes), zones: carried.zones.concat(added.zones)});
        }
        for (const t of carried.tracks) {
          const input = document.querySelector('input[name="t' + t.track + '"][value="' + t.action + '"]');
          if (input) input.checked = true;
        }
        function show() { document.getElementById('corrections').textContent = JSON.stringify(decisions(), null, 2); }
        // #keep=3,5&unhide=7 opens the page with those decisions made.
        for (const part of location.hash.slice(1).split('&')) {
          const [action, ids] = part.split('=');
          if (!['keep', 'unhide', 'hide'].includes(action) || !ids) continue;
          for (const id of ids.split(',')) {
            const input = document.querySelector('input[name="t' + Number(id) + '"][value="' + action + '"]');
            if (input) input.checked = true;
          }
        }
        document.addEventListener('change', show);
        document.getElementById('save').addEventListener('click', () => {
          const a = document.createElement('a');
          a.href = 'data:application/json;charset=utf-8,' + encodeURIComponent(JSON.stringify(decisions(), null, 2) + '\\n');
          a.download = 'corrections.json';
          a.click();
        });
        """ + DrawingPanel.script + "\nshow();\n"
    }

    static let css = """
    body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:16px;color:#222}
    h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;border-bottom:1px solid #ddd;padding-bottom:2px;margin-top:28px}
    h3{font-size:14px;margin:0}.warn{background:#fdf2e9;border-left:4px solid #e67e22;padding:6px 10px}
    .ok{color:#1e8449;font-weight:600}.bad{color:#c0392b;font-weight:600}
    table{border-collapse:collapse;margin:8px 0}td,th{text-align:left;padding:2px 10px 2px 0;vertical-align:top}
    .kv th{color:#666;font-weight:normal;white-space:nowrap}.streams th{color:#666;font-weight:normal}
    .sheet{max-width:100%;border:1px solid #ccc}.small{color:#666;font-size:12px}
    .timeline{width:100%;font-size:10px}.timeline .axis{fill:#666}.still{max-width:640px;width:100%}
    .key{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
    .track-card{border:1px solid #ddd;border-radius:4px;padding:8px;margin:8px 0}
    .strip{display:flex;flex-wrap:wrap;gap:6px;align-items:flex-end;margin:6px 0}.rowlabel{width:60px;color:#666}
    figure{margin:0}figure img{height:96px;display:block}figcaption{font-size:11px;color:#666}
    .choices label{margin-right:16px}.draw-tools{margin:8px 0}.draw-tools .gap{margin-left:24px}
    #editor{width:100%;max-width:960px;display:block;background:#111;cursor:crosshair;touch-action:none;user-select:none}
    .frames{display:flex;flex-wrap:wrap;gap:4px;margin:6px 0}.frame-pick{padding:1px;border:2px solid transparent;background:none;cursor:pointer}
    .frame-pick img{height:54px;display:block}.frame-pick span{font-size:10px;color:#666}.frame-pick[aria-pressed=true]{border-color:#f1c40f}
    #drawn button{margin-left:6px}figure img.cover{height:240px}pre{background:#f4f6f7;padding:8px;overflow:auto}
    """

    /// A picture inline, typed by its first bytes (PNG or JPEG).
    static func dataURI(_ picture: [UInt8]) -> String {
        (picture.starts(with: [0x89, 0x50, 0x4E, 0x47]) ? "data:image/png;base64," : "data:image/jpeg;base64,") + Data(picture).base64EncodedString()
    }
    static func f(_ v: Double) -> String { String(format: "%.2f", v) }
    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
