import RedactCore

/// `--precision auto`'s one question: which of the precisions the profile allows runs the face
/// model fastest on this machine? Timed by a `PrecisionTrial` the first time, then read from
/// the home folder. A trial that cannot run answers f32: the precision every floor was first
/// measured in, and the job is not held up by the question. What was chosen is in every
/// manifest (`engine.precision`); why is said with `--verbose`, so a run's stderr does not
/// depend on whether this machine had been timed before.
enum AutoPrecision {
    /// `allowed`: what the profile was measured to keep recall in (`PrecisionChoice`); those
    /// this machine cannot run (bf16 without native arithmetic, int8 without its model) are
    /// left out before anything is timed.
    static func choice(among allowed: Set<InferencePrecision>, model path: String?, int8Model int8Path: String?, verbose: Bool) -> InferencePrecision {
        let cache = PrecisionTrialCache(folder: KeyLocations.home)
        // No face model where it is looked for: the job's own model check says so, with the path.
        guard let model = try? CenterFaceModel.load(path: path) else { return .f32 }
        // Timed whenever it is here, whatever this profile allows: one trial per machine.
        let quantized = try? CenterFaceModel.load(path: int8Path, quantized: true)
        let runnable = allowed.filter { $0 == .f32 || ($0 == .bf16 && InferencePrecision.bf16Available) || ($0 == .int8 && quantized != nil) }
        guard !runnable.subtracting([.f32]).isEmpty else { return .f32 }
        do {
            let conditions = PrecisionTrial.Conditions.current(threads: InferenceThreads.current, int8: quantized != nil)
            let (trial, measuredNow) = try cache.trial(for: conditions) { () throws(MediaError) in
                try PrecisionTrial.run(model: model, int8: quantized)
            }
            let choice = trial.choice(among: runnable)
            if verbose {
                let when = measuredNow ? "kept in \(cache.path) for later runs" : "measured earlier (\(cache.path))"
                Terminal.printNote("--precision auto chose \(choice.rawValue) of \(runnable.map(\.rawValue).sorted().joined(separator: ", ")): \(trial.summary); \(when)")
            }
            return choice
        } catch {
            Terminal.printNote("--precision auto chose f32: the other precisions could not be timed here (\(error.reason))")
            return .f32
        }
    }
}
