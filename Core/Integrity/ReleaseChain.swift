import Crypto
import Foundation
import RedactMedia
import RedactSupport
import RedactTransport
import Redaction

/// A person's decision to release a redacted output: who, when (UTC), to whom and why, over
/// exactly which output bytes. `redactfarm approve` appends one to the manifest file, signed
/// by that person's key; each names the signature before it, so the releases form a chain
/// from the manifest's own signature that can be extended but not rewritten unseen.
public struct ReleaseRecord: Codable, Equatable, Sendable {
    /// The person who approved the release (`--operator`).
    public var operatorName: String
    /// RFC 3339, UTC, to the second.
    public var approvedAt: String
    /// To whom it is released (`--recipient`), and why (`--reason`).
    public var recipient: String?
    public var reason: String?
    /// The output released: its SHA-256, as the manifest records it.
    public var outputSHA256: String
    /// The chain: `ReleaseChain.link(after:)` of the signature before this one (the
    /// manifest's, for the first release).
    public var follows: String
    /// The leak audit's verdict when the release was approved: false means its possible
    /// misses were looked at and released anyway (`--accept-audit-findings`); nil, no audit.
    public var auditPassed: Bool?
    /// The corrections the released output was made with (its manifest's), so the release
    /// names the reviewer's decisions it approves; nil, none.
    public var correctionsSHA256: String?
    public var software: String
    /// The machine it was approved on.
    public var host: String

    enum CodingKeys: String, CodingKey {
        case operatorName = "operator"
        case approvedAt, recipient, reason, outputSHA256, follows, auditPassed, correctionsSHA256, software, host
    }

    public init(operatorName: String, approvedAt: Date = Date(), recipient: String?, reason: String?, outputSHA256: String,
                follows: String, auditPassed: Bool?, correctionsSHA256: String? = nil, software: String = "redactfarm \(RedactFarmVersion.current)",
                host: String = WorkerHello.thisHost) {
        self.operatorName = operatorName
        self.approvedAt = ReleaseRecord.utc.string(from: approvedAt)
        self.recipient = recipient
        self.reason = reason
        self.outputSHA256 = outputSHA256
        self.follows = follows
        self.auditPassed = auditPassed
        self.correctionsSHA256 = correctionsSHA256
        self.software = software
        self.host = host
    }

    nonisolated(unsafe) static let utc: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f
    }()

    /// Free-text fields: one line each, as `Provenance` takes them.
    public func validate() throws(OptionError) {
        guard !operatorName.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw OptionError("--operator", operatorName.debugDescription, accepts: "the approver's name (not empty)")
        }
        try Provenance.checkFreeText([("--operator", operatorName), ("--recipient", recipient), ("--reason", reason)])
    }
}

/// A release as stored: the record, and the Ed25519 signature over its canonical JSON.
public struct SignedRelease: Sendable, Equatable {
    public var record: ReleaseRecord
    /// The approver's Ed25519 public key (base64), and the signature (base64).
    public var publicKey: String
    public var signature: String
}

/// The releases in a manifest file (`"releases"`, beside `"manifest"` and `"signature"`):
/// appended by `approve`, checked by `verify`. The manifest's own signature covers only the
/// manifest, so appending leaves it valid.
public enum ReleaseChain {
    /// What a release names as the one before it: a hash of that one's signature (which
    /// covers its whole record), tagged so it means nothing else.
    public static func link(after signature: String) -> String {
        SHA256Hex.of(Array(("redactfarm-release-chain-v1|" + signature).utf8))
    }

    /// The releases recorded in a manifest file, in order (none for a file never approved).
    public static func releases(in file: [UInt8], path: String) throws(MediaError) -> [SignedRelease] {
        try entries(of: parsed(file, path: path), path: path).map(\.release)
    }

