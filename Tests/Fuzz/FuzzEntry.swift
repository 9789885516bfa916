import Foundation
import RedactCoordinator
import RedactCore

// libFuzzer entry points for the parsers that read what other people send: segment files,
// work-channel messages, plan.json, signed manifests, and a job's options as the coordinator
// takes them from a remote client (zones included). `FUZZ_TARGET` picks one; `make fuzz`
// runs each. Any crash, trap or sanitizer report is a finding; a thrown error is the
// expected answer to bad input.

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

enum FuzzTarget: String, CaseIterable {
    case segment, wire, plan, manifest, options

    static let current: FuzzTarget = {
        guard let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"], let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("set FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(64)
        }
        return target
    }()

    func run(_ bytes: [UInt8]) {
        switch self {
        case .segment:
            if let segment = try? SegmentFile(bytes: bytes, path: "fuzz") {
                _ = segment.ownedPackets.count
                _ = try? SegmentFile(bytes: segment.encoded(), path: "fuzz again")
            }
        case .wire:
            // First byte: message kind; the rest is split into a body and bulk frames at 0xFF 0x00.
            guard let kind = bytes.first else { return }
            var frames: [[UInt8]] = [WireCodec.magic + [WireCodec.version, kind % 12]]
            var current: [UInt8] = []
            var i = 1
            while i < bytes.count {
                if bytes[i] == 0xFF, i + 1 < bytes.count, bytes[i + 1] == 0 { frames.append(current); current = []; i += 2; continue }
                current.append(bytes[i])
                i += 1
            }
            frames.append(current)
            if let message = try? WireCodec.decode(frames) { _ = try? WireCodec.decode(WireCodec.encode(message)) }
        case .plan:
            _ = try? PlanStore.decode(bytes, path: "fuzz")
        case .manifest:
            _ = try? SignedManifest.open(bytes, path: "fuzz")
        case .options:
            // As the coordinator's intake: a submit request decoded, then validated.
            if let request = try? ControlCodec.decode(ControlRequest.self, [bytes]), let submit = request.submit {
                _ = try? submit.options.validate()
            }
            if let text = String(bytes: bytes, encoding: .utf8), let zone = try? PrivacyZone(parsing: text) {
                _ = try? zone.fit(width: 1920, height: 1080, number: 1)
                _ = zone.contains(x: 10, y: 10)
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.current.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

/// SwiftPM links an executable's entry point as `<module>_main`; libFuzzer's driver runs here.
@_cdecl("redactfarm_fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return runDriver(&count, &vector, testOneInput)
}
