import ArgumentParser
import RedactCore

/// What the long-running commands (`coordinator`, `worker`) offer their operators.
struct ServiceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Serve Prometheus metrics at /metrics, liveness at /healthz and readiness at /readyz \
        over plain HTTP here: HOST:PORT, or :PORT for every interface (what a Kubernetes pod \
        needs for its probes). They carry counts and states, never footage or keys. Off unless given.
        """, valueName: "host:port"))
    var metricsAddress: String?

    func parsedMetricsAddress() throws(OptionError) -> HTTPAddress? {
        guard let text = metricsAddress else { return nil }
        switch HTTPAddress.parse(text) {
        case .success(let address): return address
        case .failure(let error): throw OptionError("--metrics-address", text, accepts: error.reason)
        }
    }
}
