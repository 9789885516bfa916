import Logging

extension TaskID {
    /// The ids a log line about this attempt carries, so a log shipper can follow one job,
    /// file or segment across the coordinator's and the workers' logs.
    public var logMetadata: Logger.Metadata { logMetadata() }

    public func logMetadata(worker: String? = nil, reason: String? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["job": "\(job)", "file": "\(file)", "segment": "\(segment)", "attempt": "\(attempt)"]
        if let worker { metadata["worker"] = "\(worker)" }
        if let reason { metadata["reason"] = "\(reason)" }
        return metadata
    }
}
