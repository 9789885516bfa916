@testable import RedactCoordinator
import Testing

/// `watch` and `run` show a job's progress as `fractionDone`: it must never go back, whether
/// a file's frame count becomes known late or a file fails.
@Suite struct JobProgressTests {
    func file(_ state: FileState, _ done: Int, of count: Int) -> FileStatus {
        FileStatus(id: 1, input: "in", output: "out", state: state, frameCount: count, framesDone: done, segments: 0, segmentsDone: 0,
                   segmentsRunning: 0, segmentsQueued: 0)
    }

    func job(_ files: [FileStatus]) -> JobStatus {
        JobStatus(id: "j", state: .running, createdAt: 0, files: files)
    }

    @Test func progressNeverGoesBack() {
        let steps = [
            job([file(.splitting, 0, of: 0), file(.pending, 0, of: 0)]),
            job([file(.processing, 50, of: 100), file(.splitting, 0, of: 0)]),
            job([file(.processing, 50, of: 100), file(.processing, 0, of: 900)]),  // a long file's count arrives
            job([file(.failed, 50, of: 100), file(.processing, 10, of: 900)]),     // a failed file counts as ended
            job([file(.failed, 0, of: 0), file(.done, 900, of: 900)]),
        ].map(\.fractionDone)
        for (a, b) in zip(steps, steps.dropFirst()) { #expect(b >= a, "\(steps)") }
        #expect(steps.last == 1)
    }
}
