import Foundation

/// The thread the metrics and health server's tasks run on: a Swift task executor of its
/// own, so `/healthz` answers even when every thread of the shared concurrency pool is busy
/// or blocked (a probe that waits for a free pool thread could fail a healthy process), and
/// starting the server from a thread of that pool cannot deadlock waiting for it.
final class ServerThread: TaskExecutor, @unchecked Sendable {
    static let shared = ServerThread()

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    private init() {
        let thread = Thread { [self] in runJobs() }  // lives as long as the process
        thread.name = "metrics-http"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    private func runJobs() {
        while true {
            let job = condition.withLock { () -> UnownedJob in
                while jobs.isEmpty { condition.wait() }
                return jobs.removeFirst()
            }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
