import Foundation
import GRDB
import RedactCore

/// The coordinator's durable state: jobs, their files, each file's segments and every attempt
/// at a segment, in SQLite (WAL, synchronous=FULL) under the state folder. Every change the
/// broker acts on is committed before it is acted on, so a coordinator killed at any moment
/// restarts from here with no finished work lost. Used from the broker's thread, and from the
/// commit lane for results (`finishAttempts`): `DatabaseQueue` serializes every access, and
/// the store holds nothing else.
public final class JobStore: @unchecked Sendable {
    public static let fileName = "farm.sqlite"
    private let db: DatabaseQueue

    public init(stateDirectory: String) throws(MediaError) {
        let path = stateDirectory + "/" + Self.fileName
        do {
            var config = Configuration()
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            db = try DatabaseQueue(path: path, configuration: config)
            try db.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = WAL") }
            try Self.migrator.migrate(db)
        } catch {
            throw MediaError(path: path, reason: "cannot open the coordinator's state: \(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE job (
                    id TEXT PRIMARY KEY,
                    createdAt REAL NOT NULL,
                    state TEXT NOT NULL,
                    options TEXT NOT NULL,
                    outputFolder TEXT NOT NULL,
                    finishedAt REAL
                );
                CREATE TABLE file (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    jobId TEXT NOT NULL REFERENCES job(id),
                    input TEXT NOT NULL,
                    output TEXT NOT NULL,
                    state TEXT NOT NULL,
                    frameCount INTEGER NOT NULL DEFAULT 0,
                    segmentCount INTEGER NOT NULL DEFAULT 0,
                    error TEXT,
                    outputSHA256 TEXT,
                    startedAt REAL,
                    finishedAt REAL
                );
                CREATE INDEX fileByJob ON file(jobId);
                CREATE TABLE segment (
                    fileId INTEGER NOT NULL REFERENCES file(id),
                    idx INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    frameCount INTEGER NOT NULL,
                    inputSHA256 TEXT NOT NULL,
                    dispatches INTEGER NOT NULL DEFAULT 0,
                    failures INTEGER NOT NULL DEFAULT 0,
                    outputSHA256 TEXT,
                    outputBytes INTEGER,
                    worker TEXT,
                    detections INTEGER,
                    lastError TEXT,
                    PRIMARY KEY (fileId, idx)
                );
                CREATE INDEX segmentByState ON segment(state);
                CREATE TABLE attempt (
                    fileId INTEGER NOT NULL,
                    idx INTEGER NOT NULL,
                    attempt INTEGER NOT NULL,
                    worker TEXT NOT NULL,
                    startedAt REAL NOT NULL,
                    endedAt REAL,
                    outcome TEXT,
                    reason TEXT,
                    PRIMARY KEY (fileId, idx, attempt)
                );
                """)
        }
        // Who did the work, durably: the host beside each worker name, so a manifest written
        // after any restart names both from the store.
        m.registerMigration("v2") { db in
            try db.execute(sql: """
                ALTER TABLE attempt ADD COLUMN host TEXT;
                ALTER TABLE segment ADD COLUMN workerHost TEXT;
                """)
        }
        // A segment with nothing to hide, copied from the source instead of re-encoded.
        m.registerMigration("v3") { db in
            try db.execute(sql: "ALTER TABLE segment ADD COLUMN copied INTEGER NOT NULL DEFAULT 0")
        }
        // A job's priority: its first attempts go before those of lower ones.
        m.registerMigration("v4") { db in
            try db.execute(sql: "ALTER TABLE job ADD COLUMN priority INTEGER NOT NULL DEFAULT 0")
        }
        // Whether a file is complete, from an index (`hasSegmentNotDone`).
        m.registerMigration("v5") { db in
            try db.execute(sql: "CREATE INDEX segmentByFileState ON segment(fileId, state)")
        }
        return m
    }

    private func write<T>(_ body: (Database) throws -> T) throws(MediaError) -> T {
        do { return try db.write(body) } catch { throw MediaError(path: Self.fileName, reason: "state write failed: \(error)") }
    }

    /// Reads without GRDB's read-only guard (two pragmas compiled and run around every read,
    /// most of a lookup's cost): the store has one user, the broker's thread, and these
    /// bodies only read.
    private func read<T>(_ body: (Database) throws -> T) throws(MediaError) -> T {
        do { return try db.unsafeRead(body) } catch { throw MediaError(path: Self.fileName, reason: "state read failed: \(error)") }
    }

    // MARK: Jobs and files

    public func createJob(id: String, options: JobOptions, outputFolder: String, files: [(input: String, output: String)],
                          priority: Int = 0) throws(MediaError) {
        let json = String(decoding: (try? JSONEncoder().encode(options)) ?? Data(), as: UTF8.self)
        try write { db in
            try db.execute(sql: "INSERT INTO job (id, createdAt, state, options, outputFolder, priority) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [id, Date().timeIntervalSince1970, JobState.running.rawValue, json, outputFolder, priority])
            for f in files {
                try db.execute(sql: "INSERT INTO file (jobId, input, output, state) VALUES (?, ?, ?, ?)",
                               arguments: [id, f.input, f.output, FileState.pending.rawValue])
            }
        }
    }

    public func jobs() throws(MediaError) -> [JobRecord] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM job ORDER BY createdAt, id").map(JobRecord.init) }
    }

    /// How many jobs are in each state (for the metrics, when a job starts or ends).
    public func jobCounts() throws(MediaError) -> [JobState: Int] {
        try read { db in
            var counts: [JobState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM job GROUP BY state") {
                if let state = JobState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    public func job(_ id: String) throws(MediaError) -> JobRecord? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]).map(JobRecord.init) }
    }

    public func setJobPriority(_ id: String, _ priority: Int) throws(MediaError) {
        try write { db in try db.execute(sql: "UPDATE job SET priority = ? WHERE id = ?", arguments: [priority, id]) }
    }

    /// Each unfinished file's job priority, for the queue after a restart.
    public func filePriorities() throws(MediaError) -> [Int64: Int] {
        try read { db in
            var ranks: [Int64: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT file.id AS id, job.priority AS priority FROM file JOIN job ON job.id = file.jobId WHERE job.priority != 0 AND job.state = 'running'") {
                ranks[row["id"]] = row["priority"]
            }
            return ranks
        }
    }

    public func setJobState(_ id: String, _ state: JobState) throws(MediaError) {
        try write { db in
            try db.execute(sql: "UPDATE job SET state = ?, finishedAt = ? WHERE id = ?",
                           arguments: [state.rawValue, state.isFinal ? Date().timeIntervalSince1970 : nil, id])
        }
    }

    public func files(job: String? = nil) throws(MediaError) -> [FileRecord] {
        try read { db in
            if let job {
                return try Row.fetchAll(db, sql: "SELECT * FROM file WHERE jobId = ? ORDER BY id", arguments: [job]).map(FileRecord.init)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM file ORDER BY id").map(FileRecord.init)
        }
    }

    public func file(_ id: Int64) throws(MediaError) -> FileRecord? {
        try read { db in try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM file WHERE id = ?"), arguments: [id]).map(FileRecord.init) }
    }

    public func setFileState(_ id: Int64, _ state: FileState, error: String? = nil, outputSHA256: String? = nil) throws(MediaError) {
        try write { db in
            try db.execute(sql: """
                UPDATE file SET state = ?, error = COALESCE(?, error), outputSHA256 = COALESCE(?, outputSHA256),
                    startedAt = COALESCE(startedAt, ?), finishedAt = ? WHERE id = ?
                """, arguments: [state.rawValue, error, outputSHA256, Date().timeIntervalSince1970,
                                 state.isFinal ? Date().timeIntervalSince1970 : nil, id])
        }
    }

    /// A segment the splitter has just written: it enters the queue while the rest of the file
    /// is still being split. Returns false if it was already known.
    public func addSegment(_ fileID: Int64, _ record: SegmentPlan.SegmentRecord) throws(MediaError) -> Bool {
        try write { db in try Self.insertQueued(db, fileID, record) }
    }

    /// Several segments in one transaction (one commit for all of them); the indexes that
    /// were new.
    public func addSegments(_ fileID: Int64, _ records: [SegmentPlan.SegmentRecord]) throws(MediaError) -> [Int] {
        try write { db in try records.filter { try Self.insertQueued(db, fileID, $0) }.map(\.index) }
    }

    /// A file's segments counted by state, with the frames of those done: what progress needs,
    /// without reading every row.
    public func segmentCounts(file fileID: Int64) throws(MediaError) -> (byState: [SegmentState: Int], framesDone: Int) {
        try read { db in
            var counts: [SegmentState: Int] = [:]
            var frames = 0
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n, SUM(frameCount) AS frames FROM segment WHERE fileId = ? GROUP BY state",
                                        arguments: [fileID]) {
                guard let state = SegmentState(rawValue: row["state"]) else { continue }
                counts[state] = row["n"]
                if state == .done { frames = row["frames"] ?? 0 }
            }
            return (counts, frames)
        }
    }

    /// Whether any of a file's segments (a file with none counts as not complete) is not done.
    public func hasSegmentNotDone(file fileID: Int64) throws(MediaError) -> Bool {
        try read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT NOT EXISTS (SELECT 1 FROM segment WHERE fileId = ?1)
                    OR EXISTS (SELECT 1 FROM segment WHERE fileId = ?1 AND state IN ('queued', 'running', 'failed'))
                """)
            return try Bool.fetchOne(statement, arguments: [fileID]) ?? true
        }
    }

    /// Adds a segment to the queue unless it is already known; whether it was new.
    private static func insertQueued(_ db: Database, _ fileID: Int64, _ record: SegmentPlan.SegmentRecord) throws -> Bool {
        try db.execute(sql: "INSERT OR IGNORE INTO segment (fileId, idx, state, frameCount, inputSHA256) VALUES (?, ?, 'queued', ?, ?)",
                       arguments: [fileID, record.index, record.frameCount, record.sha256])
        return db.changesCount > 0
    }

    /// Forgets a file's segments and attempts (before it is split again).
    public func resetSegments(_ fileID: Int64) throws(MediaError) {
        try write { db in
            try db.execute(sql: "DELETE FROM segment WHERE fileId = ?", arguments: [fileID])
            try db.execute(sql: "DELETE FROM attempt WHERE fileId = ?", arguments: [fileID])
        }
    }

    /// Records a file's finished plan: segments not yet known enter the queue, and the file
    /// moves on to processing, in one transaction. Returns the segments that were new.
    public func setPlanned(_ fileID: Int64, plan: SegmentPlan) throws(MediaError) -> [Int] {
        try write { db in
            var added: [Int] = []
            for s in plan.segments where try Self.insertQueued(db, fileID, s) { added.append(s.index) }
            try db.execute(sql: "UPDATE file SET state = ?, frameCount = ?, segmentCount = ? WHERE id = ?",
                           arguments: [FileState.processing.rawValue, plan.frameCount, plan.segments.count, fileID])
            return added
        }
    }

    /// When the job's first segment was dispatched and its last attempt ended (nil before).
    public func dispatchWindow(job: String) throws(MediaError) -> (first: Double?, last: Double?) {
        try read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT MIN(a.startedAt) AS first, MAX(a.endedAt) AS last FROM attempt a JOIN file f ON f.id = a.fileId WHERE f.jobId = ?
                """, arguments: [job])
            return (row?["first"], row?["last"])
        }
    }

    // MARK: Segments

    public func segments(file: Int64) throws(MediaError) -> [SegmentRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM segment WHERE fileId = ? ORDER BY idx", arguments: [file]).map(SegmentRecord.init)
        }
    }

    /// The indices of a file's segments in `state`, in no particular order (a stitch that
    /// starts after 100,000 segments are done learns which, and reads each record back only
    /// when it gets there).
    public func segmentIndices(file: Int64, in state: SegmentState) throws(MediaError) -> [Int] {
        try read { db in
            try Int.fetchAll(db.cachedStatement(sql: "SELECT idx FROM segment WHERE fileId = ? AND state = ?"),
                             arguments: [file, state.rawValue])
        }
    }

    /// A run of a file's segments by index, in index order (a stitch reading back what it
    /// waited for, many at a time).
    public func segments(file: Int64, indices: ClosedRange<Int>) throws(MediaError) -> [SegmentRecord] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM segment WHERE fileId = ? AND idx BETWEEN ? AND ? ORDER BY idx"),
                             arguments: [file, indices.lowerBound, indices.upperBound]).map(SegmentRecord.init)
        }
    }

    public func segment(_ key: SegmentKey) throws(MediaError) -> SegmentRecord? {
        try read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM segment WHERE fileId = ? AND idx = ?"), arguments: [key.file, key.index])
                .map(SegmentRecord.init)
        }
    }

    /// Queued segments of running files, oldest job first, in file and segment order.
    public func queuedSegments() throws(MediaError) -> [SegmentKey] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.fileId, s.idx FROM segment s JOIN file f ON f.id = s.fileId JOIN job j ON j.id = f.jobId
                WHERE s.state = 'queued' AND f.state IN ('processing', 'splitting') ORDER BY j.createdAt, f.id, s.idx
                """).map { SegmentKey(file: $0["fileId"], index: $0["idx"]) }
        }
    }

    /// Starts a new attempt and returns its number (1, 2, …).
    public func startAttempt(_ key: SegmentKey, worker: String, host: String) throws(MediaError) -> Int {
        try startAttempts([(key, worker, host)])[0]
    }

    /// Starts several attempts in one transaction (one commit for a broker turn's dispatches)
    /// and returns their numbers, in order.
    public func startAttempts(_ starts: [(key: SegmentKey, worker: String, host: String)]) throws(MediaError) -> [Int] {
        guard !starts.isEmpty else { return [] }
        return try write { db in
            let now = Date().timeIntervalSince1970
            let mark = try db.cachedStatement(sql: """
                UPDATE segment SET state = 'running', dispatches = dispatches + 1, worker = ?, workerHost = ? WHERE fileId = ? AND idx = ?
                """)
            let number = try db.cachedStatement(sql: "SELECT dispatches FROM segment WHERE fileId = ? AND idx = ?")
            let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO attempt (fileId, idx, attempt, worker, host, startedAt) VALUES (?, ?, ?, ?, ?, ?)")
            return try starts.map { start in
                try mark.execute(arguments: [start.worker, start.host, start.key.file, start.key.index])
                let attempt = try Int.fetchOne(number, arguments: [start.key.file, start.key.index]) ?? 0
                try insert.execute(arguments: [start.key.file, start.key.index, attempt, start.worker, start.host, now])
                return attempt
            }
        }
    }

    /// Records segments done, in one transaction: the group commit of a broker turn's results,
    /// one fsync for all of them. Who did each comes from its attempt's own record, not from
    /// whoever delivered the result, so it is right after a restart too; returned in order.
    public func finishAttempts(_ finishes: [AttemptFinish]) throws(MediaError) -> [DoneBy] {
        guard !finishes.isEmpty else { return [] }
        return try write { db in
            let now = Date().timeIntervalSince1970
            let who = try db.cachedStatement(sql: "SELECT worker, host FROM attempt WHERE fileId = ? AND idx = ? AND attempt = ?")
            let done = try db.cachedStatement(sql: """
                UPDATE segment SET state = 'done', outputSHA256 = ?, outputBytes = ?, worker = ?, workerHost = ?, detections = ?, copied = ?
                WHERE fileId = ? AND idx = ?
                """)
            // A newer attempt still open (this result was late, after a restart or a lost
            // worker) is not needed any more.
            let superseded = try db.cachedStatement(sql: """
                UPDATE attempt SET endedAt = ?, outcome = 'superseded', reason = ?
                WHERE fileId = ? AND idx = ? AND attempt != ? AND endedAt IS NULL
                """)
            return try finishes.map { f in
                let row = try Row.fetchOne(who, arguments: [f.key.file, f.key.index, f.attempt])
                let doneBy = DoneBy(worker: row?["worker"] ?? "unknown", host: row?["host"])
                try done.execute(arguments: [f.outputSHA256, f.outputBytes, doneBy.worker, doneBy.host, f.detections, f.copied ? 1 : 0,
                                             f.key.file, f.key.index])
                try endAttempt(db, f.key, f.attempt, outcome: "done", reason: nil, at: now)
                try superseded.execute(arguments: [now, "attempt \(f.attempt) delivered first", f.key.file, f.key.index, f.attempt])
                return doneBy
            }
        }
    }

    /// An attempt that did not produce a result. `counts`: whether it counts towards the
    /// attempt limit (a failure or a lost worker does; a task handed back on shutdown does
    /// not). Returns the segment's new state.
    /// `permanent`: a failure no retry can mend (recorded as such); the segment fails at once.
    public func abandonAttempt(_ key: SegmentKey, attempt: Int, reason: String, counts: Bool, maxFailures: Int,
                               permanent: Bool = false) throws(MediaError) -> SegmentState {
        try write { db in
            if counts {
                try db.execute(sql: "UPDATE segment SET failures = failures + 1, lastError = ? WHERE fileId = ? AND idx = ?",
                               arguments: [reason, key.file, key.index])
            }
            let failures = try Int.fetchOne(db, sql: "SELECT failures FROM segment WHERE fileId = ? AND idx = ?",
                                            arguments: [key.file, key.index]) ?? 0
            let state: SegmentState = permanent || failures >= maxFailures ? .failed : .queued
            try db.execute(sql: "UPDATE segment SET state = ? WHERE fileId = ? AND idx = ?", arguments: [state.rawValue, key.file, key.index])
            try endAttempt(db, key, attempt, outcome: permanent ? "failed-permanent" : counts ? "failed" : "returned", reason: reason)
            return state
        }
    }

    private func endAttempt(_ db: Database, _ key: SegmentKey, _ attempt: Int, outcome: String, reason: String?,
                            at time: Double = Date().timeIntervalSince1970) throws {
        try db.cachedStatement(sql: "UPDATE attempt SET endedAt = ?, outcome = ?, reason = ? WHERE fileId = ? AND idx = ? AND attempt = ?")
            .execute(arguments: [time, outcome, reason, key.file, key.index, attempt])
    }

    /// After a restart nothing is in flight: running segments go back to the queue (their
    /// attempt number stays, so a result for it that still arrives is accepted), and files
    /// caught mid-split or mid-stitch redo that step.
    /// Returns the segments that were running: their holders may still be at work on them.
    @discardableResult
    public func recoverAfterRestart() throws(MediaError) -> [SegmentKey] {
        try write { db in
            let running = try Row.fetchAll(db, sql: "SELECT fileId, idx FROM segment WHERE state = 'running' ORDER BY fileId, idx")
                .map { SegmentKey(file: $0["fileId"], index: $0["idx"]) }
            try db.execute(sql: "UPDATE segment SET state = 'queued' WHERE state = 'running'")
            try db.execute(sql: "UPDATE file SET state = 'pending' WHERE state = 'splitting'")
            try db.execute(sql: "UPDATE file SET state = 'processing' WHERE state = 'stitching'")
            return running
        }
    }

    /// A worker still holds the segment's latest attempt (it reported it after a restart or a
    /// reconnect): the attempt runs on instead of being dispatched again. Only a queued segment
    /// whose latest attempt this is can be adopted; returns whether it was.
    public func adoptAttempt(_ key: SegmentKey, attempt: Int) throws(MediaError) -> Bool {
        try write { db in
            try db.execute(sql: "UPDATE segment SET state = 'running' WHERE fileId = ? AND idx = ? AND state = 'queued' AND dispatches = ?",
                           arguments: [key.file, key.index, attempt])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "UPDATE attempt SET endedAt = NULL, outcome = NULL, reason = NULL WHERE fileId = ? AND idx = ? AND attempt = ?",
                           arguments: [key.file, key.index, attempt])
            return true
        }
    }

    /// The workers whose attempts at a segment failed or were lost, so a retry goes elsewhere.
    public func failedWorkers(_ key: SegmentKey) throws(MediaError) -> Set<String> {
        try read { db in
            Set(try String.fetchAll(db, sql: "SELECT DISTINCT worker FROM attempt WHERE fileId = ? AND idx = ? AND outcome IN ('failed', 'failed-permanent')",
                                    arguments: [key.file, key.index]))
        }
    }

    /// Queued and running segments of files that have not ended, for the lease audit.
    public func openSegments() throws(MediaError) -> [SegmentRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.* FROM segment s JOIN file f ON f.id = s.fileId
                WHERE s.state IN ('queued', 'running') AND f.state IN ('splitting', 'processing', 'stitching')
                """).map(SegmentRecord.init)
        }
    }
}

/// A segment's result, checked and about to be recorded done.
public struct AttemptFinish: Sendable {
    public var key: SegmentKey
    public var attempt: Int
    public var outputSHA256: String
    public var outputBytes: Int
    public var detections: Int
    public var copied: Bool
    public init(key: SegmentKey, attempt: Int, outputSHA256: String, outputBytes: Int, detections: Int, copied: Bool) {
        self.key = key
        self.attempt = attempt
        self.outputSHA256 = outputSHA256
        self.outputBytes = outputBytes
        self.detections = detections
        self.copied = copied
    }
}

/// The worker (and its host) whose attempt finished a segment, from the attempt's record.
public struct DoneBy: Sendable, Equatable {
    public var worker: String
    public var host: String?
    public init(worker: String, host: String?) {
        self.worker = worker
        self.host = host
    }
}

public struct SegmentKey: Hashable, Sendable, CustomStringConvertible {
    public var file: Int64
    public var index: Int
    public init(file: Int64, index: Int) {
        self.file = file
        self.index = index
    }
    public var description: String { "file \(file) segment \(index)" }
}

/// What a job asks for: identical for every file and segment in it.
public struct JobOptions: Codable, Equatable, Sendable {
    public var job: RedactionJob
    public var segmentSeconds: Double
    /// Who asked for the job and why, recorded in every manifest (absent in jobs stored
    /// before it was recorded).
    public var provenance: Provenance?
    /// Run the leak audit on every output.
    public var audit: Bool?
    /// Stream types the user asked to leave out of the outputs (`--drop-streams`).
    public var dropStreams: [String]?
    /// SHA-256 of the corrections file the job's corrections were read from, for the record.
    public var correctionsSHA256: String?
    public init(job: RedactionJob, segmentSeconds: Double, provenance: Provenance? = nil, audit: Bool = false, dropStreams: [String] = []) {
        self.job = job
        self.segmentSeconds = segmentSeconds
        self.provenance = provenance
        self.audit = audit
        self.dropStreams = dropStreams
    }

    /// The same checks for a job typed on this machine and one a remote client sent.
    public func validate() throws(OptionError) {
        try job.validate()
        try provenance?.validate()
        if (job.corrections == nil) != (correctionsSHA256 == nil) {
            throw OptionError("--corrections", correctionsSHA256 ?? "", accepts: "corrections come with the SHA-256 of the file they were read from")
        }
        for type in dropStreams ?? [] where !StreamPlan.droppableTypes.contains(type) {
            throw OptionError("--drop-streams", type, accepts: "a stream type: \(StreamPlan.droppableTypes.sorted().joined(separator: ", ")) (the video is never dropped)")
        }
        try JobLimits.check("--segment-seconds", segmentSeconds, in: JobLimits.segmentSeconds, "cuts fall on the nearest keyframe")
    }
}

public enum JobState: String, Codable, Sendable, CaseIterable {
    case running, done, failed, cancelled
    public var isFinal: Bool { self != .running }
}

public enum FileState: String, Codable, Sendable {
    case pending, splitting, processing, stitching, done, failed, cancelled
    public var isFinal: Bool { self == .done || self == .failed || self == .cancelled }
}

public enum SegmentState: String, Codable, Sendable {
    case queued, running, done, failed
}

public struct JobRecord: Sendable {
    public var id: String
    public var createdAt: Double
    public var state: JobState
    public var options: JobOptions?
    public var outputFolder: String
    public var finishedAt: Double?
    /// Higher goes first (0 by default; negative for background work).
    public var priority: Int

    init(_ row: Row) {
        id = row["id"]
        createdAt = row["createdAt"]
        state = JobState(rawValue: row["state"]) ?? .failed
        options = (row["options"] as String?).flatMap { try? JSONDecoder().decode(JobOptions.self, from: Data($0.utf8)) }
        outputFolder = row["outputFolder"]
        finishedAt = row["finishedAt"]
        priority = row["priority"] ?? 0
    }
}

public struct FileRecord: Sendable {
    public var id: Int64
    public var jobID: String
    public var input: String
    public var output: String
    public var state: FileState
    public var frameCount: Int
    public var segmentCount: Int
    public var error: String?
    public var outputSHA256: String?
    public var startedAt: Double?
    public var finishedAt: Double?

    init(_ row: Row) {
        id = row["id"]
        jobID = row["jobId"]
        input = row["input"]
        output = row["output"]
        state = FileState(rawValue: row["state"]) ?? .failed
        frameCount = row["frameCount"]
        segmentCount = row["segmentCount"]
        error = row["error"]
        outputSHA256 = row["outputSHA256"]
        startedAt = row["startedAt"]
        finishedAt = row["finishedAt"]
    }
}

public struct SegmentRecord: Sendable {
    public var key: SegmentKey
    public var state: SegmentState
    public var frameCount: Int
    public var inputSHA256: String
    public var dispatches: Int
    public var failures: Int
    public var outputSHA256: String?
    public var outputBytes: Int?
    public var worker: String?
    public var workerHost: String?
    public var detections: Int?
    public var lastError: String?
    /// Done by copying the source's segment (nothing in it to hide).
    public var copied: Bool

    init(_ row: Row) {
        key = SegmentKey(file: row["fileId"], index: row["idx"])
        state = SegmentState(rawValue: row["state"]) ?? .failed
        frameCount = row["frameCount"]
        inputSHA256 = row["inputSHA256"]
        dispatches = row["dispatches"]
        failures = row["failures"]
        outputSHA256 = row["outputSHA256"]
        outputBytes = row["outputBytes"]
        worker = row["worker"]
        workerHost = row["workerHost"]
        detections = row["detections"]
        lastError = row["lastError"]
        copied = (row["copied"] as Int?) == 1
    }
}
