/// What the planner needs to know of one video packet, in decode order.
public struct VideoPacketInfo: Sendable {
    public var pts: Int64
    public var duration: Int64
    public var isKeyframe: Bool
    /// Set for keyframes.
    public var keyframeKind: KeyframeKind?
    /// False for a frame an MP4 edit list leaves unshown (decoded only to reach the first
    /// one shown): it is a packet of its GOP but not one of the file's frames.
    public var shown: Bool

    public init(pts: Int64, duration: Int64, isKeyframe: Bool, keyframeKind: KeyframeKind?, shown: Bool = true) {
        self.pts = pts
        self.duration = duration
        self.isKeyframe = isKeyframe
        self.keyframeKind = keyframeKind
        self.shown = shown
    }
}

/// One group of pictures: a keyframe and every packet up to the next keyframe, in decode order.
public struct GOPSummary: Sendable, Equatable {
    /// Position of its first packet in the stream's decode order.
    public var firstPacket: Int
    public var packetCount: Int
    /// The frames it shows: its packets less those an edit list leaves unshown.
    public var frames: Int
    /// Presentation range: the earliest and latest timestamp of its pictures shown.
    public var minPts: Int64
    public var maxPts: Int64
    /// Duration of the picture shown last.
    public var lastDuration: Int64
    public var keyPts: Int64
    /// nil when the stream's first packets come before any keyframe.
    public var keyframeKind: KeyframeKind?
    /// Pictures after the keyframe in decode order but before it in presentation order: an
    /// open GOP's leading pictures, which reference the GOP before.
    public var leadingPictures: Int

    /// Whether a segment starting here must carry the previous GOP as a decode-only prefix.
    public var needsDecodePrefix: Bool {
        leadingPictures > 0 || (keyframeKind?.isOpenByKind ?? true)
    }

    public var endPts: Int64 { maxPts + max(lastDuration, 0) }
}

/// Groups packets into GOPs as they stream past, holding only the GOP being read.
public struct GOPAccumulator: Sendable {
    private var current: GOPSummary?
    private var packetIndex = 0

    public init() {}

    /// Adds the next packet; returns the GOP it completes, if it starts a new one.
    public mutating func add(_ p: VideoPacketInfo) -> GOPSummary? {
        defer { packetIndex += 1 }
        if p.isKeyframe || current == nil {
            let completed = current
            current = GOPSummary(firstPacket: packetIndex, packetCount: 1, frames: p.shown ? 1 : 0,
                                 minPts: p.shown ? p.pts : .max, maxPts: p.shown ? p.pts : .min,
                                 lastDuration: p.duration, keyPts: p.pts,
                                 keyframeKind: p.isKeyframe ? p.keyframeKind ?? .intra : nil, leadingPictures: 0)
            return completed
        }
        current!.packetCount += 1
        guard p.shown else { return nil }
        current!.frames += 1
        if p.pts < current!.keyPts { current!.leadingPictures += 1 }
        current!.minPts = min(current!.minPts, p.pts)
        if p.pts >= current!.maxPts {
            current!.maxPts = p.pts
            current!.lastDuration = p.duration
        }
        return nil
    }

    /// The last GOP, at the end of the stream.
    public mutating func finish() -> GOPSummary? {
        defer { current = nil }
        return current
    }
}
