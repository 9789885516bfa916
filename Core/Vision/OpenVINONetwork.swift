import COpenVINO
import Foundation
import RedactSupport

/// An ONNX network on OpenVINO Runtime's CPU plugin, taking packed 8-bit RGB (the conversion
/// to planar floats is compiled into the graph, so no per-pixel loop runs here). One compiled
/// model and infer request per input size, the least recently used dropped beyond `capacity`;
/// inputs of sizes too many to compile each (larger crops around faces) share one model
/// compiled for any size up to `maxSide`, since compiling costs more than a hundred small
/// inferences (a model compiled for one size runs a small input about twice as fast).
/// Not thread-safe: one instance per thread, as each worker slot has its own detector.
final class OpenVINONetwork {
    /// The process's one OpenVINO core (thread-safe; it holds the plugins), made on first use.
    nonisolated(unsafe) private static let core: Result<OpaquePointer, MediaError> = {
        var core: OpaquePointer?
        let status = ov_core_create(&core)
        guard status == OK, let core else { return .failure(MediaError(path: "OpenVINO", reason: "cannot start the runtime: \(describe(status))")) }
        return .success(core)
    }()

    /// "2026.4.1-…", for the record of how a result was made.
    static let version: String = {
        var v = ov_version_t()
        guard ov_get_openvino_version(&v) == OK else { return "unknown" }
        defer { ov_version_free(&v) }
        return v.buildNumber.map { String(cString: $0) } ?? "unknown"
    }()

    /// Inference threads per network (per worker slot); set before the first inference.
    nonisolated(unsafe) static var threads = 0

    private struct Compiled {
        let model: OpaquePointer      // ov_compiled_model_t
        let request: OpaquePointer    // ov_infer_request_t
        var lastUsed: UInt64
    }

    /// How the network's input is made from packed 8-bit RGB, inside the compiled graph.
    struct InputConversion: Sendable {
        /// Feed BGR (channels reversed).
        var bgr = false
        /// Divide by this first (255: to 0-1).
        var divisor: Float?
        /// Then subtract per-channel means and divide by per-channel deviations (in fed order).
        var mean: [Float]?
        var deviation: [Float]?
        /// As is: RGB, 0-255 as floats.
        static let raw = InputConversion()
    }

    private let label: String
    private let modelBytes: [UInt8]
    /// An IR's weights (`modelBytes` is then its XML); nil for ONNX. Kept at one address for
    /// the network's life, since a model read from memory may use its constants in place;
    /// freed in `deinit` after every compiled model.
    private let weights: UnsafeMutableRawBufferPointer?
    private let inputName: String
    private let conversion: InputConversion
    private let precision: InferencePrecision
    private let capacity: Int
    private let cache: CompiledModelCache?
    private var compiled: [Size: Compiled] = [:]
    private var uses: UInt64 = 0

    struct Size: Hashable {
        let width: Int, height: Int
        /// The key of the model compiled for any size.
        static let any = Size(width: 0, height: 0)
    }
    static let maxSide = 4096
    /// Compiled input sizes kept per network: the 1x and 2x full-frame passes, the 640x384
    /// one, the four crop shapes (`CenterFaceDetector.cropShapes`) and any size, with room.
    static let defaultCapacity = 10

