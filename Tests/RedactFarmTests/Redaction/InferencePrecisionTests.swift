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
            guard precision == .f32 || InferencePrecision.bf16Available else {
                // Refused up front, not emulated: the record could not say what ran.
                #expect(result.status == 1 && result.stderr.contains("no bf16 arithmetic"), "\(result.stderr)")
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
            #expect(manifest.models == ModelRole.pinnedMap([.face]) && report.models == manifest.models)
        }
    }

    /// `--precision auto` (`run`'s default) is bf16 only for the unmodified safe and fast
    /// profiles on a machine that computes it natively (where it was measured to keep every
    /// figure); anything else is f32.
    @Test(arguments: [(["--profile", "fast", "--precision", "auto"], true), (["--profile", "safe"], true), ([], true),
                      (["--profile", "balanced", "--precision", "auto"], false), (["--profile", "fast", "--detect-every", "3"], false),
                      (["--threshold", "0.3"], false)])
    func autoPrecisionIsBF16OnlyWhereItWasMeasuredToKeepRecall(options: [String], mayUseBF16: Bool) throws {
        try Fixtures.withTemporaryDirectory { (dir) throws in
            let output = dir + "/out.mp4"
            let result = try CLI.run(arguments: ["run", Fixtures.asset("carphone_pristine.mp4"), "-o", output] + options)
            #expect(result.status == 0, "\(result.stderr)")
            let manifest = try SignedManifest.open(FileBytes.read(OutputSidecars.manifestPath(output)), path: output).manifest
            let expected: InferencePrecision = mayUseBF16 && InferencePrecision.bf16Available ? .bf16 : .f32
            #expect(manifest.parameters.detector.effectivePrecision == expected)
            #expect(manifest.inference?.hasSuffix("CPU \(expected.rawValue)") == true, "\(manifest.inference ?? "")")
        }
    }
}
