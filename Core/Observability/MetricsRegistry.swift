import CoreMetrics
import Prometheus
import RedactSupport

/// One process's metrics, exposed in Prometheus's text format at `/metrics`.
///
/// The code that counts speaks swift-metrics (`Counter`, `Meter`, `Recorder`); the values live
/// in this registry's own Prometheus collector rather than in the process-wide
/// `MetricsSystem`, so a test process can run several coordinators and workers side by side,
/// each with its own figures. Every metric is declared once, with its help text, by the
/// catalogue of the side that owns it (`CoordinatorMetrics`, `WorkerMetrics`).
public final class MetricsRegistry: Sendable {
    private let collector = PrometheusCollectorRegistry()

    public init() {}

    public func counter(_ name: String, help: String, labels: [(String, String)] = []) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: name, dimensions: labels, handler: collector.makeCounter(name: name, labels: labels, help: help))
    }

    /// A counter of a quantity that is not whole (seconds, say).
    public func floatingCounter(_ name: String, help: String, labels: [(String, String)] = []) -> FloatingPointCounter {
        FloatingPointCounter(label: name, dimensions: labels, handler: collector.makeCounter(name: name, labels: labels, help: help))
    }

    public func gauge(_ name: String, help: String, labels: [(String, String)] = []) -> RemovableGauge {
        let gauge = collector.makeGauge(name: name, labels: labels, help: help)
        return RemovableGauge(meter: Meter(label: name, dimensions: labels, handler: gauge), gauge: gauge, collector: collector)
    }

    /// A histogram of values in the metric's base unit (`buckets` are upper bounds).
    public func histogram(_ name: String, help: String, buckets: [Double], labels: [(String, String)] = []) -> Recorder {
        Recorder(label: name, dimensions: labels, aggregate: true,
                 handler: collector.makeValueHistogram(name: name, labels: labels, buckets: buckets, help: help))
    }

    /// The text exposition format (version 0.0.4).
    public func exposition() -> [UInt8] { collector.emitToBuffer() }
}

/// A gauge whose series can be taken out of the exposition again: one per unfinished job,
/// gone when the job ends, so the label never grows with the number of jobs ever run.
public struct RemovableGauge: Sendable {
    public let meter: Meter
    fileprivate let gauge: Prometheus.Gauge
    fileprivate let collector: PrometheusCollectorRegistry

    public func set(_ value: Int) { meter.set(Int64(value)) }
    public func set(_ value: Double) { meter.set(value) }
    public func remove() { collector.unregisterGauge(gauge) }
}
