import Foundation
import RedactMedia
import RedactSupport

/// `redactfarm verify`: re-checks an output against its manifest, in order, and stops at the
/// first mismatch with a reason that names it.
public enum ManifestVerifier {
    public struct Report: Codable, Sendable {
        public var output: String
        public var manifest: String
        public var signer: String
        public var checks: [String]
        public var notes: [String]
        /// Who released the output to whom (`approve`), oldest first; empty if never approved.
        public var releases: [Release] = []
    }

    public struct Release: Codable, Sendable, Equatable {
        public var operatorName: String
        public var approvedAt: String
        public var recipient: String?
        public var reason: String?
        /// The approver's Ed25519 public key (base64).
        public var publicKey: String
        public var auditPassed: Bool?
        public var correctionsSHA256: String?
        enum CodingKeys: String, CodingKey {
            case operatorName = "operator"
            case approvedAt, recipient, reason, publicKey, auditPassed, correctionsSHA256
        }

        public init(_ record: ReleaseRecord, publicKey: String) {
            operatorName = record.operatorName
            approvedAt = record.approvedAt
            recipient = record.recipient
            reason = record.reason
            self.publicKey = publicKey
            auditPassed = record.auditPassed
            correctionsSHA256 = record.correctionsSHA256
        }
    }

    /// `key`: the coordinator's public key the manifest must be signed with. Without it the
    /// signature is checked against the key recorded in the manifest, which proves the file
    /// is intact since signing but not who signed it (a note says so).
    /// `source`: where the input is now, if not at the path the manifest records.
    /// `approvers`: when given, every release must be signed by one of these keys.
    public static func verify(output: String, manifestPath: String? = nil, key: FarmPublicKey? = nil,
                              source: String? = nil, approvers: [FarmPublicKey] = []) throws(MediaError) -> Report {
        let path = manifestPath ?? output + ".manifest.json"
        guard FileManager.default.fileExists(atPath: output) else { throw MediaError(path: output, reason: "output file is missing") }
        guard FileManager.default.fileExists(atPath: path) else { throw MediaError(path: path, reason: "no manifest here (--manifest names another)") }
        let manifestBytes = try FileBytes.read(path)
        let opened = try SignedManifest.open(manifestBytes, path: path)
        let m = opened.manifest
        var checks: [String] = [], notes: [String] = []
        func fail(_ reason: String) -> MediaError { MediaError(path: output, reason: reason) }

        guard opened.signatureValid else { throw fail("manifest signature does not match its contents (the manifest was altered)") }
        if let key {
            guard key.signing == opened.publicKey else { throw fail("manifest is signed by \(opened.publicKey.prefix(12))…, not by the given key \(key.signing.prefix(12))…") }
            checks.append("signature by the given key")
        } else {
            checks.append("signature by the key recorded in the manifest")
            notes.append("no --key given: the signer's identity was not checked")
        }

        let chain = try ReleaseChain.check(manifestBytes, path: path, manifestSignature: opened.signature, outputSHA256: m.output.sha256)
        if let problem = chain.firstProblem { throw fail(problem) }
        let releases = chain.releases.map { Release($0.record, publicKey: $0.publicKey) }
        if releases.isEmpty {
            notes.append("no release is recorded: nobody has approved this output for disclosure (redactfarm approve)")
        } else {
            checks.append("release chain of \(releases.count) signed release(s)")
        }
        if !approvers.isEmpty {
            let known = Set(approvers.map(\.signing))
            if let (i, stranger) = releases.enumerated().first(where: { !known.contains($0.element.publicKey) }) {
                throw fail("release \(i + 1) (by \(stranger.operatorName)) is signed by key \(stranger.publicKey.prefix(12))…, none of the --approver-key keys")
            }
            if !releases.isEmpty { checks.append("every release by a given approver key") }
        }

        let size = FileBytes.size(of: output)
        guard size == m.output.sizeBytes else { throw fail("output is \(size) bytes, the manifest says \(m.output.sizeBytes)") }
        let outputSHA = try SHA256Hex.ofFile(at: output)
        guard outputSHA == m.output.sha256 else { throw fail("output SHA-256 \(outputSHA.prefix(12))… does not match the manifest's \(m.output.sha256.prefix(12))…") }
        checks.append("output SHA-256")

        guard RedactionManifest.chain(m.segments) == m.segmentChain else { throw fail("segment chain does not match the segment records") }
        guard m.segments.map(\.index) == Array(0..<m.segments.count) else { throw fail("segment records are not numbered 0…\(m.segments.count - 1)") }
        let frames = m.segments.reduce(0) { $0 + $1.frameCount }
        guard frames == m.videoFrames else { throw fail("segments hold \(frames) frames, the manifest says \(m.videoFrames)") }
        checks.append("segment chain over \(m.segments.count) segment(s)")

        let scan = try OutputScan(path: output)
        guard scan.videoPackets == m.videoFrames else { throw fail("output has \(scan.videoPackets) video frames, the manifest says \(m.videoFrames)") }
        checks.append("video frame count (\(scan.videoPackets))")

        if let streams = m.streams {
            try checkStreams(streams, chapters: m.chapters ?? [], against: scan, fail: fail)
            let copied = streams.filter { $0.stream.action == .copied }.count
            let muted = streams.filter { $0.stream.action == .muted }
            let pictures = streams.compactMap(\.picture)
            checks.append("\(streams.count) source stream(s) accounted for; \(copied) copied stream(s) bit for bit"
                          + (muted.isEmpty ? "" : "; \(muted.count) muted (\(muted.compactMap(\.muting).map { "\($0.replacedPackets) packet(s) re-encoded" }.joined(separator: ", ")))")
                          + (pictures.isEmpty ? "" : "; cover art as recorded (\(pictures.map { "\($0.hidden.count) region(s) hidden" + ($0.damaged == true ? " in a damaged picture, as decoded" : "") }.joined(separator: ", ")))"))
            for s in muted {
                guard let muting = s.muting, let index = s.outputIndex else { continue }
                let kept = try MutedStreamCheck.keptHash(in: output, stream: index, replacedRuns: muting.replacedRuns)
                guard kept.packets == muting.keptPackets, kept.sha256 == muting.keptPayloadSHA256 else {
                    throw fail("output stream \(index)'s packets outside the muted stretches are not the ones recorded")
                }
            }
        } else {
            notes.append("manifest format \(m.formatVersion) lists no streams: only the video was checked")
        }
        if let sidecarSHA = m.detectionsSHA256 {
            let sidecar = output + ".detections.json"
            guard FileManager.default.fileExists(atPath: sidecar) else { throw fail("detections sidecar \(sidecar) is missing") }
            let sha = try SHA256Hex.ofFile(at: sidecar)
            guard sha == sidecarSHA else { throw fail("detections sidecar SHA-256 \(sha.prefix(12))… does not match the manifest's \(sidecarSHA.prefix(12))… (it was altered)") }
            checks.append("detections sidecar SHA-256")
        }

        if let audit = m.audit {
            notes.append(audit.passed ? "the leak audit found no possible misses in \(audit.framesExamined) frames"
                         : "the leak audit recorded \(audit.findings.count) possible miss(es) in \(audit.framesWithFindings) frame(s): review them (redactfarm audit)")
        }
        if let damage = m.damage, let retimed = damage.retimedFrames, retimed > 0 {
            notes.append("the input's timing was damaged: \(retimed) frame(s) placed or timed by rule (policy: \(damage.policy))")
        }
        if let damage = m.damage, damage.concealedFrames + damage.substitutedFrames > 0 {
            notes.append("the input was damaged: \(damage.concealedFrames) frame(s) redacted as decoded with errors, \(damage.substitutedFrames) stood in for by the frame before (policy: \(damage.policy))")
        }
        let copied = m.segments.filter(\.isCopied)
        // Each video stream's segments are checked in its own packets; the first stream's
        // records name no stream.
        let videos = (m.streams ?? []).filter { $0.stream.action == .redacted }.enumerated().map { n, s in
            (outcome: s, segmentsOf: n == 0 ? nil : Optional(s.stream.index))
        }
        let copiedGOPs = m.segments.flatMap { $0.copiedGOPs ?? [] }
        /// The first copied segment or GOP, of any video stream, whose packets in the file at
        /// `path` (where `place` says each stream is) are not the ones recorded.
        func firstCopyMismatch(in path: String, place: (StreamOutcome) -> Int) throws(MediaError) -> CopiedSegmentCheck.Mismatch? {
            for video in videos {
                if let bad = try CopiedSegmentCheck.firstCopyMismatch(in: path, videoStream: place(video.outcome), segments: m.segments, of: video.segmentsOf) {
                    return bad
                }
            }
            return nil
        }
        if !copied.isEmpty || !copiedGOPs.isEmpty {
            guard !videos.isEmpty, videos.allSatisfy({ $0.outcome.outputIndex != nil }) else {
                throw fail("\(copied.isEmpty ? "GOPs" : "segments") are recorded as copied, but no video stream is")
            }
            switch try firstCopyMismatch(in: output, place: { $0.outputIndex! }) {
            case .segment(let bad)?:
                throw fail("segment \(bad) is recorded as copied from the source, but the output's packets there differ from what was copied")
            case .gop(let bad)?:
                throw fail("a GOP of segment \(bad.segment) (from its packet \(bad.firstPacket)) is recorded as copied from the source, but the output's packets there differ from what was copied")
            case nil:
                break
            }
            if !copied.isEmpty { checks.append("\(copied.count) of \(m.segments.count) segment(s) copied: the output's packets there are the ones recorded") }
            if !copiedGOPs.isEmpty { checks.append("\(copiedGOPs.count) GOP(s) of redacted segments copied: the output's packets there are the ones recorded") }
        }
        let reused = m.segments.filter(\.isReused)
        if !reused.isEmpty {
            guard !videos.isEmpty, videos.allSatisfy({ $0.outcome.outputIndex != nil }) else { throw fail("segments are recorded as reused, but no video stream is") }
            for video in videos {
                if let bad = try CopiedSegmentCheck.firstReusedMismatch(in: output, videoStream: video.outcome.outputIndex!, segments: m.segments, of: video.segmentsOf) {
                    throw fail("segment \(bad) is recorded as reused from the earlier output, but the output's packets there differ from what was reused")
                }
            }
            checks.append("\(reused.count) of \(m.segments.count) segment(s) reused from the earlier output: the output's packets there are the ones recorded")
        }
        if let r = m.rerender {
            notes.append("a re-render of \(r.previousOutput.path) (SHA-256 \(r.previousOutput.sha256.prefix(12))…): \(r.reencodedSegments) segment(s) redacted again from its stored detections, \(r.reusedSegments) reused from it bit for bit, \(r.copiedSegments) copied from the source")
        }
        if let corrections = m.correctionsSHA256 {
            notes.append("a reviewer's corrections were applied (SHA-256 \(corrections.prefix(12))…)"
                         + (releases.isEmpty ? ", but no release is recorded: nobody has approved the corrected output" : ""))
        }
        let inputPath = source ?? m.input.path
        if let source, !FileManager.default.fileExists(atPath: source) { throw fail("the source given with --source, \(source), does not exist") }
        if FileManager.default.fileExists(atPath: inputPath) {
            let inputSHA = try SHA256Hex.ofFile(at: inputPath)
            guard inputSHA == m.input.sha256 else { throw fail("input \(inputPath) is not the file that was redacted (SHA-256 differs)") }
            checks.append("input SHA-256")
            if !copied.isEmpty || !copiedGOPs.isEmpty {
                switch try firstCopyMismatch(in: inputPath, place: { $0.stream.index }) {
                case .segment(let bad)?:
                    throw fail("segment \(bad) is recorded as copied, but the source's packets there are not the ones in the output")
                case .gop(let bad)?:
                    throw fail("a GOP of segment \(bad.segment) (from its packet \(bad.firstPacket)) is recorded as copied, but the source's packets there are not the ones in the output")
                case nil:
                    break
                }
                if !copied.isEmpty { checks.append("copied segments byte-identical to the source's") }
                if !copiedGOPs.isEmpty { checks.append("copied GOPs byte-identical to the source's") }
            }
            for s in m.streams ?? [] {
                guard let muting = s.muting else { continue }
                let kept = try MutedStreamCheck.keptHash(in: inputPath, stream: s.stream.index, replacedRuns: muting.replacedRuns)
                guard kept.packets == muting.keptPackets, kept.sha256 == muting.keptPayloadSHA256 else {
                    throw fail("stream \(s.stream.index) is recorded as muted only where asked, but the source's packets elsewhere are not the output's")
                }
                checks.append("stream \(s.stream.index)'s unmuted packets byte-identical to the source's")
            }
        } else {
            notes.append("input \(inputPath) is not here: its hash\(copied.isEmpty && copiedGOPs.isEmpty ? " was" : " and the copied segments were") not re-checked (--source)")
        }
        return Report(output: output, manifest: path, signer: opened.publicKey, checks: checks, notes: notes, releases: releases)
    }

