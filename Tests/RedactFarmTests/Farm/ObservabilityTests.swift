import Foundation
@testable import RedactCore
@testable import RedactObservability
@testable import RedactSupport
import RedactCoordinator
import Testing

/// `/metrics`, `/healthz` and `/readyz` as Prometheus and the kubelet see them: scraped over
/// HTTP from real coordinator and worker processes while they work.
@Suite(.serialized) struct ObservabilityTests {
    @Test func aFarmAtWorkIsScrapedAndProbed() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let farm = try TestFarm(directory: dir, extra: ["--insecure", "--metrics-address", "127.0.0.1:0", "--log-format", "json"])
            let coordinatorPort = try #require(HTTPGet.metricsPort(inLog: farm.coordinator.log), "\(farm.coordinator.log)")
            #expect(eventually(seconds: 10) { HTTPGet.get(port: coordinatorPort, path: "/readyz")?.status == 200 })
            let health = try #require(HTTPGet.get(port: coordinatorPort, path: "/healthz?verbose"))
            #expect(health.status == 200 && health.body.contains("[+]broker ok"), "\(health.body)")

            let worker = try farm.startWorker("w1", ["--insecure", "--metrics-address", "127.0.0.1:0"])
            #expect(eventually(seconds: 20) { HTTPGet.metricsPort(inLog: worker.log) != nil })
            let workerPort = try #require(HTTPGet.metricsPort(inLog: worker.log), "\(worker.log)")
            #expect(eventually(seconds: 20) { HTTPGet.get(port: workerPort, path: "/readyz")?.status == 200 })
            func coordinatorSample(_ series: String) -> Double? {
                HTTPGet.get(port: coordinatorPort, path: "/metrics").flatMap { HTTPGet.sample($0.body, series) }
            }
            #expect(eventually(seconds: 10) { coordinatorSample("redactfarm_workers_connected") == 1 })

