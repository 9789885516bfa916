import Foundation
import RedactCore

/// Where keys are looked for when not named.
enum KeyLocations {
    /// $REDACTFARM_HOME, else $XDG_CONFIG_HOME/redactfarm, else ~/.config/redactfarm.
    static var home: String {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["REDACTFARM_HOME"] { return dir }
        if let xdg = env["XDG_CONFIG_HOME"] { return xdg + "/redactfarm" }
        return NSHomeDirectory() + "/.config/redactfarm"
    }

    /// The named secret key, or this machine's own signing key (made on first use).
    static func signingIdentity(_ path: String?) throws(MediaError) -> FarmIdentity {
        try FarmIdentity.read(orCreate: path, default: home + "/coordinator.key")
    }
}