    /// Each listed stream must be in the output where the manifest says, of the same type
    /// (and, when copied, codec and payload hash); no other stream may be there, but for the
    /// chapter track an MP4 writer makes from the chapters.
    static func checkStreams(_ streams: [StreamOutcome], chapters: [ChapterRecord], against scan: OutputScan,
                             fail: (String) -> MediaError) throws(MediaError) {
        var expected = Set<Int>()
        for s in streams {
            let entry = s.stream
            switch entry.action {
            case .dropped, .chapters:
                guard s.outputIndex == nil else { throw fail("stream \(entry.index) is recorded as \(entry.action.rawValue) but has an output index") }
            case .redacted, .copied, .muted, .redactedPicture:
                guard let index = s.outputIndex, let found = scan.streams[index] else {
                    throw fail("stream \(entry.index) (\(entry.type) \(entry.codec)) is missing from the output")
                }
                expected.insert(index)
                guard found.type == entry.type else { throw fail("output stream \(index) is \(found.type), the manifest says \(entry.type)") }
                if entry.action == .redacted, let frames = s.packets, found.videoPackets != frames {
                    throw fail("output stream \(index) has \(found.videoPackets) video frames, the manifest says \(frames)")
                }
                guard entry.action.hasPayloadRecord else { continue }
                guard found.codec == entry.codec else { throw fail("output stream \(index) is \(found.codec), the manifest says \(entry.codec)") }
                let done = entry.action.rawValue
                guard let want = s.payloadSHA256, let packets = s.packets else { throw fail("stream \(entry.index) is recorded as \(done) without a hash") }
                guard entry.action != .muted || s.muting != nil else { throw fail("stream \(entry.index) is recorded as muted without what was muted") }
                guard entry.action != .redactedPicture || s.picture != nil else { throw fail("stream \(entry.index) is recorded as redacted cover art without what was hidden") }
                guard found.hash.packets == packets else {
                    throw fail("output stream \(index) has \(found.hash.packets) packets, the manifest says \(packets) were \(done)")
                }
                let got = found.hash.finalize()
                guard got == want else { throw fail("output stream \(index) (\(entry.type)) differs from what was \(done) (payload SHA-256 \(got.prefix(12))…, manifest \(want.prefix(12))…)") }
            }
        }
        for (index, found) in scan.streams where !expected.contains(index) && !found.isChapterTrack {
            throw fail("output stream \(index) (\(found.type) \(found.codec)) is not in the manifest")
        }
        guard scan.chapters.count == chapters.count else {
            throw fail("output has \(scan.chapters.count) chapter(s), the manifest says \(chapters.count)")
        }
    }
}
