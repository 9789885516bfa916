import Foundation
import RedactCore

// The coordinator at fleet scale (issue 14): one job of SCALE_SEGMENTS segments (default
// 100,000) handed to SCALE_WORKERS simulated workers (default 200 and 1000), which speak the
// real protocol over real TCP sockets and answer every task at once with a valid result, so
// what is measured is the coordinator alone: results committed per second, its CPU per
// segment, the turnaround from a result to the next task on that connection (p50/p99), and
// its memory as finished segments pile up. The source is a tiny H.264 clip whose every
// frame is an IDR at 2 fps, so each 0.5 s segment is one frame and "copied" is a valid
// answer (the coordinator checks it against the plan like any other).
//   make bench-scale                   (SCALE_SEGMENTS=20000 SCALE_WORKERS=200 for a short run)

let env = ProcessInfo.processInfo.environment
let segments = Int(env["SCALE_SEGMENTS"] ?? "") ?? 100_000
let workerCounts = (env["SCALE_WORKERS"] ?? "200,1000").split(separator: ",").compactMap { Int($0) }
let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
let redactfarm = binDir + "/redactfarm"
let cache = FileManager.default.currentDirectoryPath + "/.cache/bench"
try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)

func spawn(_ program: String, _ arguments: [String], log: String) -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawnp(&pid, program, &actions, nil, argv, environ) == 0 else { fatalError("cannot start \(program)") }
    return pid
}

func run(_ program: String, _ arguments: [String]) -> Int32 {
    let pid = spawn(program, arguments, log: "/dev/null")
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return (status >> 8) & 0xff
}

/// User+system CPU seconds of a process so far.
func cpuSeconds(_ pid: pid_t) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    return ((Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)) / ticks
}

func residentMiB(_ pid: pid_t, field: String = "VmRSS:") -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }) else { return 0 }
    return (Double(line.split(separator: " ")[1]) ?? 0) / 1024
}

/// The most memory the process has held resident so far (the stitch and manifest included).
func peakResidentMiB(_ pid: pid_t) -> Double { residentMiB(pid, field: "VmHWM:") }

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
}

let source = cache + "/scale-\(segments).mp4"
if !FileManager.default.fileExists(atPath: source) {
    print("making \(source): \(segments) frames, each an IDR, 64x64 at 2 fps")
    let made = run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=2", "-frames:v", "\(segments)",
                              "-c:v", "libx264", "-preset", "ultrafast", "-x264-params", "keyint=1:min-keyint=1:scenecut=0:bframes=0",
                              "-pix_fmt", "yuv420p", source])
    guard made == 0 else { fatalError("ffmpeg could not make the source") }
}

struct Row {
    var workers: Int
    var splitSeconds: Double
    /// Resident when the plan was complete, before the first worker connected.
    var plannedMiB: Double
    var processSeconds: Double
    var resultsPerSecond: Double
    var cpuMillisPerSegment: Double
    var p50: Double
    var p99: Double
    var finishSeconds: Double
    var memory: [(done: Int, mib: Double)]
    var peakMiB: Double
    var verified = false
}
var rows: [Row] = []

