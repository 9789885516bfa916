import Foundation
import RedactCore

extension ReviewContent {
    /// Frames of the output a reviewer draws boxes and zones on, and how the coded picture
    /// (where boxes live) maps onto the picture as shown (where zones live).
    struct Drawing {
        struct Frame {
            var frame: Int
            var seconds: Double
            var jpeg: [UInt8]
        }

        var codedWidth: Int
        var codedHeight: Int
        var view: SourceView
        var frames: [Frame]
        /// The source's video stream these frames are of, in a file with several: each box
        /// drawn names it, so it is hidden on that camera only. nil: a file's only stream.
        var stream: Int? = nil

        /// Coded pixels to percent of the shown picture, as the affine map
        /// `[a, b, c, d, e, f]`: shown = (a·x + b·y + c, d·x + e·y + f). Exact for the quarter
        /// turns a display matrix can give, so a rectangle drawn stays a rectangle.
        var codedToShownPercent: [Double] {
            let shownSize = view.shownSize(codedWidth: codedWidth, codedHeight: codedHeight)
            let sx = 100 / Double(max(1, shownSize.width)), sy = 100 / Double(max(1, shownSize.height))
            let o = view.shown(x: 0, y: 0, codedWidth: codedWidth, codedHeight: codedHeight)
            let ex = view.shown(x: 1, y: 0, codedWidth: codedWidth, codedHeight: codedHeight)
            let ey = view.shown(x: 0, y: 1, codedWidth: codedWidth, codedHeight: codedHeight)
            return [(ex.x - o.x) * sx, (ey.x - o.x) * sx, o.x * sx, (ex.y - o.y) * sy, (ey.y - o.y) * sy, o.y * sy]
        }
    }
}

