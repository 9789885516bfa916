import CFFmpeg
import Foundation
import RedactSupport

/// Which muxer writes the same container type as a source, so a stitched output is the kind
/// of file that went in (and every stream's time base survives unchanged).
public enum ContainerFormat {
    package static func muxerName(for input: MediaInput) throws(MediaError) -> String {
        let ext = URL(fileURLWithPath: input.path).pathExtension.lowercased()
        switch input.formatName {
        case let name where name.hasPrefix("mov,"):
            let brand = av_dict_get(input.context.pointee.metadata, "major_brand", nil, 0).map { String(cString: $0.pointee.value) }
            if ext == "mov" || brand == "qt  " { return "mov" }
            if ext == "3gp" { return "3gp" }
            return "mp4"
        case "matroska,webm":
            return ext == "webm" ? "webm" : "matroska"
        case "mpegvideo":
            // The raw MPEG-1/2 video demuxer; the muxer is named by the codec.
            let video = try input.primaryVideoStream()
            return input.stream(video).pointee.codecpar.pointee.codec_id == AV_CODEC_ID_MPEG1VIDEO ? "mpeg1video" : "mpeg2video"
        case "jpeg_pipe", "mjpeg":
            // Concatenated JPEG pictures (what many IP cameras and DVRs dump): FFmpeg reads
            // them as a pipe of images and writes them back with its raw MJPEG muxer.
            return "mjpeg"
        case "mpeg":
            // One demuxer reads both program streams; FFmpeg's `mpeg` muxer writes MPEG-1
            // system streams only, `vob` MPEG-2 program streams (DVD and most recorders).
            return programStreamIsMPEG2(path: input.path) ? "vob" : "mpeg"
        case let name:
            let first = String(name.split(separator: ",").first ?? "")
            guard av_guess_format(first, nil, nil) != nil else {
                throw MediaError(path: input.path, reason: "container \(name) can be read but not written; convert it to MP4, MKV or MPEG-TS first")
            }
            return first
        }
    }

    /// Whether a program stream's first pack header is MPEG-2's ('01' after the start code)
    /// rather than MPEG-1's ('0010').
    static func programStreamIsMPEG2(path: String) -> Bool {
        guard let file = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? file.close() }
        let head = [UInt8]((try? file.read(upToCount: 65_536)) ?? Data())
        guard head.count >= 5 else { return false }
        for i in 0..<(head.count - 4) where head[i] == 0 && head[i + 1] == 0 && head[i + 2] == 1 && head[i + 3] == 0xBA {
            return head[i + 4] & 0xC0 == 0x40
        }
        return false
    }

    /// Refuses an output name whose extension names another container: changing container
    /// changes time bases, which would move timestamps.
    public static func checkExtension(of outputPath: String, matches muxer: String) throws(MediaError) {
        let ext = URL(fileURLWithPath: outputPath).pathExtension.lowercased()
        guard !ext.isEmpty, let guessed = av_guess_format(nil, outputPath, nil) else { return }
        let name = String(cString: guessed.pointee.name)
        let family: Set<String> = ["mp4", "mov", "3gp", "ipod", "ismv", "f4v", "psp", "3g2"]
        // .mpg, .vob and .mpeg are all program streams; which kind the source's is decides.
        let programStreams: Set<String> = ["mpeg", "vob", "dvd", "svcd", "vcd", "mpeg1system"]
        // An extension the source's own muxer lists is its own (.m4v: a raw MPEG-4 stream as
        // much as Apple's MP4, which FFmpeg guesses first).
        let ownExtensions = av_guess_format(muxer, nil, nil).flatMap { $0.pointee.extensions.map { String(cString: $0) } }?
            .split(separator: ",").map(String.init) ?? []
        let same = name == muxer || ownExtensions.contains(ext) || (family.contains(name) && family.contains(muxer))
            || (["matroska", "webm"].contains(name) && ["matroska", "webm"].contains(muxer))
            || (programStreams.contains(name) && programStreams.contains(muxer))
        guard same else {
            throw MediaError(path: outputPath, reason: "extension .\(ext) means \(name), but the source is \(muxer); keep the source's container so timestamps stay exact")
        }
    }
}