            let input = Fixtures.media("sparse_faces.mp4")
            let submitted = try farm.cli(["submit", input, "-o", dir + "/out", "--targets", "none", "--zone", "0,0,32,32",
                                          "--segment-seconds", "2", "--wait"])
            try #require(submitted.status == 0, "\(submitted.stderr)")
            let frames = Double(try MediaInspection.videoTimestamps(input).count)
            // Every line of the log is one JSON event; the file's lines carry its job's id.
            let events = farm.coordinator.log.split(separator: "\n").map { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: String]
            }
            #expect(!events.isEmpty && events.allSatisfy { $0?["time"] != nil && $0?["message"] != nil }, "\(farm.coordinator.log)")
            let finished = events.first { $0?["message"]?.hasSuffix(" done") == true && $0?["message"]?.hasPrefix("job ") == true }
            let job = try #require(finished??["job"], "\(farm.coordinator.log)")
            #expect(events.contains { $0?["job"] == job && $0?["file"] != nil && $0?["message"]?.contains("done:") == true },
                    "\(farm.coordinator.log)")

            let scrape = try #require(HTTPGet.get(port: coordinatorPort, path: "/metrics"))
            #expect(scrape.body.contains("# TYPE redactfarm_segment_processing_seconds histogram"))
            #expect(scrape.body.contains("# HELP redactfarm_segments_completed_total "))
            #expect(scrape.body.contains(#"redactfarm_build_info{version="\#(RedactFarmVersion.current)",role="coordinator"} 1"#), "\(scrape.body)")
            let completed = try #require(HTTPGet.sample(scrape.body, #"redactfarm_segments_completed_total{handling="redacted"}"#))
            #expect(completed >= 4, "one per segment of a 8 s file in 2 s segments")
            #expect(HTTPGet.sample(scrape.body, "redactfarm_frames_processed_total") == frames)
            #expect(HTTPGet.sample(scrape.body, "redactfarm_segment_processing_seconds_count") == completed)
            #expect(HTTPGet.sample(scrape.body, #"redactfarm_files_ended_total{outcome="done"}"#) == 1)
            // Gauges follow the broker within a second; job counts follow the store.
            #expect(eventually(seconds: 5) {
                coordinatorSample(#"redactfarm_jobs{state="done"}"#) == 1 && coordinatorSample(#"redactfarm_jobs{state="running"}"#) == 0
                    && coordinatorSample(#"redactfarm_segments{state="running"}"#) == 0 && coordinatorSample("redactfarm_workers_busy") == 0
            })
            // A finished job leaves no per-job series behind.
            #expect(!(HTTPGet.get(port: coordinatorPort, path: "/metrics")?.body.contains("redactfarm_queue_segments{") ?? true))

            let workerScrape = try #require(HTTPGet.get(port: workerPort, path: "/metrics"))
            #expect(HTTPGet.sample(workerScrape.body, #"redactfarm_worker_segments_total{outcome="redacted"}"#) == completed)
            #expect(HTTPGet.sample(workerScrape.body, "redactfarm_worker_frames_processed_total") == frames)
            #expect((HTTPGet.sample(workerScrape.body, #"redactfarm_worker_stage_seconds_total{stage="encode"}"#) ?? 0) > 0)
            #expect(HTTPGet.sample(workerScrape.body, "redactfarm_worker_connected") == 1)
            #expect(workerScrape.body.contains(#"role="worker""#) && workerScrape.body.contains("redactfarm_build_info{"))

            // A coordinator that stops answering makes the worker unready (nothing is sent to
            // a pod that cannot work), not dead (its loop still turns); it is ready again
            // once the coordinator is back.
            farm.coordinator.signal(SIGSTOP)
            #expect(eventually(seconds: 20) { HTTPGet.get(port: workerPort, path: "/readyz")?.status == 503 })
            let unready = HTTPGet.get(port: workerPort, path: "/readyz")
            #expect(unready?.body.contains("[-]coordinator failed") == true, "\(unready?.body ?? "")")
            #expect(HTTPGet.get(port: workerPort, path: "/healthz")?.status == 200)
            farm.coordinator.signal(SIGCONT)
            #expect(eventually(seconds: 30) { HTTPGet.get(port: workerPort, path: "/readyz")?.status == 200 })

            worker.signal(SIGTERM)
            #expect(worker.wait(seconds: 20) == 0)
            farm.coordinator.signal(SIGTERM)
            #expect(farm.coordinator.wait(seconds: 20) == 0)
            #expect(HTTPGet.get(port: coordinatorPort, path: "/healthz") == nil, "the endpoint goes with the process")
        }
    }

    @Test func checksThatFailAreAnsweredWith503AndTheirReason() async throws {
        // Every thread of the shared concurrency pool blocked (one per core: this test holds
        // one, waiting in the server's start, and the others wait on a semaphore), as a busy
        // test run or a library that blocks can leave it: the server starts and answers all
        // the same, on a thread of its own.
        let release = DispatchSemaphore(value: 0), blocked = DispatchSemaphore(value: 0)
        let poolThreads = ProcessInfo.processInfo.activeProcessorCount - 1
        for _ in 0..<poolThreads {
            Task.detached {
                blocked.signal()
                release.wait()
            }
        }
        for _ in 0..<poolThreads { blocked.wait() }
        defer { for _ in 0..<poolThreads { release.signal() } }
        let beat = LoopBeat()
        let flag = ReadinessFlag(notYet: "the store is not open yet")
        let server = try ObservabilityServer(address: HTTPAddress(host: "127.0.0.1", port: 0), metrics: MetricsRegistry(),
                                             liveness: [.turning("loop", beat, stallMilliseconds: 200)],
                                             readiness: [HealthCheck("store") { flag.failure }])
        defer { server.stop() }
        #expect(HTTPGet.get(port: server.address.port, path: "/healthz")?.status == 200, "a loop not started yet is not a dead one")
        beat.turned()
        #expect(HTTPGet.get(port: server.address.port, path: "/healthz")?.status == 200)
        usleep(400_000)
        let stalled = try #require(HTTPGet.get(port: server.address.port, path: "/healthz"))
        #expect(stalled.status == 503 && stalled.body.contains("[-]loop failed: has not turned for"), "\(stalled.body)")
        let unready = try #require(HTTPGet.get(port: server.address.port, path: "/readyz"))
        #expect(unready.status == 503 && unready.body.contains("the store is not open yet"), "\(unready.body)")
        flag.set(ready: true, otherwise: "")
        #expect(HTTPGet.get(port: server.address.port, path: "/readyz")?.status == 200)
        #expect(HTTPGet.get(port: server.address.port, path: "/nothing")?.status == 404)

        // A port already taken is an error when the server starts, not a log line later.
        #expect(throws: ObservabilityError.self) {
            _ = try ObservabilityServer(address: server.address, metrics: MetricsRegistry(), liveness: [], readiness: [])
        }
    }

    @Test func addressesAreReadAsOperatorsWriteThem() throws {
        #expect(try HTTPAddress.parse(":9464").get() == HTTPAddress(host: "0.0.0.0", port: 9464))
        #expect(try HTTPAddress.parse("127.0.0.1:0").get() == HTTPAddress(host: "127.0.0.1", port: 0))
        #expect(try HTTPAddress.parse("[::1]:9464").get() == HTTPAddress(host: "::1", port: 9464))
        for bad in ["9464", "host:", "host:70000", "host:x"] {
            #expect(throws: HTTPAddress.AddressError.self) { try HTTPAddress.parse(bad).get() }
        }
        let refused = try? CLI.run("worker", "--connect", "tcp://127.0.0.1:1", "--insecure", "--metrics-address", "9464")
        #expect(refused?.status == 64 && refused?.stderrLines.count == 1 && refused?.stderr.contains("--metrics-address 9464") == true,
                "\(refused?.stderr ?? "")")
    }
}