/// The review page's drawing control: pick a frame of the output, drag a box on it. In box
/// mode each drag sets the selected box track's keyframe at that frame (the corrections file
/// moves the box linearly between keyframes and hides it from the first to the last); in zone
/// mode it adds a zone for a time range. What is drawn goes into the exported corrections as
/// `boxes` (coded pixels) and `zones` (percent of the shown picture, `--zone` syntax).
enum DrawingPanel {
    static func html(_ d: ReviewContent.Drawing?) -> String {
        guard let d, !d.frames.isEmpty else { return "<p>No frames of the output could be read to draw on.</p>" }
        let thumbs = d.frames.enumerated().map { i, frame in
            "<button type=\"button\" class=\"frame-pick\" data-frame=\"\(frame.frame)\" data-seconds=\"\(String(format: "%.6f", frame.seconds))\" aria-label=\"frame \(frame.frame) at \(ReviewPage.f(frame.seconds)) s\"\(i == 0 ? " aria-pressed=\"true\"" : "")><img alt=\"\" src=\"\(ReviewPage.dataURI(frame.jpeg))\"><span>\(ReviewPage.f(frame.seconds)) s</span></button>"
        }.joined()
        return """
        <p>Where something shows that should be hidden, draw it. Pick a frame of the redacted output, then drag on the picture.
        A <b>box track</b> follows one thing: each drag sets its box on that frame (a keyframe); between keyframes the box moves in a straight line, and it is hidden from its first keyframe to its last.
        A <b>zone</b> hides an area for a time, whatever is in it\(d.stream == nil ? "" : ", on every camera of this file (boxes are drawn on this one only)").</p>
        \(d.view.clockwiseRotation == 0 ? "" : "<p class=\"small\">These frames are shown as stored; a player turns them \(d.view.clockwiseRotation)° clockwise. Zones drawn here are saved for the picture as shown, so they hide the same place.</p>")
        <div class="draw-tools">
        <label><input type="radio" name="drawmode" value="box" checked> box track</label>
        <select id="box-target" aria-label="what the box hides"><option value="face">face</option><option value="person">person</option><option value="plate">plate</option></select>
        <button type="button" id="new-track">New box track</button>
        <label class="gap"><input type="radio" name="drawmode" value="zone"> zone</label>
        from <input id="zone-from" size="8" placeholder="start" aria-label="zone from (seconds)"> until <input id="zone-until" size="8" placeholder="end" aria-label="zone until (seconds)"> s
        </div>
        <p id="draw-status" class="small"></p>
        <svg id="editor" viewBox="0 0 \(d.codedWidth) \(d.codedHeight)"\(d.stream.map { " data-stream=\"\($0)\"" } ?? "") data-width="\(d.codedWidth)" data-height="\(d.codedHeight)" data-shown="\(d.codedToShownPercent.map { String(format: "%.9g", $0) }.joined(separator: ","))">
        <image id="editor-image" x="0" y="0" width="\(d.codedWidth)" height="\(d.codedHeight)" preserveAspectRatio="none"/>
        <g id="overlay"></g><rect id="rubber" fill="none" stroke="#f1c40f" stroke-width="2" stroke-dasharray="6 4" vector-effect="non-scaling-stroke" visibility="hidden"/>
        </svg>
        <div class="frames" id="frames">\(thumbs)</div>
        <ul id="drawn"></ul>
        """
    }

    static let script = """
    const editor = document.getElementById('editor');
    const drawing = editor ? {
      width: Number(editor.dataset.width), height: Number(editor.dataset.height),
      shown: editor.dataset.shown.split(',').map(Number),
      stream: editor.dataset.stream === undefined ? null : Number(editor.dataset.stream),
      tracks: [], current: -1, zones: [], frame: null, start: null,
    } : null;
    function drawn() {
      if (!drawing) return {boxes: [], zones: []};
      return {
        boxes: drawing.tracks.filter(t => t.keyframes.length > 0).map(t => Object.assign({target: t.target,
          keyframes: t.keyframes.map(k => ({seconds: k.seconds, box: k.box}))}, drawing.stream === null ? {} : {stream: drawing.stream})),
        zones: drawing.zones.map(zoneText),
      };
    }
    function round(v, places) { const m = Math.pow(10, places); return Math.round(v * m) / m; }
    // A zone is written in percent of the picture as shown, so a turned source hides the same place.
    function zoneText(z) {
      const [a, b, c, d, e, f] = drawing.shown;
      const xs = [], ys = [];
      for (const [x, y] of [[z.box.x0, z.box.y0], [z.box.x1, z.box.y1]]) { xs.push(a * x + b * y + c); ys.push(d * x + e * y + f); }
      const x0 = Math.max(0, Math.min(...xs)), y0 = Math.max(0, Math.min(...ys));
      const x1 = Math.min(100, Math.max(...xs)), y1 = Math.min(100, Math.max(...ys));
      const pct = v => round(v, 3) + '%';
      const time = (z.from === null && z.until === null) ? '' : '@' + (z.from === null ? '' : z.from) + '-' + (z.until === null ? '' : z.until);
      return [pct(x0), pct(y0), pct(x1 - x0), pct(y1 - y0)].join(',') + time;
    }
    function boxAt(track, seconds) {
      const k = track.keyframes;
      if (!k.length || seconds < k[0].seconds - 0.0005 || seconds > k[k.length - 1].seconds + 0.0005) return null;
      for (let i = 0; i < k.length; i++) {
        if (Math.abs(k[i].seconds - seconds) <= 0.0005) return {box: k[i].box, keyframe: true};
        if (i + 1 < k.length && seconds < k[i + 1].seconds) {
          const t = (seconds - k[i].seconds) / (k[i + 1].seconds - k[i].seconds), p = k[i].box, q = k[i + 1].box;
          const mix = (u, v) => u + (v - u) * t;
          return {box: {x0: mix(p.x0, q.x0), y0: mix(p.y0, q.y0), x1: mix(p.x1, q.x1), y1: mix(p.y1, q.y1)}, keyframe: false};
        }
      }
      return null;
    }
    function zoneActive(z, seconds) { return (z.from === null || seconds >= z.from) && (z.until === null || seconds < z.until); }
    function svgRect(b, attrs) {
      const r = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
      r.setAttribute('x', b.x0); r.setAttribute('y', b.y0); r.setAttribute('width', b.x1 - b.x0); r.setAttribute('height', b.y1 - b.y0);
      r.setAttribute('vector-effect', 'non-scaling-stroke');
      for (const [k, v] of Object.entries(attrs)) r.setAttribute(k, v);
      return r;
    }
    function render() {
      const overlay = document.getElementById('overlay');
      overlay.replaceChildren();
      const seconds = drawing.frame ? drawing.frame.seconds : -1;
      drawing.zones.forEach((z, i) => { if (zoneActive(z, seconds)) overlay.appendChild(svgRect(z.box, {fill: 'rgba(41,128,185,0.35)', stroke: '#2980b9', 'stroke-width': 2, 'data-zone': i})); });
      drawing.tracks.forEach((t, i) => {
        const at = boxAt(t, seconds);
        if (at) overlay.appendChild(svgRect(at.box, {fill: 'rgba(231,76,60,0.25)', stroke: i === drawing.current ? '#f1c40f' : '#e74c3c', 'stroke-width': 3,
          'stroke-dasharray': at.keyframe ? '' : '8 5', 'data-track': i}));
      });
      const list = document.getElementById('drawn');
      list.replaceChildren();
      drawing.tracks.forEach((t, i) => {
        const li = document.createElement('li');
        const k = t.keyframes;
        li.append((i === drawing.current ? '▶ ' : '') + 'box track ' + (i + 1) + ' (' + t.target + '): ' +
          (k.length ? k.length + ' keyframe(s), hidden ' + k[0].seconds.toFixed(2) + '–' + k[k.length - 1].seconds.toFixed(2) + ' s ' : 'no keyframe yet: drag on a frame '));
        li.appendChild(button('select', () => { drawing.current = i; render(); }));
        for (const key of k) li.appendChild(button('× ' + key.seconds.toFixed(2) + ' s', () => { t.keyframes = k.filter(x => x !== key); render(); }));
        li.appendChild(button('remove track', () => { drawing.tracks.splice(i, 1); drawing.current = Math.min(drawing.current, drawing.tracks.length - 1); render(); }));
        list.appendChild(li);
      });
      drawing.zones.forEach((z, i) => {
        const li = document.createElement('li');
        li.append('zone ' + zoneText(z) + ' ');
        li.appendChild(button('remove zone', () => { drawing.zones.splice(i, 1); render(); }));
        list.appendChild(li);
      });
      show();
    }
    function button(label, action) {
      const b = document.createElement('button');
      b.type = 'button'; b.textContent = label; b.addEventListener('click', action);
      return b;
    }
    function status(text) {
      const f = drawing.frame;
      document.getElementById('draw-status').textContent = (f ? 'Frame ' + f.index + ' at ' + f.seconds.toFixed(3) + ' s. ' : '') + text;
    }
    function pick(thumb) {
      for (const t of document.querySelectorAll('.frame-pick')) t.setAttribute('aria-pressed', t === thumb ? 'true' : 'false');
      drawing.frame = {index: Number(thumb.dataset.frame), seconds: Number(thumb.dataset.seconds)};
      document.getElementById('editor-image').setAttribute('href', thumb.querySelector('img').src);
      status('');
      render();
    }
    function where(event) {
      const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(editor.getScreenCTM().inverse());
      return {x: Math.max(0, Math.min(drawing.width, p.x)), y: Math.max(0, Math.min(drawing.height, p.y))};
    }
    function seconds(input) {
      const text = input.value.trim();
      if (text === '') return null;
      const v = Number(text);
      return Number.isFinite(v) && v >= 0 ? v : NaN;
    }
    function finish(box) {
      if (drawing.mode() === 'box') {
        if (drawing.current < 0) newTrack();
        const track = drawing.tracks[drawing.current];
        track.keyframes = track.keyframes.filter(k => Math.abs(k.seconds - drawing.frame.seconds) > 0.0005);
        track.keyframes.push({seconds: drawing.frame.seconds, box: box});
        track.keyframes.sort((p, q) => p.seconds - q.seconds);
        status('Box track ' + (drawing.current + 1) + ': keyframe at ' + drawing.frame.seconds.toFixed(3) + ' s.');
      } else {
        const from = seconds(document.getElementById('zone-from')), until = seconds(document.getElementById('zone-until'));
        if (Number.isNaN(from) || Number.isNaN(until)) { status('A zone\\'s from and until are seconds from the first frame (0 or more), or empty for start and end.'); return; }
        if (from !== null && until !== null && until <= from) { status('The zone would end before it starts.'); return; }
        drawing.zones.push({box: box, from: from, until: until});
        status('Zone ' + drawing.zones.length + ' added.');
      }
      render();
    }
    function newTrack() {
      drawing.tracks.push({target: document.getElementById('box-target').value, keyframes: []});
      drawing.current = drawing.tracks.length - 1;
    }
    if (drawing) {
      drawing.mode = () => document.querySelector('input[name="drawmode"]:checked').value;
      for (const thumb of document.querySelectorAll('.frame-pick')) thumb.addEventListener('click', () => pick(thumb));
      document.getElementById('new-track').addEventListener('click', () => { newTrack(); status('Box track ' + drawing.tracks.length + ': drag on a frame to place it.'); render(); });
      const rubber = document.getElementById('rubber');
      const norm = (p, q) => ({x0: round(Math.min(p.x, q.x), 1), y0: round(Math.min(p.y, q.y), 1), x1: round(Math.max(p.x, q.x), 1), y1: round(Math.max(p.y, q.y), 1)});
      editor.addEventListener('pointerdown', e => { if (e.button !== 0 || !drawing.frame) return; drawing.start = where(e); editor.setPointerCapture(e.pointerId); e.preventDefault(); });
      editor.addEventListener('pointermove', e => {
        if (!drawing.start) return;
        const b = norm(drawing.start, where(e));
        rubber.setAttribute('x', b.x0); rubber.setAttribute('y', b.y0); rubber.setAttribute('width', b.x1 - b.x0); rubber.setAttribute('height', b.y1 - b.y0);
        rubber.setAttribute('visibility', 'visible');
      });
      editor.addEventListener('pointerup', e => {
        if (!drawing.start) return;
        const b = norm(drawing.start, where(e));
        drawing.start = null;
        rubber.setAttribute('visibility', 'hidden');
        // A click is not a box: anything under two pixels either way is dropped.
        if (b.x1 - b.x0 < 2 || b.y1 - b.y0 < 2) { status('Drag to draw: a box needs some size.'); return; }
        finish(b);
      });
      const first = document.querySelector('.frame-pick');
      if (first) pick(first);
    }
    """
}
