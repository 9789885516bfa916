import ArgumentParser
import Foundation
import RedactCore

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a key pair for a coordinator, worker or client.",
        discussion: """
        Writes NAME.key (secret, mode 0600: CURVE and Ed25519 signing keys) and NAME.pub \
        (public). Prints the CURVE public key: add that line to the coordinator's allowlist \
        (--allow) to let this worker or client in. Give the coordinator's NAME.pub to workers \
        and clients (--server-key) and to whoever checks manifests (`verify --key`).
        """
    )

    @Argument(help: "Base name of the key files (NAME.key, NAME.pub).")
    var name: String

    @OptionGroup var common: CommonOptions

    func run() throws {
        let identity = try reportingErrors(verbose: common.verbose) { () throws(MediaError) in
            let identity = try FarmIdentity.generate()
            try identity.write(base: name)
            return identity
        }
        if common.json {
            try Terminal.printJSON(["secretKeyFile": name + ".key", "publicKeyFile": name + ".pub",
                                    "curvePublicKey": identity.curve.publicKey, "signingPublicKey": identity.publicKey.signing])
        } else {
            print("\(identity.curve.publicKey)  \(URL(fileURLWithPath: name).lastPathComponent)")
            FileHandle.standardError.write(Data("wrote \(name).key and \(name).pub; the line above goes in a coordinator's allowlist\n".utf8))
        }
    }
}
