import Foundation
import RedactTransport
import Redaction

/// Who asked for a redaction, and why: what disclosure guidance asks a redactor to record
/// beside the result. Free text, given by the operator and recorded as given; the command
/// line and the host it was typed on are taken, not asked for.
public struct Provenance: Codable, Equatable, Sendable {
    /// A case, request or ticket reference (`--case`).
    public var caseReference: String?
    /// The person who started the job (`--operator`; default: the login name).
    public var operatorName: String?
    /// Why the footage is being redacted (`--reason`).
    public var reason: String?
    /// The exact command line, as its words.
    public var commandLine: [String]
    /// The machine the job was submitted from.
    public var submittedFrom: String

    public init(caseReference: String? = nil, operatorName: String? = nil, reason: String? = nil,
                commandLine: [String] = CommandLine.arguments, submittedFrom: String = WorkerHello.thisHost) {
        self.caseReference = caseReference
        self.operatorName = operatorName ?? Self.loginName
        self.reason = reason
        self.commandLine = commandLine
        self.submittedFrom = submittedFrom
    }

    /// The login name of whoever runs this process.
    static var loginName: String? {
        if let user = ProcessInfo.processInfo.environment["USER"], !user.isEmpty { return user }
        return getpwuid(getuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
    }

    /// The longest text accepted in a free-text field: enough for a paragraph, not a file.
    public static let maxFieldLength = 4096

    public func validate() throws(OptionError) {
        try Self.checkFreeText([("--case", caseReference), ("--operator", operatorName), ("--reason", reason)])
    }

    /// Free text for the record (who, why, to whom): one line each, of a bounded length.
    static func checkFreeText(_ fields: [(option: String, value: String?)]) throws(OptionError) {
        for (option, value) in fields {
            guard let value else { continue }
            guard value.utf8.count <= maxFieldLength else {
                throw OptionError(option, String(value.prefix(20)) + "…", accepts: "at most \(maxFieldLength) bytes")
            }
            guard !value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" }) else {
                throw OptionError(option, value.debugDescription, accepts: "one line of text, without control characters")
            }
        }
    }
}
