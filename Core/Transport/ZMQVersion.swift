import CZMQ

/// The linked libzmq, and whether it can do CurveZMQ (the farm refuses plain TCP without it).
public enum ZMQLibrary {
    public static var version: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }

    public static var hasCurve: Bool { zmq_has("curve") != 0 }
}
