import Crypto
import Foundation
import RedactSupport
import RedactTransport

/// A farm identity: a CURVE key pair for encrypted, authenticated ZeroMQ connections and an
/// Ed25519 key pair for signing manifests. `redactfarm keygen NAME` writes `NAME.key` (secret,
/// mode 0600) and `NAME.pub` (shareable: what goes in an allowlist, or to `verify --key`).
public struct FarmIdentity: Sendable {
    public var curve: CurveKeyPair
    /// The Ed25519 private key's raw 32 bytes (kept raw: Crypto's key type is not Sendable).
    private var signingSeed: [UInt8]

    public init(curve: CurveKeyPair, signing: Curve25519.Signing.PrivateKey) {
        self.curve = curve
        self.signingSeed = Array(signing.rawRepresentation)
    }

    public var signing: Curve25519.Signing.PrivateKey {
        // The seed came from a valid key, so this cannot fail.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: signingSeed)
    }

    public static func generate() throws(MediaError) -> FarmIdentity {
        do {
            return FarmIdentity(curve: try CurveKeyPair.generate(), signing: Curve25519.Signing.PrivateKey())
        } catch {
            throw MediaError(path: "keygen", reason: error.description)
        }
    }

    public var publicKey: FarmPublicKey {
        FarmPublicKey(curve: curve.publicKey, signing: signing.publicKey.rawRepresentation.base64EncodedString())
    }

    public var secretFileText: String {
        """
        # redactfarm secret key: keep private
        curve-public = \(curve.publicKey)
        curve-secret = \(curve.secretKey)
        sign-secret = \(signing.rawRepresentation.base64EncodedString())

        """
    }

    /// Writes `base.key` (0600) and `base.pub`, refusing to overwrite either.
    public func write(base: String) throws(MediaError) {
        for path in [base + ".key", base + ".pub"] where FileManager.default.fileExists(atPath: path) {
            throw MediaError(path: path, reason: "already exists; refusing to overwrite a key")
        }
        try AtomicOutput.write(Array(secretFileText.utf8), to: base + ".key", mode: 0o600)
        try AtomicOutput.write(Array(publicKey.fileText.utf8), to: base + ".pub")
    }

    public static func read(path: String) throws(MediaError) -> FarmIdentity {
        let fields = try KeyFileText.fields(path: path)
        guard let secret = fields["curve-secret"], let sign = fields["sign-secret"],
              let signBytes = Data(base64Encoded: sign),
              let signing = try? Curve25519.Signing.PrivateKey(rawRepresentation: signBytes),
              let curvePublic = try? CurveKeyPair.publicKey(forSecret: secret)
        else { throw MediaError(path: path, reason: "not a redactfarm secret key (made by `redactfarm keygen`)") }
        return FarmIdentity(curve: CurveKeyPair(publicKey: curvePublic, secretKey: secret), signing: signing)
    }

    /// The named key if one was given, else the default one, created if need be.
    public static func read(orCreate named: String?, default path: String) throws(MediaError) -> FarmIdentity {
        if let named { return try read(path: named) }
        return try loadOrCreate(path: path)
    }

    /// Reads the identity at `path`, or creates it there first (a machine's own key, like an
    /// SSH host key).
    public static func loadOrCreate(path: String) throws(MediaError) -> FarmIdentity {
        if FileManager.default.fileExists(atPath: path) { return try read(path: path) }
        let identity = try generate()
        let dir = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try AtomicOutput.write(Array(identity.secretFileText.utf8), to: path, mode: 0o600)
        let pub = (path.hasSuffix(".key") ? String(path.dropLast(4)) : path) + ".pub"
        try AtomicOutput.write(Array(identity.publicKey.fileText.utf8), to: pub)
        return identity
    }
}

/// The public half of a `FarmIdentity`.
public struct FarmPublicKey: Equatable, Sendable {
    /// Z85, 40 characters: the line to put in an allowlist.
    public var curve: String
    /// Ed25519 public key, base64.
    public var signing: String

    public init(curve: String, signing: String) {
        self.curve = curve
        self.signing = signing
    }

    public var fileText: String {
        """
        # redactfarm public key
        curve-public = \(curve)
        sign-public = \(signing)

        """
    }

    /// Reads a `.pub` file, or the public half of a `.key` file.
    public static func read(path: String) throws(MediaError) -> FarmPublicKey {
        if let fields = try? KeyFileText.fields(path: path), fields["curve-secret"] != nil {
            return try FarmIdentity.read(path: path).publicKey
        }
        let fields = try KeyFileText.fields(path: path)
        guard let curve = fields["curve-public"], curve.utf8.count == 40,
              let signing = fields["sign-public"], Data(base64Encoded: signing)?.count == 32
        else { throw MediaError(path: path, reason: "not a redactfarm public key (made by `redactfarm keygen`)") }
        return FarmPublicKey(curve: curve, signing: signing)
    }
}

/// `name = value` lines with `#` comments.
enum KeyFileText {
    static func fields(path: String) throws(MediaError) -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw MediaError(path: path, reason: "cannot read the key file")
        }
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }
}
