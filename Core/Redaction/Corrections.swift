import Foundation
import RedactMedia
import RedactSupport
import RedactVision

/// What a reviewer decided about an output (`docs/corrections.md`): tracks shown because the
/// detector was wrong, tracks kept visible as the data subject, boxes drawn by hand, zones
/// added. Part of the job it is applied in, so every worker and every record sees the same.
public struct Corrections: Codable, Equatable, Sendable {
    public static let formatName = "redactfarm-corrections"
    public static let currentVersion = 1

    public var format: String
    public var version: Int
    /// The output the decisions were made on: its file name and the SHA-256 its signed
    /// manifest records (a re-render refuses another output's decisions).
    public var output: String?
    public var outputSHA256: String?
    public var tracks: [TrackDecision]
    public var boxes: [ManualTrack]
    /// In `--zone` syntax: `x,y,w,h[@FROM-UNTIL]` or `poly:…`, on the picture as shown.
    public var zones: [String]

    public init(tracks: [TrackDecision] = [], boxes: [ManualTrack] = [], zones: [String] = [], output: String? = nil,
                outputSHA256: String? = nil) {
        format = Self.formatName
        version = Self.currentVersion
        self.output = output
        self.outputSHA256 = outputSHA256
        self.tracks = tracks
        self.boxes = boxes
        self.zones = zones
    }

    public enum Action: String, Codable, Sendable {
        /// Not a face (or not a plate): the track is shown.
        case unhide
        /// The data subject: kept visible. Other tracks crossing it stay hidden.
        case keep
    }

    public struct TrackDecision: Codable, Equatable, Sendable {
        public var track: Int
        public var action: Action
        /// What the page saw of the track (target, first and last frame in seconds): a run
        /// that detects again applies the decision only to a track that matches it.
        public var target: TargetClass?
        public var from: Double?
        public var until: Double?

        public init(track: Int, action: Action, target: TargetClass? = nil, from: Double? = nil, until: Double? = nil) {
            self.track = track
            self.action = action
            self.target = target
            self.from = from
            self.until = until
        }
    }

    /// A region hidden by hand: boxes at keyframes (coded pixels, as the detections sidecar
    /// gives them), moved linearly between them, from the first keyframe's frame to the last's.
    public struct ManualTrack: Codable, Equatable, Sendable {
        public var target: TargetClass?
        public var keyframes: [Keyframe]
        /// The source's video stream it was drawn on (its index in the file), in a file with
        /// several (an NVR's cameras); absent: every video stream of the file.
        public var stream: Int?
        public init(target: TargetClass? = nil, keyframes: [Keyframe], stream: Int? = nil) {
            self.target = target
            self.keyframes = keyframes
            self.stream = stream
        }

        /// Whether it is drawn on the video stream at `index` (nil: a file's only one).
        public func applies(toStream index: Int?) -> Bool {
            stream == nil || index == nil || stream == index
        }
    }

    public struct Keyframe: Codable, Equatable, Sendable {
        /// Seconds from the first frame, as the sidecar and the review page give a frame's time.
        public var seconds: Double
        public var box: Box
        public init(seconds: Double, box: Box) {
            self.seconds = seconds
            self.box = box
        }
    }

    /// Manual track `n` (from 0, in file order) is recorded under this id plus `n` (`TrackIDs`).
    public static let manualTrackIDBase = TrackIDs.manual

    /// A keyframe matches a frame within this: the page writes times to the microsecond.
    static let timeTolerance = 0.0005

    public func parsedZones() throws(OptionError) -> [PrivacyZone] {
        try zones.map { (text) throws(OptionError) in try PrivacyZone(parsing: text) }
    }

    public func validate() throws(OptionError) {
        let name = "--corrections"
        guard format == Self.formatName else {
            throw OptionError(name, format, accepts: "a corrections file's \"format\" is \"\(Self.formatName)\"")
        }
        guard version == Self.currentVersion else {
            throw OptionError(name, "version \(version)", accepts: "this build reads corrections version \(Self.currentVersion)")
        }
        var seen: [Int: Action] = [:]
        for decision in tracks {
            if let earlier = seen[decision.track], earlier != decision.action {
                throw OptionError(name, "track \(decision.track)", accepts: "one decision per track (it is both \(earlier.rawValue) and \(decision.action.rawValue))")
            }
            seen[decision.track] = decision.action
            guard decision.track >= 0, decision.track < Self.manualTrackIDBase else {
                throw OptionError(name, "track \(decision.track)", accepts: "a track id from the detections sidecar")
            }
            if decision.target == .zone { throw OptionError(name, "track \(decision.track)", accepts: "zones are not tracks") }
        }
        for (n, manual) in boxes.enumerated() {
            let label = "box track \(n + 1)"
            guard !manual.keyframes.isEmpty else { throw OptionError(name, label, accepts: "at least one keyframe") }
            guard manual.target != .zone else { throw OptionError(name, label, accepts: "a target: face, person or plate") }
            if let stream = manual.stream, !(0...65_535).contains(stream) {
                throw OptionError(name, label, accepts: "a stream: the index of a video stream of the file, 0 or more (\(stream) given)")
            }
            for (k, key) in manual.keyframes.enumerated() {
                let b = key.box
                guard key.seconds.isFinite, key.seconds >= 0, [b.x0, b.y0, b.x1, b.y1].allSatisfy(\.isFinite), b.x1 > b.x0, b.y1 > b.y0 else {
                    throw OptionError(name, label, accepts: "keyframes at a time of 0 s or more with a box of positive size (x0 < x1, y0 < y1)")
                }
                if k > 0, key.seconds <= manual.keyframes[k - 1].seconds {
                    throw OptionError(name, label, accepts: "keyframes in increasing time")
                }
            }
        }
        for (n, zone) in try parsedZones().enumerated() { try zone.validate(number: n + 1) }
    }

    /// Reads and checks a corrections file; returns it with the SHA-256 of its bytes (what the
    /// record names it by).
    public static func read(path: String) throws(MediaError) -> (corrections: Corrections, sha256: String) {
        let bytes = try FileBytes.read(path)
        let corrections: Corrections
        do {
            corrections = try JSONDecoder().decode(Corrections.self, from: Data(bytes))
        } catch {
            throw MediaError(path: path, reason: "is not a corrections file (docs/corrections.md): \(Self.describe(error))")
        }
        do throws(OptionError) { try corrections.validate() } catch {
            throw MediaError(path: path, reason: error.description)
        }
        return (corrections, SHA256Hex.of(bytes))
    }

    private static func describe(_ error: Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "missing \"\(key.stringValue)\"" + (context.codingPath.isEmpty ? "" : " in \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        case .dataCorrupted(let context)?:
            return context.debugDescription
        default:
            return "\(error)"
        }
    }
}
