import Foundation
import RedactCoordinator
import RedactCore
import Testing

/// The precision inference ran in is the job's, and the record says which it was.
@Suite struct InferencePrecisionTests {
    @Test(arguments: InferencePrecision.allCases)
    func theManifestRecordsTheEngineAndPrecision(precision: InferencePrecision) throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let output = dir + "/out.mp4"
            let result = try CLI.run("run", Fixtures.asset("carphone_pristine.mp4"), "-o", output, "--profile", "fast",
                                     "--precision", precision.rawValue)
            guard precision != .bf16 || InferencePrecision.bf16Available else {
                // Refused up front, not emulated: the record could not say what ran.
                #expect(result.status == 1 && result.stderr.contains("no bf16 arithmetic"), "\(result.stderr)")
                return
            }
            guard precision != .int8 || PinnedModel.centerFaceInt8.isPresent else {
                // Where setup could not make the int8 model, the job is refused, naming it.
                #expect(result.status == 1 && result.stderr.contains("int8 face model not found"), "\(result.stderr)")
                return
            }
            #expect(result.status == 0, "\(result.stderr)")
            let manifest = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(output)), path: output).manifest
            #expect(manifest.inference?.hasPrefix("OpenVINO 2026.4") == true)
            #expect(manifest.inference?.hasSuffix("CPU \(precision.rawValue)") == true, "\(manifest.inference ?? "")")
            #expect(manifest.parameters.detector.effectivePrecision == precision)
            // The face is still found in every frame, whichever arithmetic found it.
            let report = try OutputRecord.detections(of: output)
            #expect(report.perFrame.allSatisfy { !$0.covered.isEmpty })
            #expect(report.inference == manifest.inference)
            #expect(manifest.models == ModelRole.pinnedMap([.face(for: precision)]) && report.models == manifest.models)
        }
    }

    /// `--precision auto` (`run`'s default) considers a precision only for the unmodified
    /// profiles it was measured to keep recall on (bf16 and int8: every profile), only where this machine runs it (native bf16; the int8 model made at setup), and
    /// takes what the timed trial found fastest; anything else is f32.
    @Test(arguments: [(["--profile", "fast", "--precision", "auto"], [InferencePrecision.bf16, .int8]), (["--profile", "safe"], [.bf16, .int8]),
                      ([], [.bf16, .int8]), (["--profile", "balanced", "--precision", "auto"], [.bf16, .int8]),
                      (["--profile", "fast", "--detect-every", "3"], []), (["--threshold", "0.3"], [])])
    func autoPrecisionIsOnlyWhatWasMeasuredToKeepRecall(options: [String], measured: [InferencePrecision]) throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let output = dir + "/out.mp4"
            let result = try CLI.run(arguments: ["run", Fixtures.asset("carphone_pristine.mp4"), "-o", output] + options)
            #expect(result.status == 0, "\(result.stderr)")
            let manifest = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(output)), path: output).manifest
            let runnable = Set(measured).filter { ($0 == .bf16 && InferencePrecision.bf16Available) || ($0 == .int8 && PinnedModel.centerFaceInt8.isPresent) }
            let expected: InferencePrecision = runnable.isEmpty ? .f32 : try keptTrial().choice(among: runnable.union([.f32]))
            #expect(manifest.parameters.detector.effectivePrecision == expected)
            #expect(manifest.inference?.hasSuffix("CPU \(expected.rawValue)") == true, "\(manifest.inference ?? "")")
        }
    }

    /// The trial `auto` ran (or read) for `run`'s default slots, in the home folder the tests
    /// run with.
    private func keptTrial() throws -> PrecisionTrial {
        let home = try #require(ProcessInfo.processInfo.environment["REDACTFARM_HOME"], "the tests run with REDACTFARM_HOME set (make test does)")
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let conditions = PrecisionTrial.Conditions.current(threads: ThreadBudget(cores: cores, slots: cores).inferenceThreadsPerSlot,
                                                           int8: PinnedModel.centerFaceInt8.isPresent)
        return try #require(PrecisionTrialCache(folder: home).kept.last { $0.conditions == conditions }, "auto left no trial for \(conditions)")
    }

    /// The trial times every precision this machine runs, under the conditions it records.
    @Test func theTrialTimesEveryPrecisionThisMachineRuns() throws {
        let int8 = PinnedModel.centerFaceInt8.isPresent ? try CenterFaceModel.load(path: Fixtures.asset("centerface-int8.xml"), quantized: true) : nil
        let trial = try PrecisionTrial.run(model: CenterFaceModel.load(path: Fixtures.asset("centerface.onnx")), int8: int8)
        #expect(trial.f32Milliseconds > 0)
        #expect((trial.bf16Milliseconds ?? 0 > 0) == InferencePrecision.bf16Available)
        #expect((trial.int8Milliseconds ?? 0 > 0) == (int8 != nil))
        #expect(trial.conditions == .current(threads: InferenceThreads.current, int8: int8 != nil))
        #expect(trial.conditions.cpu.contains("bf16") == InferencePrecision.bf16Available, "the CPU's bf16 features are part of what the trial holds for")
    }

    /// A kept trial answers only for the conditions it was measured in; other conditions
    /// (thread count, engine, model, int8 model or CPU) are measured and kept beside it, a damaged file is
    /// measured again, and no more than `capacity` trials are kept.
    @Test func aKeptTrialIsReusedOnlyForItsOwnConditions() throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let cache = PrecisionTrialCache(folder: dir + "/home")
            let here = PrecisionTrial.Conditions(cpu: "CPU A (avx512_bf16)", engine: "2026.4.1", modelSHA256: "aa", threads: 1)
            var measured = 0
            func ask(_ conditions: PrecisionTrial.Conditions, bf16: Double) throws -> (PrecisionTrial, Bool) {
                try cache.trial(for: conditions) { () throws(MediaError) in
                    measured += 1
                    return PrecisionTrial(conditions: conditions, f32Milliseconds: 30, bf16Milliseconds: bf16)
                }
            }
            func bf16Chosen(_ trial: PrecisionTrial) -> Bool { trial.choice(among: [.f32, .bf16]) == .bf16 }
            let first = try ask(here, bf16: 45)
            #expect(first.1 && !bf16Chosen(first.0) && measured == 1)
            let again = try ask(here, bf16: 10)
            #expect(!again.1 && again.0 == first.0 && measured == 1, "the kept trial is read, not measured again")
            for other in [PrecisionTrial.Conditions(cpu: "CPU A (avx512_bf16)", engine: "2026.4.1", modelSHA256: "aa", threads: 2),
                          PrecisionTrial.Conditions(cpu: "CPU A (avx512_bf16, amx_bf16)", engine: "2026.4.1", modelSHA256: "aa", threads: 1),
                          PrecisionTrial.Conditions(cpu: "CPU A (avx512_bf16)", engine: "2027.0", modelSHA256: "aa", threads: 1),
                          PrecisionTrial.Conditions(cpu: "CPU A (avx512_bf16)", engine: "2026.4.1", modelSHA256: "bb", threads: 1),
                          PrecisionTrial.Conditions(cpu: "CPU A (avx512_bf16)", engine: "2026.4.1", modelSHA256: "aa", int8ModelSHA256: "cc", threads: 1)] {
                let before = measured
                let result = try ask(other, bf16: 20)
                #expect(result.1 && measured == before + 1 && result.0.conditions == other && bf16Chosen(result.0))
                #expect(try ask(other, bf16: 99).1 == false, "kept once measured")
            }
            #expect(try ask(here, bf16: 10).0 == first.0 && measured == 6, "the first trial is kept beside the others")
            try Data("{not json".utf8).write(to: URL(fileURLWithPath: cache.path))
            let repaired = try ask(here, bf16: 45)
            #expect(repaired.1 && measured == 7)
            #expect(try ask(here, bf16: 1).1 == false, "the repaired file is kept")
            for threads in 10..<(10 + PrecisionTrialCache.capacity) {
                _ = try ask(PrecisionTrial.Conditions(cpu: "CPU A", engine: "e", modelSHA256: "aa", threads: threads), bf16: 20)
            }
            #expect(cache.kept.count == PrecisionTrialCache.capacity && !cache.kept.contains { $0.conditions == here }, "the oldest is dropped")
        }
    }

    /// Another precision is chosen only when clearly faster than f32 (a tie or a small gain is
    /// noise, and f32 is what every floor was first measured in), and only among those allowed.
    @Test func aPrecisionIsChosenOnlyWhenClearlyFaster() {
        let c = PrecisionTrial.Conditions(cpu: "", engine: "", modelSHA256: "", threads: 1)
        let all: Set<InferencePrecision> = [.f32, .bf16, .int8]
        #expect(PrecisionTrial(conditions: c, f32Milliseconds: 84, bf16Milliseconds: 41).choice(among: all) == .bf16)
        #expect(PrecisionTrial(conditions: c, f32Milliseconds: 84, bf16Milliseconds: 41, int8Milliseconds: 30).choice(among: all) == .int8)
        #expect(PrecisionTrial(conditions: c, f32Milliseconds: 84, bf16Milliseconds: 41, int8Milliseconds: 30).choice(among: [.f32, .bf16]) == .bf16)
        #expect(PrecisionTrial(conditions: c, f32Milliseconds: 84, bf16Milliseconds: 41, int8Milliseconds: 30).choice(among: [.f32]) == .f32)
        #expect(PrecisionTrial(conditions: c, f32Milliseconds: 31, bf16Milliseconds: 47, int8Milliseconds: 12).choice(among: all) == .int8)
        #expect(PrecisionTrial(conditions: c, f32Milliseconds: 31, bf16Milliseconds: 47).choice(among: all) == .f32)
        #expect(PrecisionTrial(conditions: c, f32Milliseconds: 31, bf16Milliseconds: 29, int8Milliseconds: 28).choice(among: all) == .f32)
        #expect(PrecisionTrial(conditions: c, f32Milliseconds: 47, bf16Milliseconds: 31).summary.contains("bf16 31.0 ms (1.52x faster)"))
        #expect(PrecisionTrial(conditions: c, f32Milliseconds: 31, bf16Milliseconds: 47, int8Milliseconds: 12.4).summary
                == "f32 31.0 ms; bf16 47.0 ms (1.52x slower); int8 12.4 ms (2.50x faster) per 640x384 face inference, 1 thread(s)")
    }
}
