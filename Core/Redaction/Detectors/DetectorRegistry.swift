import RedactSupport
import RedactVision

/// How a target's detector is made, and which models it needs.
public struct DetectorRegistration: Sendable {
    public let target: TargetClass
    /// The models a job needs for this target (the face model's depends on the job's precision).
    public let models: @Sendable (_ job: RedactionJob) -> [ModelRole]
    public let make: @Sendable (_ job: RedactionJob, _ models: ModelSet) throws(MediaError) -> any TargetDetector

    public init(target: TargetClass, models: @escaping @Sendable (_ job: RedactionJob) -> [ModelRole],
                make: @escaping @Sendable (_ job: RedactionJob, _ models: ModelSet) throws(MediaError) -> any TargetDetector) {
        self.target = target
        self.models = models
        self.make = make
    }

    public init(target: TargetClass, models: [ModelRole],
                make: @escaping @Sendable (_ job: RedactionJob, _ models: ModelSet) throws(MediaError) -> any TargetDetector) {
        self.init(target: target, models: { _ in models }, make: make)
    }
}

/// Every target that is found by looking at frames (zones are not: the job places them).
/// The segment processor loops over what this builds; the coordinator routes a job only to
/// workers that hold the models its targets need.
public enum DetectorRegistry {
    public static let registrations: [DetectorRegistration] = [
        FaceTargetDetector.registration,
        PlateTargetDetector.registration,
        PersonMotionDetector.registration,
    ]

    /// The registrations `job` asks for, in registry order (faces first: the others' work
    /// does not depend on them, but the record lists them in this order).
    public static func registrations(for job: RedactionJob) -> [DetectorRegistration] {
        registrations.filter { job.targets.contains($0.target) }
    }

    /// role → pinned SHA-256 of every model `job` needs: what a task carries and a manifest records.
    public static func models(for job: RedactionJob) -> [String: String] {
        ModelRole.pinnedMap(registrations(for: job).flatMap { $0.models(job) })
    }

    /// The job's detectors on `models`; `replacing` supplies some ready-made (tests, and
    /// callers with their own face finder). A target whose model is missing fails, naming it.
    public static func detectors(for job: RedactionJob, models: ModelSet,
                                 replacing: [TargetClass: any TargetDetector] = [:]) throws(MediaError) -> [any TargetDetector] {
        var detectors: [any TargetDetector] = []
        for registration in registrations(for: job) {
            if let given = replacing[registration.target] {
                detectors.append(given)
            } else {
                detectors.append(try registration.make(job, models))
            }
        }
        return detectors
    }
}