/// Log lines as a log shipper reads them: one event per line, RFC 3339 UTC, ids as fields.
@Suite struct LogLineTests {
    @Test func jsonLinesCarryTimeLevelSourceAndIds() throws {
        let lines = LockedBox<[String]>([])
        var log = LineLogHandler.logger(source: "coordinator", format: .json) { line in lines.withLock { $0.append(line) } }
        log[metadataKey: "worker"] = "w\n1"
        log.warning("requeued \"file 1/segment 2\"\nforged line", metadata: ["job": "j1", "segment": "2"])
        let written = try #require(lines.withLock { $0 }.first)
        #expect(written.hasSuffix("\n") && written.dropLast().split(separator: "\n").count == 1, "one event, one line: \(written)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [String: String])
        #expect(object["level"] == "warning" && object["source"] == "coordinator" && object["job"] == "j1" && object["segment"] == "2")
        #expect(object["worker"] == "w\n1" && object["message"] == "requeued \"file 1/segment 2\"\nforged line")
        let time = try #require(object["time"])
        #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(time)")
        let parsed = try #require(ISO8601DateFormatter().date(from: time.replacingOccurrences(of: #"\.\d{3}"#, with: "", options: .regularExpression)))
        #expect(abs(parsed.timeIntervalSinceNow) < 60)
    }

    @Test func textLinesEscapeWhatAPeerSent() throws {
        let lines = LockedBox<[String]>([])
        let log = LineLogHandler.logger(source: "worker", format: .text) { line in lines.withLock { $0.append(line) } }
        log.info("connected", metadata: ["worker": "evil\nname"])
        log.error("cannot record")
        let written = lines.withLock { $0 }
        #expect(written.count == 2 && written.allSatisfy { $0.filter { $0 == "\n" }.count == 1 })
        #expect(written[0].wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z worker: connected worker=evil\\nname\n/) != nil, "\(written[0])")
        #expect(written[1].contains("Z ERROR worker: cannot record"), "\(written[1])")
        #expect(LineLogHandler.timestamp(Date(timeIntervalSince1970: 1_780_000_000.5)) == "2026-05-28T20:26:40.500Z")
    }
}
