import RedactCore

/// `--precision auto`'s one question: does bf16 infer faster than f32 on this machine? Timed
/// by a `PrecisionTrial` the first time, then read from the home folder. A trial that cannot
/// run (no face model where it is looked for, an engine error) answers no: f32 is the
/// precision every floor was first measured in, and the job is not held up by the question.
enum AutoPrecision {
    static func bf16IsFaster(model path: String?, verbose: Bool) -> Bool {
        let cache = PrecisionTrialCache(folder: KeyLocations.home)
        do {
            let model = try CenterFaceModel.load(path: path)
            let (trial, measuredNow) = try cache.trial(for: .current(threads: InferenceThreads.current)) { () throws(MediaError) in
                try PrecisionTrial.run(model: model)
            }
            let choice = trial.bf16IsFaster ? "bf16" : "f32"
            if measuredNow {
                Terminal.printNote("--precision auto chose \(choice): \(trial.summary); kept in \(cache.path) for later runs")
            } else if verbose {
                Terminal.printNote("--precision auto chose \(choice): \(trial.summary), measured earlier (\(cache.path))")
            }
            return trial.bf16IsFaster
        } catch {
            Terminal.printNote("--precision auto chose f32: bf16 could not be timed here (\(error.reason))")
            return false
        }
    }
}
