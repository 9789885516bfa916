import Foundation

// Split and stitch are stream copies bound by I/O and parsing. This measures them on a 1080p
// H.264 file side by side with FFmpeg doing the same job in the same run:
//   split  vs  ffmpeg -map 0:v -c copy -f segment (GOP-aligned cuts of the video stream)
//   stitch vs  ffmpeg -f concat of those segments plus the source's audio, -c copy
// Every command runs pinned to one core (taskset -c 0); the median of several runs is kept.
// Targets (issue 2): at least 50x real time on one core, and no slower than ffmpeg.

let runs = Int(ProcessInfo.processInfo.environment["BENCH_RUNS"] ?? "") ?? 5
let seconds = Int(ProcessInfo.processInfo.environment["BENCH_SECONDS"] ?? "") ?? 60
let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
let redactfarm = binDir + "/redactfarm"
let work = FileManager.default.currentDirectoryPath + "/.cache/bench"
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)

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

func timed(_ command: String, before: String = "") -> Double {
    var samples: [Double] = []
    for _ in 0..<runs {
        if !before.isEmpty { sh(before) }
        let start = DispatchTime.now().uptimeNanoseconds
        guard sh("taskset -c 0 " + command + " >/dev/null 2>&1") == 0 else {
            FileHandle.standardError.write(Data("benchmark command failed: \(command)\n".utf8))
            exit(1)
        }
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return samples.sorted()[samples.count / 2]
}

let source = "\(work)/1080p_\(seconds)s.mp4"
if !FileManager.default.fileExists(atPath: source) {
    FileHandle.standardError.write(Data("bench: making \(source) (1080p30 H.264 at 8 Mbit/s CBR, AAC)\n".utf8))
    let made = sh("""
        ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=30:duration=\(seconds) \
          -f lavfi -i sine=frequency=440:sample_rate=48000:duration=\(seconds) \
          -c:v libx264 -preset ultrafast -g 60 -b:v 8M -maxrate 8M -bufsize 8M -x264-params nal-hrd=cbr \
          -pix_fmt yuv420p -c:a aac -b:a 128k \(source).tmp.mp4 && mv \(source).tmp.mp4 \(source)
        """)
    guard made == 0 else { exit(1) }
}
let megabytes = Double((try FileManager.default.attributesOfItem(atPath: source)[.size] as? Int) ?? 0) / 1e6

let ours = "\(work)/ours", theirs = "\(work)/ffmpeg"
let split = timed("\(redactfarm) split \(source) --segment-seconds 10 -o \(ours)", before: "rm -rf \(ours)")
let ffSplit = timed("ffmpeg -nostdin -v error -y -i \(source) -map 0:v -c copy -f segment -segment_time 10 -reset_timestamps 0 \(theirs)/%03d.mp4",
                    before: "rm -rf \(theirs) && mkdir -p \(theirs)")
sh("cd \(theirs) && for f in [0-9]*.mp4; do echo \"file '$f'\"; done > list.txt")
let stitch = timed("\(redactfarm) stitch \(ours) -o \(work)/ours.mp4", before: "rm -f \(work)/ours.mp4")
let ffStitch = timed("ffmpeg -nostdin -v error -y -f concat -safe 0 -i \(theirs)/list.txt -i \(source) -map 0:v -map 1:a -c copy \(work)/ffmpeg.mp4",
                     before: "rm -f \(work)/ffmpeg.mp4")

func row(_ tool: String, _ op: String, _ t: Double) -> String {
    let cols = [tool, op, String(format: "%.3f", t), String(format: "%.0f", megabytes / t), String(format: "%.0fx", Double(seconds) / t)]
    return "| " + zip(cols, [12, 8, 9, 7, 12]).map { $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
}
print("Split/stitch, \(seconds) s of 1080p30 H.264 (\(String(format: "%.1f", megabytes)) MB), one core, median of \(runs)")
print("| tool         | op       | seconds   | MB/s    | x real time  |")
print("|--------------|----------|-----------|---------|--------------|")
print(row("redactfarm", "split", split))
print(row("ffmpeg", "segment", ffSplit))
print(row("redactfarm", "stitch", stitch))
print(row("ffmpeg", "concat", ffStitch))
print("")
print("split  \(String(format: "%.2f", ffSplit / split))x ffmpeg's speed, stitch \(String(format: "%.2f", ffStitch / stitch))x (higher is faster)")
print("redactfarm split and stitch also hash every byte (SHA-256) and check each segment; ffmpeg does neither.")
