import Foundation

/// A fragmented MP4's layout as its writer chose it: for each movie fragment (`moof`), in
/// file order, how many samples of each track it holds (the `trun` counts of that track's
/// `traf`). Read from box headers and those few fields alone, never from sample data, so a
/// file of any length costs one seek per box.
///
/// FFmpeg's demuxer keeps this to itself, and its muxer's own layouts (a fragment per
/// keyframe, or per duration) are not what recorders and streaming packagers write: the
/// stitch reproduces the source's video fragment boundaries from this record instead.
package struct MP4Fragments: Equatable, Sendable {
    /// Per fragment: track ID → samples in it.
    package var samplesPerFragment: [[UInt32: Int]]

    /// The fragments of a file, or nil when it has none (or is not an MP4 that could be read
    /// this far: a box too short or running past the end stops the walk).
    package static func read(path: String) -> MP4Fragments? {
        guard let file = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? file.close() }
        var fragments: [[UInt32: Int]] = []
        BoxReader(file: file).walk(from: 0, to: nil) { box in
            guard box.type == "moof" else { return true }
            var samples: [UInt32: Int] = [:]
            box.reader.walk(from: box.payload, to: box.end) { traf in
                guard traf.type == "traf" else { return true }
                var track: UInt32?
                var count = 0
                traf.reader.walk(from: traf.payload, to: traf.end) { child in
                    // Full boxes: version and flags (4 bytes), then tfhd's track_ID, trun's sample_count.
                    if child.type == "tfhd", let id = child.reader.uint32(at: child.payload + 4) { track = id }
                    if child.type == "trun", let n = child.reader.uint32(at: child.payload + 4) { count += Int(n) }
                    return true
                }
                if let track { samples[track, default: 0] += count }
                return true
            }
            fragments.append(samples)
            return true
        }
        return fragments.isEmpty ? nil : MP4Fragments(samplesPerFragment: fragments)
    }

    /// Whether the file holds a movie fragment: the first `moof` among its top-level boxes
    /// ends the walk.
    package static func isFragmented(path: String) -> Bool {
        guard let file = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? file.close() }
        var found = false
        BoxReader(file: file).walk(from: 0, to: nil) { box in
            found = box.type == "moof"
            return !found
        }
        return found
    }

    /// For `track`: the ordinal (from 0, in decode order) of each fragment's first sample of
    /// that track, for the fragments after the first that hold any; and the track's sample
    /// total. A writer that follows it starts a new fragment before each of those samples.
    package func starts(ofTrack track: UInt32) -> (starts: [Int], samples: Int) {
        var starts: [Int] = []
        var seen = 0
        for fragment in samplesPerFragment {
            guard let n = fragment[track], n > 0 else { continue }
            if seen > 0 { starts.append(seen) }
            seen += n
        }
        return (starts, seen)
    }
}

/// ISO BMFF box headers read from a file: 32-bit sizes, 64-bit `largesize`, and size 0 (the
/// box runs to the end of the file).
private struct BoxReader {
    struct Box {
        var type: String
        var payload: UInt64
        var end: UInt64
        var reader: BoxReader
    }

    let file: FileHandle
    /// Where the file ends, read once: boxes nested in a box share it.
    let fileEnd: UInt64

    init(file: FileHandle) {
        self.file = file
        fileEnd = (try? file.seekToEnd()) ?? 0
    }

    func bytes(at offset: UInt64, count: Int) -> [UInt8]? {
        guard (try? file.seek(toOffset: offset)) != nil, let data = try? file.read(upToCount: count), data.count == count else { return nil }
        return [UInt8](data)
    }

    func uint32(at offset: UInt64) -> UInt32? {
        bytes(at: offset, count: 4).map { $0.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
    }

    /// Visits the boxes from `start` to `limit` (the end of the file when nil) until `visit`
    /// returns false, a header cannot be read or a box does not fit.
    func walk(from start: UInt64, to limit: UInt64?, _ visit: (Box) -> Bool) {
        let end = min(limit ?? fileEnd, fileEnd)
        var offset = start
        while offset + 8 <= end, let header = bytes(at: offset, count: 8) {
            var size = UInt64(header[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            let type = String(decoding: header[4..<8], as: UTF8.self)
            var headerSize: UInt64 = 8
            if size == 1 {
                guard let large = bytes(at: offset + 8, count: 8) else { return }
                size = large.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                headerSize = 16
            } else if size == 0 {
                size = end - offset
            }
            guard size >= headerSize, offset + size <= end else { return }
            guard visit(Box(type: type, payload: offset + headerSize, end: offset + size, reader: self)) else { return }
            offset += size
        }
    }
}
