import ArgumentParser
import RedactCore

/// Who and why, for the record: shared by `run` and `submit`, written into every manifest
/// with the exact command line, the software version, the times and the hosts involved.
struct ProvenanceOptions: ParsableArguments {
    @Option(name: .customLong("case"), help: "Case, request or ticket reference this redaction is for (recorded in the manifest).")
    var caseReference: String?

    @Option(name: .customLong("operator"), help: "Who is running the job (recorded; default: the login name).")
    var operatorName: String?

    @Option(help: "Why the footage is being redacted, e.g. 'subject access request' (recorded).")
    var reason: String?

    func provenance() throws(OptionError) -> Provenance {
        let p = Provenance(caseReference: caseReference, operatorName: operatorName, reason: reason)
        try p.validate()
        return p
    }
}