    /// Reads the model once, to fail here rather than at the first frame.
    init(model bytes: [UInt8], weights: [UInt8]? = nil, label: String, inputName: String, conversion: InputConversion = .raw,
         precision: InferencePrecision = .f32, capacity: Int = OpenVINONetwork.defaultCapacity,
         cache: CompiledModelCache? = CompiledModelCache.shared) throws(MediaError) {
        guard precision != .bf16 || InferencePrecision.bf16Available else {
            throw MediaError(path: label, reason: "bf16 inference was asked for, but this CPU has no bf16 arithmetic (AVX-512 BF16 or AMX)")
        }
        self.precision = precision
        self.label = label
        modelBytes = bytes
        self.weights = weights.map { bytes in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 64)
            bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
            return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count])
        }
        self.inputName = inputName
        self.conversion = conversion
        self.capacity = capacity
        self.cache = cache
        let model = try readModel()
        ov_model_free(model)
    }

    deinit {
        for entry in compiled.values {
            ov_infer_request_free(entry.request)
            ov_compiled_model_free(entry.model)
        }
        weights?.deallocate()
    }

    /// Runs the network on a packed RGB image and returns the named outputs (copied; "" names
    /// a network's only output).
    /// `anySize`: the input's size varies from call to call (use the model compiled for any size).
    func infer(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int, outputs: [String], anySize: Bool = false) throws(MediaError) -> [[Float]] {
        try infer(rgb: rgb, width: width, height: height, outputs: outputs, anySize: anySize) { $0.map(Array.init) }
    }

    /// Runs the network and lets `read` look at the named outputs where the runtime holds
    /// them, valid only during the call: a 2x pass's outputs are megabytes a frame.
    func infer<Value>(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int, outputs: [String], anySize: Bool = false,
                      read: ([UnsafeBufferPointer<Float>]) throws(MediaError) -> Value) throws(MediaError) -> Value {
        guard rgb.count >= width * height * 3 else { throw MediaError(path: label, reason: "image buffer smaller than \(width)x\(height) RGB") }
        guard !anySize || max(width, height) <= Self.maxSide else { throw MediaError(path: label, reason: "a \(width)x\(height) crop is larger than \(Self.maxSide) px") }
        let request = try request(for: anySize ? .any : Size(width: width, height: height))
        var dims: [Int64] = [1, Int64(height), Int64(width), 3]
        var shape = ov_shape_t()
        try check(dims.withUnsafeMutableBufferPointer { ov_shape_create(4, $0.baseAddress, &shape) }, "shape")
        defer { ov_shape_free(&shape) }
        var tensor: OpaquePointer?
        try check(ov_tensor_create_from_host_ptr(U8, shape, UnsafeMutableRawPointer(mutating: rgb.baseAddress), &tensor), "input tensor")
        defer { ov_tensor_free(tensor) }
        try check(ov_infer_request_set_tensor(request, inputName, tensor), "set input")
        try check(ov_infer_request_infer(request), "inference")
        var tensors: [OpaquePointer?] = []
        defer { tensors.forEach { ov_tensor_free($0) } }
        var results: [UnsafeBufferPointer<Float>] = []
        for name in outputs {
            var out: OpaquePointer?
            if name.isEmpty {
                try check(ov_infer_request_get_output_tensor(request, &out), "the output")
            } else {
                try check(ov_infer_request_get_tensor(request, name, &out), "output \(name)")
            }
            tensors.append(out)
            var size = 0
            try check(ov_tensor_get_size(out, &size), "output size")
            var data: UnsafeMutableRawPointer?
            try check(ov_tensor_data(out, &data), "output data")
            guard let data else { throw MediaError(path: label, reason: "output \(name) has no data") }
            results.append(UnsafeBufferPointer(start: data.assumingMemoryBound(to: Float.self), count: size))
        }
        return try read(results)
    }

    private func request(for size: Size) throws(MediaError) -> OpaquePointer {
        uses += 1
        if let entry = compiled[size] {
            compiled[size]?.lastUsed = uses
            return entry.request
        }
        if compiled.count >= capacity, let oldest = compiled.min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
            ov_infer_request_free(oldest.value.request)
            ov_compiled_model_free(oldest.value.model)
            compiled[oldest.key] = nil
        }
        let entry = try compile(size)
        compiled[size] = entry
        return entry.request
    }

    /// The model at this size, taking u8 NHWC RGB and converting to what it was trained on.
    private func compile(_ size: Size) throws(MediaError) -> Compiled {
        let core = try Self.core.get()
        let model = try readModel()
        defer { ov_model_free(model) }
        var partial = ov_partial_shape_t()
        if size == .any {
            var dims = [ov_dimension_t(min: 1, max: 1), ov_dimension_t(min: 3, max: 3),
                        ov_dimension_t(min: 32, max: Int64(Self.maxSide)), ov_dimension_t(min: 32, max: Int64(Self.maxSide))]
            try check(dims.withUnsafeMutableBufferPointer { ov_partial_shape_create(4, $0.baseAddress, &partial) }, "input shape")
        } else {
            var dims: [Int64] = [1, 3, Int64(size.height), Int64(size.width)]
            try check(dims.withUnsafeMutableBufferPointer { ov_partial_shape_create_static(4, $0.baseAddress, &partial) }, "input shape")
        }
        defer { ov_partial_shape_free(&partial) }
        try check(ov_model_reshape_input_by_name(model, inputName, partial), "reshape to \(size.width)x\(size.height)")

        var ppp: OpaquePointer?
        try check(ov_preprocess_prepostprocessor_create(model, &ppp), "preprocessing")
        defer { ov_preprocess_prepostprocessor_free(ppp) }
        var input: OpaquePointer?, tensorInfo: OpaquePointer?, steps: OpaquePointer?, modelInfo: OpaquePointer?
        try check(ov_preprocess_prepostprocessor_get_input_info_by_name(ppp, inputName, &input), "input info")
        defer { ov_preprocess_input_info_free(input) }
        try check(ov_preprocess_input_info_get_tensor_info(input, &tensorInfo), "tensor info")
        defer { ov_preprocess_input_tensor_info_free(tensorInfo) }
        try check(ov_preprocess_input_tensor_info_set_element_type(tensorInfo, U8), "u8 input")
        var nhwc: OpaquePointer?, nchw: OpaquePointer?
        try check(ov_layout_create("NHWC", &nhwc), "layout")
        defer { ov_layout_free(nhwc) }
        try check(ov_layout_create("NCHW", &nchw), "layout")
        defer { ov_layout_free(nchw) }
        try check(ov_preprocess_input_tensor_info_set_layout(tensorInfo, nhwc), "NHWC input")
        try check(ov_preprocess_input_info_get_preprocess_steps(input, &steps), "steps")
        defer { ov_preprocess_preprocess_steps_free(steps) }
        try check(ov_preprocess_preprocess_steps_convert_element_type(steps, F32), "to f32")
        if conversion.bgr { try check(ov_preprocess_preprocess_steps_reverse_channels(steps), "to BGR") }
        if let divisor = conversion.divisor { try check(ov_preprocess_preprocess_steps_scale(steps, divisor), "scale") }
        if var mean = conversion.mean {
            try check(mean.withUnsafeMutableBufferPointer { ov_preprocess_preprocess_steps_mean_multi_channels(steps, $0.baseAddress, Int32($0.count)) }, "mean")
        }
        if var deviation = conversion.deviation {
            try check(deviation.withUnsafeMutableBufferPointer { ov_preprocess_preprocess_steps_scale_multi_channels(steps, $0.baseAddress, Int32($0.count)) }, "deviation")
        }
        try check(ov_preprocess_input_info_get_model_info(input, &modelInfo), "model info")
        defer { ov_preprocess_input_model_info_free(modelInfo) }
        try check(ov_preprocess_input_model_info_set_layout(modelInfo, nchw), "NCHW model")
        var built: OpaquePointer?
        try check(ov_preprocess_prepostprocessor_build(ppp, &built), "preprocessing build")
        defer { ov_model_free(built) }

        // The runtime's property names (ov_property_key_*, spelled out: Swift sees those C
        // globals as mutable state).
        // The precision stated, never left to the plugin (which picks bf16 on CPUs with AMX), so
        // the record says what ran.
        // No pinning: each worker slot runs its own single-threaded model, and the plugin pins
        // every such model's thread to the same first core, so two slots on two cores shared
        // one (measured: 50% each, the process at 100% of 200%).
        let settings = [("INFERENCE_NUM_THREADS", String(max(0, Self.threads))), ("PERFORMANCE_HINT", "LATENCY"), ("NUM_STREAMS", "1"),
                        ("INFERENCE_PRECISION_HINT", precision.openVINOHint), ("ENABLE_CPU_PINNING", "NO")]
        // Through the cache first. The runtime compiles over a blob it cannot import (cut
        // short, garbage, its folder gone: `CompiledModelCacheTests`); whatever else makes a
        // compile through the cache fail is not the job's failure either: compiled without it.
        var compiledModel: OpaquePointer?
        var status = GENERAL_ERROR
        if let cache {
            status = Self.compile(built, core: core, settings + [("CACHE_DIR", cache.folder)], into: &compiledModel)
        }
        if status != OK {
            status = Self.compile(built, core: core, settings, into: &compiledModel)
        }
        try check(status, "compile for \(size.width)x\(size.height)")
        var request: OpaquePointer?
        try check(ov_compiled_model_create_infer_request(compiledModel, &request), "infer request")
        guard let compiledModel, let request else { throw MediaError(path: label, reason: "OpenVINO returned no model") }
        return Compiled(model: compiledModel, request: request, lastUsed: uses)
    }

    private static func compile(_ model: OpaquePointer?, core: OpaquePointer, _ settings: [(String, String)],
                                into compiled: inout OpaquePointer?) -> ov_status_e {
        let strings = settings.flatMap { [strdup($0.0), strdup($0.1)] }
        defer { strings.forEach { free($0) } }
        var properties = stride(from: 0, to: strings.count, by: 2).map { ov_property_t(key: strings[$0], value: UnsafeRawPointer(strings[$0 + 1])) }
        return ov_core_compile_model_props(core, model, "CPU", properties.count, &properties, &compiled)
    }

    /// From the bytes that were checked against the pinned SHA-256 (never the path again).
    private func readModel() throws(MediaError) -> OpaquePointer {
        let core = try Self.core.get()
        var model: OpaquePointer?
        var weightsTensor: OpaquePointer?
        defer { if let weightsTensor { ov_tensor_free(weightsTensor) } }
        if let weights {
            var dims: [Int64] = [Int64(weights.count)]
            var shape = ov_shape_t()
            try check(dims.withUnsafeMutableBufferPointer { ov_shape_create(1, $0.baseAddress, &shape) }, "weights shape")
            defer { ov_shape_free(&shape) }
            try check(ov_tensor_create_from_host_ptr(U8, shape, weights.baseAddress, &weightsTensor), "weights tensor")
        }
        let status = modelBytes.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { ov_core_read_model_from_memory_buffer(core, $0.baseAddress, $0.count, weightsTensor, &model) }
        }
        try check(status, "read the model")
        guard let model else { throw MediaError(path: label, reason: "OpenVINO read no model") }
        return model
    }

    private func check(_ status: ov_status_e, _ what: String) throws(MediaError) {
        guard status != OK else { return }
        throw MediaError(path: label, reason: "OpenVINO: \(what) failed: \(Self.describe(status))")
    }

    private static func describe(_ status: ov_status_e) -> String {
        let info = ov_get_error_info(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
        let detail = ov_get_last_err_msg().map { String(cString: $0) } ?? ""
        return detail.isEmpty ? info : "\(info): \(detail.split(separator: "\n").first ?? "")"
    }
}