for workers in workerCounts {
    let state = cache + "/scale-state-\(workers)"
    try? FileManager.default.removeItem(atPath: state)
    try? FileManager.default.removeItem(atPath: cache + "/scale-out-\(workers)")
    let log = cache + "/scale-coordinator-\(workers).log"
    let coordinator = spawn(redactfarm, ["coordinator", "--state", state, "--listen", "tcp://127.0.0.1:0", "--insecure", "--liveness-ms", "10000"], log: log)
    var endpoint: String?
    for _ in 0..<200 where endpoint == nil {
        Thread.sleep(forTimeInterval: 0.05)
        endpoint = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").first { $0.contains("workers: tcp://") }
            .flatMap { $0.components(separatedBy: "workers: ").last?.components(separatedBy: ";").first }
    }
    guard let endpoint else { fatalError("the coordinator did not start: see \(log)") }
    // The job is split before any worker connects: what follows is the broker's alone (the
    // split of 100,000 segments takes about a minute, and results would otherwise keep pace
    // with it), and its memory then is measured against finished segments, the plan whole.
    let submittedAt = Date()
    guard run(redactfarm, ["submit", source, "-o", cache + "/scale-out-\(workers)", "--segment-seconds", "0.5", "--state", state]) == 0 else {
        fatalError("submit failed: see \(log)")
    }
    for _ in 0..<72000 {
        if (try? String(contentsOfFile: log, encoding: .utf8))?.contains(" segment(s), ") == true { break }
        Thread.sleep(forTimeInterval: 0.1)
    }
    let splitSeconds = Date().timeIntervalSince(submittedAt)
    let planned = residentMiB(coordinator)
    print("  \(workers) workers: split in \(String(format: "%.1f", splitSeconds)) s, coordinator \(String(format: "%.0f", planned)) MiB")
    let context = try ZMQContext()
    let fleet = SimulatedWorkers(endpoint: endpoint, count: workers, threads: 4)
    let cpuAtSubmit = cpuSeconds(coordinator)
    try fleet.start(context: context)
    var memory: [(Int, Double)] = []
    var cpuAtFirst = cpuAtSubmit, cpuAtLast = cpuAtSubmit
    var nextMark = 0.1
    while fleet.resultCount < segments {
        Thread.sleep(forTimeInterval: 0.5)
        let done = fleet.resultCount
        if fleet.firstTaskAt != nil, cpuAtFirst == cpuAtSubmit { cpuAtFirst = cpuSeconds(coordinator) }
        if Double(done) >= nextMark * Double(segments) {
            memory.append((done, residentMiB(coordinator)))
            print("  \(workers) workers: \(done) of \(segments) results, coordinator \(String(format: "%.0f", residentMiB(coordinator))) MiB")
            nextMark += 0.2
        }
        if Date().timeIntervalSince(submittedAt) > 7200 { fatalError("gave up after two hours: see \(log)") }
    }
    cpuAtLast = cpuSeconds(coordinator)
    memory.append((segments, residentMiB(coordinator)))
    // The stitch of every segment and the manifest, after the last result.
    var finishedAt = Date()
    for _ in 0..<36000 {
        if (try? String(contentsOfFile: log, encoding: .utf8))?.contains(" done: ") == true { finishedAt = Date(); break }
        Thread.sleep(forTimeInterval: 0.1)
    }
    let peak = peakResidentMiB(coordinator)
    fleet.stop()
    kill(coordinator, SIGTERM)
    var status: Int32 = 0
    waitpid(coordinator, &status, 0)
    let first = fleet.firstTaskAt ?? submittedAt, last = fleet.lastResultAt ?? Date()
    let processing = last.timeIntervalSince(first)
    rows.append(Row(workers: workers, splitSeconds: splitSeconds, plannedMiB: planned, processSeconds: processing,
                    resultsPerSecond: Double(segments) / max(processing, 0.001),
                    cpuMillisPerSegment: (cpuAtLast - cpuAtFirst) * 1000 / Double(segments),
                    p50: percentile(fleet.turnarounds, 0.5), p99: percentile(fleet.turnarounds, 0.99),
                    finishSeconds: finishedAt.timeIntervalSince(last), memory: memory, peakMiB: peak))
    // The output must be what a real job's is: signed, and every segment accounted for.
    let outputs = (try? FileManager.default.contentsOfDirectory(atPath: cache + "/scale-out-\(workers)")) ?? []
    let verified = outputs.filter { $0.hasSuffix(".mp4") }.map { run(redactfarm, ["verify", cache + "/scale-out-\(workers)/" + $0]) == 0 }
    rows[rows.count - 1].verified = verified.count == 1 && verified.allSatisfy { $0 }
    try? FileManager.default.removeItem(atPath: state)
    try? FileManager.default.removeItem(atPath: cache + "/scale-out-\(workers)")
}

print("")
print("One job of \(segments) segments, simulated workers answering at once (\(ProcessInfo.processInfo.activeProcessorCount) cores, shared with the simulated fleet)")
print("| workers | split s (no worker yet) | results/s committed | coordinator CPU ms/segment | turnaround p50 ms | p99 ms | last result to output s | coordinator MiB planned, then at 10% / 50% / 100% done | peak MiB (stitch included) | output verifies |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows {
    // The sample nearest to 10%, 50% and 100% of the segments done.
    let mem = [0.1, 0.5, 1.0].compactMap { p in r.memory.min { abs(Double($0.done) / Double(segments) - p) < abs(Double($1.done) / Double(segments) - p) } }
        .map { String(format: "%.0f", $0.mib) }
    let memory = String(format: "%.0f, then ", r.plannedMiB) + mem.joined(separator: " / ")
    print(String(format: "| %d | %.1f | %.0f | %.3f | %.1f | %.1f | %.1f | %@ | %.0f | %@ |", r.workers, r.splitSeconds, r.resultsPerSecond, r.cpuMillisPerSegment,
                 r.p50, r.p99, r.finishSeconds, memory, r.peakMiB, r.verified ? "yes" : "NO"))
}
if let best = rows.map(\.resultsPerSecond).max() {
    // A real worker (2 cores, the default profile) takes about 25 s for a 10 s segment of
    // 720p25 (Benchmarks/README.md: ~10 frames/s): that many segments per second keep
    // best × 25 such workers busy.
    print(String(format: "\nPaper arithmetic: at %.0f results/s, with a real 2-core worker spending ~25 s on a 10 s 720p segment (the default profile at ~10 frames/s), one coordinator keeps about %.0f such workers busy.", best, best * 25))
}
