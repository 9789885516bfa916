/// How a region is made unrecognisable.
public enum RedactionStyle: String, Codable, Sendable, CaseIterable {
    /// Mosaic: the region becomes at most `maxCells` x `maxCells` flat cells.
    case pixelate
    /// Separable blur, three box passes (close to a Gaussian) with sigma scaled to the region.
    case blur
    /// Flat black.
    case fill
}

public enum RedactionShape: String, Codable, Sendable, CaseIterable {
    case box
    case ellipse
}

public struct RedactionLook: Codable, Equatable, Sendable {
    public var style: RedactionStyle = .pixelate
    public var shape: RedactionShape = .box
    /// Growth of each detected box about its centre; CenterFace boxes are tight.
    public var padding: Double = 1.3
    /// Detail left across a pixelated region: no face keeps more than this many cells a side.
    public var maxCells: Int = 8

    public init(style: RedactionStyle = .pixelate, shape: RedactionShape = .box, padding: Double = 1.3, maxCells: Int = 8) {
        self.style = style
        self.shape = shape
        self.padding = padding
        self.maxCells = maxCells
    }
}
