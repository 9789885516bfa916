import CFFmpeg

/// A source's HDR10 static metadata as its decoded frames carry it (from the bitstream's SEI):
/// the mastering display and the content light level. Re-encoded frames lose it unless the
/// encoder is told (FFmpeg 5.1's libx264 and libx265 wrappers do not pass frame side data on),
/// so it goes into their parameters. Container-level copies (MP4 `mdcv`/`clli`, Matroska
/// colour elements) travel with the stream's side data, which the stitch copies.
package struct HDRMetadata: Equatable, Sendable {
    /// x264 and x265 syntax: G(x,y)B(x,y)R(x,y)WP(x,y)L(max,min), chromaticities in units of
    /// 0.00002 and luminance in 0.0001 cd/m², as SMPTE ST 2086 codes them.
    package var masteringDisplay: String?
    /// "MaxCLL,MaxFALL" in cd/m².
    package var contentLight: String?

    package var isEmpty: Bool { masteringDisplay == nil && contentLight == nil }

    package init(frame: UnsafePointer<AVFrame>) {
        if let sd = av_frame_get_side_data(frame, AV_FRAME_DATA_MASTERING_DISPLAY_METADATA) {
            let m = sd.pointee.data.withMemoryRebound(to: AVMasteringDisplayMetadata.self, capacity: 1) { $0.pointee }
            if m.has_primaries != 0, m.has_luminance != 0 {
                func chroma(_ q: AVRational) -> Int { Int((av_q2d(q) * 50_000).rounded()) }
                func luminance(_ q: AVRational) -> Int { Int((av_q2d(q) * 10_000).rounded()) }
                let (r, g, b) = (m.display_primaries.0, m.display_primaries.1, m.display_primaries.2)
                masteringDisplay = "G(\(chroma(g.0)),\(chroma(g.1)))B(\(chroma(b.0)),\(chroma(b.1)))R(\(chroma(r.0)),\(chroma(r.1)))"
                    + "WP(\(chroma(m.white_point.0)),\(chroma(m.white_point.1)))L(\(luminance(m.max_luminance)),\(luminance(m.min_luminance)))"
            }
        }
        if let sd = av_frame_get_side_data(frame, AV_FRAME_DATA_CONTENT_LIGHT_LEVEL) {
            let c = sd.pointee.data.withMemoryRebound(to: AVContentLightMetadata.self, capacity: 1) { $0.pointee }
            contentLight = "\(c.MaxCLL),\(c.MaxFALL)"
        }
    }

    package init() {}

    /// The x265-params entries that write it back.
    var x265Parameters: String {
        (masteringDisplay.map { ":master-display=\($0)" } ?? "") + (contentLight.map { ":max-cll=\($0)" } ?? "") + (isEmpty ? "" : ":hdr10=1")
    }

    /// The x264-params entries that write it back.
    var x264Parameters: String {
        (masteringDisplay.map { ":mastering-display=\($0)" } ?? "") + (contentLight.map { ":cll=\($0)" } ?? "")
    }
}
