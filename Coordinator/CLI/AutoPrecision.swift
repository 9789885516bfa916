import RedactCore

/// `--precision auto`'s one question: does bf16 infer faster than f32 on this machine? Timed
/// by a `PrecisionTrial` the first time, then read from the home folder. A trial that cannot
/// run answers no: f32 is the precision every floor was first measured in, and the job is not
/// held up by the question. What was chosen is in every manifest (`engine.precision`); why is
/// said with `--verbose`, so a run's stderr does not depend on whether this machine had been
/// timed before.
enum AutoPrecision {
    static func bf16IsFaster(model path: String?, verbose: Bool) -> Bool {
        let cache = PrecisionTrialCache(folder: KeyLocations.home)
        // No face model where it is looked for: the job's own model check says so, with the path.
        guard let model = try? CenterFaceModel.load(path: path) else { return false }
        do {
            let (trial, measuredNow) = try cache.trial(for: .current(threads: InferenceThreads.current)) { () throws(MediaError) in
                try PrecisionTrial.run(model: model)
            }
            if verbose {
                let choice = trial.bf16IsFaster ? "bf16" : "f32"
                let when = measuredNow ? "kept in \(cache.path) for later runs" : "measured earlier (\(cache.path))"
                Terminal.printNote("--precision auto chose \(choice): \(trial.summary); \(when)")
            }
            return trial.bf16IsFaster
        } catch {
            Terminal.printNote("--precision auto chose f32: bf16 could not be timed here (\(error.reason))")
            return false
        }
    }
}
