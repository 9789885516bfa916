import RedactMedia
import RedactSupport

/// The packets of a muted audio stream that muting left alone, read back from a file: every
/// packet of the stream but the replaced ordinals, hashed in order (`PayloadHash`). Over the
/// source and over the output each must give the manifest's `keptPayloadSHA256`, which proves
/// that everything outside the muted stretches is the source's, byte for byte.
public enum MutedStreamCheck {
    public static func keptHash(in path: String, stream: Int, replacedRuns: [[Int]]) throws(MediaError) -> (packets: Int, sha256: String) {
        let input = try MediaInput(path: path)
        guard stream < input.streamCount else { throw MediaError(path: path, reason: "has no stream \(stream)") }
        input.selectStreams([stream])
        let replaced = replacedRuns.filter { $0.count == 2 && $0[0] <= $0[1] }.map { $0[0]...$0[1] }
        var hash = PayloadHash()
        var ordinal = 0
        while let (_, packet) = try input.readPacket() {
            if !replaced.contains(where: { $0.contains(ordinal) }) { hash.add(packet.data) }
            ordinal += 1
        }
        return (hash.packets, hash.finalize())
    }
}
