import Foundation
import RedactCore

/// Where keys are looked for when not named.
enum KeyLocations {
    /// $REDACTFARM_HOME, else $XDG_CONFIG_HOME/redactfarm, else ~/.config/redactfarm.
    static var home: String {
        if let dir = ProcessInfo.processInfo.environment["REDACTFARM_HOME"] { return dir }
        return (xdg("XDG_CONFIG_HOME") ?? NSHomeDirectory() + "/.config") + "/redactfarm"
    }

    /// Where compiled networks are kept between runs (`CompiledModelCache`): in
    /// $REDACTFARM_HOME where it is set, else $XDG_CACHE_HOME/redactfarm, else
    /// ~/.cache/redactfarm.
    static var compiledModels: String {
        if let dir = ProcessInfo.processInfo.environment["REDACTFARM_HOME"] { return dir + "/compiled-models" }
        return (xdg("XDG_CACHE_HOME") ?? NSHomeDirectory() + "/.cache") + "/redactfarm/compiled-models"
    }

    /// An XDG base directory variable, where it is set to an absolute path (the specification
    /// says to ignore it otherwise: an empty one would put the folder at the root).
    private static func xdg(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], value.hasPrefix("/") else { return nil }
        return value
    }

    /// How a worker or client connects: CURVE with its key (named, or this machine's
    /// `role.key`, made on first use) against the coordinator's .pub file on TCP, unless
    /// `--insecure`; plain on ipc and inproc. `announce` sees the public key to allowlist.
    static func peerSecurity(endpoint: String, insecure: Bool, serverKey: String?, key: String?, role: String,
                             announce: (String) -> Void = { _ in }) throws(MediaError) -> PeerSecurity {
        guard endpoint.hasPrefix("tcp://"), !insecure else { return .plain }
        guard let serverKey else {
            throw MediaError(path: endpoint, reason: "needs --server-key (the coordinator's .pub file), or --insecure for plain TCP")
        }
        let server = try FarmPublicKey.read(path: serverKey)
        let identity = try FarmIdentity.read(orCreate: key, default: home + "/\(role).key")
        announce(identity.curve.publicKey)
        return .curve(identity.curve, serverKey: server.curve)
    }

    /// The named secret key, or this machine's own signing key (made on first use).
    static func signingIdentity(_ path: String?) throws(MediaError) -> FarmIdentity {
        try FarmIdentity.read(orCreate: path, default: home + "/coordinator.key")
    }
}
