// swift-tools-version:6.0
import Foundation
import PackageDescription

// OpenVINO Runtime, unpacked from its pinned PyPI wheel by ops/fetch-assets.sh (`make setup`).
// Binaries find its libraries by rpath, so nothing needs LD_LIBRARY_PATH: in this checkout
// while it is built here, and in PREFIX/lib/openvino once `make install` (ops/install.sh)
// has put the binary in PREFIX/bin (the container image and the systemd units use that).
let openVINO = Context.packageDirectory + "/.cache/openvino"

// The folders are the architecture: Core is shared by both sides, Coordinator holds the
// `redactfarm` front end, Worker the worker loop. C libraries enter through the small
// system-library shims under Core/Shims so nothing else includes a C header.
let package = Package(
    name: "RedactFarm",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "redactfarm", targets: ["redactfarm"]),
        .library(name: "RedactCore", targets: ["RedactCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        // Tests only: reads the Kubernetes manifests to check them against the CLI.
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFmpeg",
            path: "Core/Shims/CFFmpeg",
            pkgConfig: "libavformat libavcodec libavutil libswscale",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev"])]
        ),
        .systemLibrary(
            name: "CZMQ",
            path: "Core/Shims/CZMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        // Linux calls Swift's Glibc module leaves out (syncfs).
        .systemLibrary(
            name: "CLinux",
            path: "Core/Shims/CLinux"
        ),
        // Inference: OpenVINO's C API (non-variadic calls only, so Swift calls it directly).
        .target(
            name: "COpenVINO",
            path: "Core/Shims/COpenVINO",
            cSettings: [.unsafeFlags(["-I", openVINO + "/include"])],
            linkerSettings: [
                .unsafeFlags(["-L", openVINO + "/lib", "-Xlinker", "-rpath", "-Xlinker", openVINO + "/lib",
                              "-Xlinker", "-rpath", "-Xlinker", "$ORIGIN/../lib/openvino"]),
                .linkedLibrary("openvino_c"),
            ]
        ),
        // Core's layers, each a module, so the compiler holds the graph acyclic:
        // Support → Media → Vision → Redaction → Transport → Integrity. Nothing below
        // imports what sits above it.
        .target(
            name: "RedactSupport",
            dependencies: ["CLinux", .product(name: "Crypto", package: "swift-crypto")],
            path: "Core/Support"
        ),
        .target(
            name: "RedactMedia",
            dependencies: ["RedactSupport", "CFFmpeg", .product(name: "Crypto", package: "swift-crypto")],
            path: "Core/Media"
        ),
        .target(
            name: "RedactVision",
            dependencies: ["RedactSupport", "RedactMedia", "CFFmpeg", "COpenVINO"],
            path: "Core/Vision",
            swiftSettings: [.unsafeFlags(["-Xcc", "-I", "-Xcc", openVINO + "/include"])]
        ),
        .target(
            name: "Redaction",
            dependencies: ["RedactSupport", "RedactMedia", "RedactVision", "CFFmpeg"],
            path: "Core/Redaction"
        ),
        .target(
            name: "RedactTransport",
            dependencies: ["RedactSupport", "RedactMedia", "RedactVision", "Redaction", "CZMQ", .product(name: "Logging", package: "swift-log")],
            path: "Core/Transport"
        ),
        .target(
            name: "RedactIntegrity",
            dependencies: ["RedactSupport", "RedactMedia", "RedactVision", "Redaction", "RedactTransport", "CFFmpeg",
                           .product(name: "Crypto", package: "swift-crypto")],
            path: "Core/Integrity"
        ),
        // What an operator watches: Prometheus metrics, health and readiness over HTTP, and
        // log lines (text or JSON). Beside the media layers, not above them: nothing in
        // Media, Vision or Redaction reports to it.
        .target(
            name: "RedactObservability",
            dependencies: ["RedactSupport",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Metrics", package: "swift-metrics"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "Hummingbird", package: "hummingbird")],
            path: "Core/Observability"
        ),
        // One import for the sides that use all of Core (the coordinator and the worker).
        .target(
            name: "RedactCore",
            dependencies: ["RedactSupport", "RedactMedia", "RedactVision", "Redaction", "RedactIntegrity", "RedactTransport", "RedactObservability"],
            path: "Core/Umbrella"
        ),
        // The coordinator's engine: durable store (SQLite through GRDB), broker, scheduler,
        // file pipeline and manifests. The CLI is a thin face over it.
        .target(
            name: "RedactCoordinator",
            dependencies: ["RedactCore", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Metrics", package: "swift-metrics"), .product(name: "Logging", package: "swift-log")],
            path: "Coordinator/Engine"
        ),
        // `redactfarm review`: the review page and contact sheet of an output, from its
        // manifest, sidecar and frames. Reads what the engine wrote; nothing imports it back.
        .target(
            name: "RedactReview",
            dependencies: ["RedactCore", "RedactCoordinator"],
            path: "Coordinator/Review"
        ),
        // `redactfarm run`: a coordinator and local workers in one process over inproc, the
        // same code paths as the distributed farm. The one place both sides meet.
        .target(
            name: "RedactEmbedded",
            dependencies: ["RedactCore", "RedactCoordinator", "RedactWorker"],
            path: "Coordinator/Embedded"
        ),
        // The worker loop around the segment processor. Never imports the coordinator.
        .target(
            name: "RedactWorker",
            dependencies: ["RedactCore", .product(name: "Metrics", package: "swift-metrics"), .product(name: "Logging", package: "swift-log")],
            path: "Worker",
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "redactfarm",
            dependencies: [
                "RedactCore",
                "RedactCoordinator",
                "RedactWorker",
                "RedactEmbedded",
                "RedactReview",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Coordinator/CLI"
        ),
        .executableTarget(
            name: "farm-scale-bench",
            dependencies: ["RedactCore", "CZMQ"],
            path: "Benchmarks/FarmScale"
        ),
        .executableTarget(
            name: "split-stitch-bench",
            dependencies: ["RedactCore"],
            path: "Benchmarks/SplitStitch"
        ),
        .testTarget(
            name: "RedactFarmTests",
            dependencies: ["RedactCore", "RedactSupport", "RedactMedia", "RedactVision", "Redaction", "RedactTransport", "RedactIntegrity", "RedactObservability",
                           "RedactCoordinator", "RedactWorker", "RedactEmbedded", "RedactReview", "CFFmpeg",
                           .product(name: "Yams", package: "Yams")],
            path: "Tests/RedactFarmTests"
        ),
    ],
    cxxLanguageStandard: .cxx17
)

// `make fuzz` only: the libFuzzer harness over the parsers of untrusted input, built with
// the fuzzer and AddressSanitizer (Tests/Fuzz). Kept out of the ordinary graph: its flags
// would instrument every build.
if ProcessInfo.processInfo.environment["REDACTFARM_FUZZ"] != nil {
    package.targets.append(.executableTarget(
        name: "redactfarm-fuzz",
        dependencies: ["RedactCore", "RedactCoordinator"],
        path: "Tests/Fuzz",
        swiftSettings: [.unsafeFlags(["-parse-as-library"])],
        linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]
    ))
}

