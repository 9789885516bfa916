import ArgumentParser
import RedactCore

extension LogFormat: ExpressibleByArgument {}

/// What the long-running commands (`coordinator`, `worker`) offer their operators.
struct ServiceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Serve Prometheus metrics at /metrics, liveness at /healthz and readiness at /readyz \
        over plain HTTP here: HOST:PORT, or :PORT for every interface (what a Kubernetes pod \
        needs for its probes). They carry counts and states, never footage or keys. Off unless given.
        """, valueName: "host:port"))
    var metricsAddress: String?

    @Option(help: ArgumentHelp("""
        Log lines on stderr as text (for people) or json (one object per line, for a log \
        shipper). Either way each line is one event with an RFC 3339 UTC time and the ids \
        of the job, file, segment and worker it concerns.
        """, valueName: "text|json"))
    var logFormat: LogFormat = .text

    func parsedMetricsAddress() throws(OptionError) -> HTTPAddress? {
        guard let text = metricsAddress else { return nil }
        switch HTTPAddress.parse(text) {
        case .success(let address): return address
        case .failure(let error): throw OptionError("--metrics-address", text, accepts: error.reason)
        }
    }
}