    /// A manifest file's releases, and the first thing wrong with their chain (nil if none):
    /// each must be signed by the key it names, over exactly its record, follow the signature
    /// before it, and be for the output the manifest records.
    public static func check(_ file: [UInt8], path: String, manifestSignature: String,
                             outputSHA256: String) throws(MediaError) -> (releases: [SignedRelease], firstProblem: String?) {
        let entries = try entries(of: parsed(file, path: path), path: path)
        let releases = entries.map(\.release)
        var previous = manifestSignature
        for (i, (release, written)) in entries.enumerated() {
            let n = i + 1
            guard release.record.follows == link(after: previous) else {
                return (releases, "release \(n) does not follow the \(i == 0 ? "manifest's signature" : "release before it") (a release was removed, reordered or altered)")
            }
            guard signatureMatches(release, written) else {
                return (releases, "release \(n)'s signature does not match its record (the release was altered)")
            }
            guard release.record.outputSHA256 == outputSHA256 else {
                return (releases, "release \(n) is for another output (SHA-256 \(release.record.outputSHA256.prefix(12))…)")
            }
            previous = release.signature
        }
        return (releases, nil)
    }

    private static func signatureMatches(_ release: SignedRelease, _ written: Any) -> Bool {
        guard let keyBytes = Data(base64Encoded: release.publicKey),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes),
              let signature = Data(base64Encoded: release.signature),
              let canonical = try? SignedManifest.canonicalBytes(written)
        else { return false }
        return key.isValidSignature(signature, for: canonical)
    }

    private static func parsed(_ file: [UInt8], path: String) throws(MediaError) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(file)) as? [String: Any] else {
            throw MediaError(path: path, reason: "not a RedactFarm manifest")
        }
        return object
    }

    /// Each release with its record as written in the file (what its signature covers).
    private static func entries(of object: [String: Any], path: String) throws(MediaError) -> [(release: SignedRelease, written: Any)] {
        guard let entries = object["releases"] else { return [] }
        guard let list = entries as? [[String: Any]] else { throw MediaError(path: path, reason: "its releases are not a list of records") }
        return try list.enumerated().map { (i, entry) throws(MediaError) in
            guard let record = entry["release"], let signature = entry["signature"] as? [String: Any],
                  signature["algorithm"] as? String == SignedManifest.algorithm,
                  let key = signature["publicKey"] as? String, let value = signature["value"] as? String,
                  let data = try? JSONSerialization.data(withJSONObject: record),
                  let decoded = try? JSONDecoder().decode(ReleaseRecord.self, from: data)
            else { throw MediaError(path: path, reason: "release \(i + 1) is malformed") }
            return (SignedRelease(record: decoded, publicKey: key, signature: value), record)
        }
    }

    /// The manifest file with `record` appended to its releases, signed by `identity`. The
    /// record must already name the last signature in the file (`nextLink`).
    public static func append(_ record: ReleaseRecord, to file: [UInt8], signedBy identity: FarmIdentity, path: String) throws(MediaError) -> [UInt8] {
        var object = try parsed(file, path: path)
        do {
            let recordObject = try JSONSerialization.jsonObject(with: JSONEncoder().encode(record))
            let signature = try identity.signing.signature(for: SignedManifest.canonicalBytes(recordObject))
            var releases = object["releases"] as? [[String: Any]] ?? []
            releases.append([
                "release": recordObject,
                "signature": ["algorithm": SignedManifest.algorithm, "publicKey": identity.publicKey.signing,
                              "value": signature.base64EncodedString()],
            ])
            object["releases"] = releases
            return Array(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
        } catch {
            throw MediaError(path: path, reason: "cannot sign the release: \(error)")
        }
    }

    /// What the next release must name as `follows`: the link after the file's last signature.
    public static func nextLink(in file: [UInt8], path: String) throws(MediaError) -> String {
        let object = try parsed(file, path: path)
        guard let signature = object["signature"] as? [String: Any], let value = signature["value"] as? String else {
            throw MediaError(path: path, reason: "not a RedactFarm manifest")
        }
        return link(after: try entries(of: object, path: path).last?.release.signature ?? value)
    }
}
