import Foundation

// Split and stitch are stream copies: parsing, copying and hashing, no decoding. This times
// them on 1080p30 H.264 (8 Mbit/s, AAC) beside FFmpeg doing the same job in the same run:
//   split  vs  ffmpeg -map 0:v -c copy -f segment          (GOP-aligned cuts of the video)
//   stitch vs  ffmpeg -f concat of those segments + the source's audio, -c copy
// RedactFarm also fingerprints everything with SHA-256 (split: the input and every segment;
// stitch: the source, every segment and the output), which ffmpeg does not, so a like-for-like
// row adds `openssl dgst -sha256` (SHA-NI accelerated) over the same bytes to ffmpeg's time.
// Files live on tmpfs so the disk's writeback from one run does not bill the next; each
// figure is the median of BENCH_RUNS runs. Targets (issue 2): >= 50x real time on one core,
// and no slower than ffmpeg's segment muxer.

let runs = Int(ProcessInfo.processInfo.environment["BENCH_RUNS"] ?? "") ?? 5
let lengths = (ProcessInfo.processInfo.environment["BENCH_SECONDS"] ?? "60,300").split(separator: ",").compactMap { Int($0) }
let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
let redactfarm = binDir + "/redactfarm"
let cache = FileManager.default.currentDirectoryPath + "/.cache/bench"
let scratch = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/redactfarm-bench" : cache + "/scratch"
try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)

/// Runs a shell command and waits with waitpid: Foundation's Process polls its run loop on
/// Linux and rounds every measurement up to a tenth of a second.
@discardableResult
func sh(_ command: String) -> Int32 {
    var pid: pid_t = 0
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/bash"), strdup("-c"), strdup(command), nil]
    defer { argv.forEach { free($0) } }
    guard posix_spawn(&pid, "/bin/bash", nil, nil, argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
}

/// Median wall time of `command` over `runs`, with `before` run (untimed) ahead of each.
func timed(_ command: String, cores: String, before: String = "") -> Double {
    var samples: [Double] = []
    for _ in 0..<runs {
        if !before.isEmpty { sh(before) }
        let start = DispatchTime.now().uptimeNanoseconds
        guard sh("taskset -c \(cores) bash -c \"\(command)\" >/dev/null 2>&1") == 0 else {
            FileHandle.standardError.write(Data("benchmark command failed: \(command)\n".utf8))
            exit(1)
        }
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return samples.sorted()[samples.count / 2]
}

func source(seconds: Int) -> String {
    let path = "\(cache)/1080p_\(seconds)s.mp4"
    if !FileManager.default.fileExists(atPath: path) {
        FileHandle.standardError.write(Data("bench: making \(path)\n".utf8))
        let made = sh("""
            ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=30:duration=\(seconds) \
              -f lavfi -i sine=frequency=440:sample_rate=48000:duration=\(seconds) \
              -c:v libx264 -preset ultrafast -g 60 -b:v 8M -maxrate 8M -bufsize 8M -x264-params nal-hrd=cbr \
              -pix_fmt yuv420p -c:a aac -b:a 128k \(path).tmp.mp4 && mv \(path).tmp.mp4 \(path)
            """)
        guard made == 0 else { exit(1) }
    }
    return path
}

func row(_ cells: [String]) -> String {
    "| " + zip(cells, [44, 9, 8, 12]).map { $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
}

for seconds in lengths {
    sh("rm -rf \(scratch) && mkdir -p \(scratch)")
    let input = "\(scratch)/in.mp4"
    sh("cp \(source(seconds: seconds)) \(input)")
    let megabytes = Double((try FileManager.default.attributesOfItem(atPath: input)[.size] as? Int) ?? 0) / 1e6
    let ours = "\(scratch)/ours", theirs = "\(scratch)/ffmpeg"
    let sha = "openssl dgst -sha256"

    let ffSplit = "ffmpeg -nostdin -v error -y -i \(input) -map 0:v -c copy -f segment -segment_time 10 -reset_timestamps 0 \(theirs)/%03d.mp4"
    let freshTheirs = "rm -rf \(theirs) && mkdir -p \(theirs)"
    let split = "\(redactfarm) split \(input) --segment-seconds 10 -o \(ours)"
    var results: [(String, Double)] = []
    results.append(("ffmpeg segment", timed(ffSplit, cores: "0", before: freshTheirs)))
    results.append(("ffmpeg segment + sha256 input, segments", timed("\(ffSplit) && \(sha) \(input) \(theirs)/*.mp4", cores: "0", before: freshTheirs)))
    results.append(("redactfarm split, 1 core", timed(split, cores: "0", before: "rm -rf \(ours)")))
    results.append(("redactfarm split, 2 cores", timed(split, cores: "0,1", before: "rm -rf \(ours)")))

    sh("cd \(theirs) && for f in [0-9]*.mp4; do echo \"file '$f'\"; done > list.txt")
    let ffConcat = "ffmpeg -nostdin -v error -y -f concat -safe 0 -i \(theirs)/list.txt -i \(input) -map 0:v -map 1:a -c copy \(scratch)/ffmpeg.mp4"
    let stitch = "\(redactfarm) stitch \(ours) -o \(scratch)/ours.mp4"
    let freshOut = "rm -f \(scratch)/ours.mp4 \(scratch)/ffmpeg.mp4"
    results.append(("ffmpeg concat", timed(ffConcat, cores: "0", before: freshOut)))
    results.append(("ffmpeg concat + sha256 source, segments, out", timed("\(ffConcat) && \(sha) \(input) \(theirs)/*.mp4 \(scratch)/ffmpeg.mp4", cores: "0", before: freshOut)))
    results.append(("redactfarm stitch, 1 core", timed(stitch, cores: "0", before: freshOut)))
    results.append(("redactfarm stitch, 2 cores", timed(stitch, cores: "0,1", before: freshOut)))

    print("\n\(seconds) s of 1080p30 H.264 + AAC (\(String(format: "%.1f", megabytes)) MB), median of \(runs), files on tmpfs")
    print(row(["run", "seconds", "MB/s", "x real time"]))
    print(row(["---", "---", "---", "---"]).replacingOccurrences(of: " ", with: "-"))
    for (name, t) in results {
        print(row([name, String(format: "%.3f", t), String(format: "%.0f", megabytes / t), String(format: "%.0fx", Double(seconds) / t)]))
    }
    sh("rm -rf \(scratch)")
}
