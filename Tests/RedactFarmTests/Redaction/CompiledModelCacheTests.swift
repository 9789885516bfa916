import Foundation
@testable import RedactSupport
@testable import RedactVision
import Testing

@Suite struct CompiledModelCacheTests {
    /// The face model's three outputs on a fixed picture, from a network made with `cache`.
    private func outputs(cache: CompiledModelCache?) throws -> [[Float]] {
        let model = try CenterFaceModel.load(path: Fixtures.asset("centerface.onnx"))
        let network = try OpenVINONetwork(model: model.bytes, label: model.path, inputName: "input.1", cache: cache)
        let (width, height) = (96, 64)
        let picture = (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }
        return try picture.withUnsafeBufferPointer { try network.infer(rgb: $0, width: width, height: height, outputs: ["537", "538", "539"]) }
    }

    private func blobs(under root: String) -> [String] {
        (FileManager.default.subpaths(atPath: root) ?? []).filter { $0.hasSuffix(".blob") }.sorted().map { root + "/" + $0 }
    }

    /// A network imported from the cache computes exactly what a freshly compiled one does;
    /// a blob that cannot be imported is compiled again, never a failed inference.
    @Test func aKeptNetworkComputesWhatACompiledOneDoes() throws {
        try Fixtures.withTemporaryDirectory { root in
            let fresh = try outputs(cache: nil)
            let cache = try #require(CompiledModelCache(root: root))
            #expect(try outputs(cache: cache) == fresh)
            let kept = blobs(under: root)
            #expect(kept.count == 1, "\(kept)")
            let written = try kept.map { try FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date }
            #expect(try outputs(cache: cache) == fresh)
            #expect(blobs(under: root) == kept, "imported, not compiled and written again")
            #expect(try kept.map { try FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date } == written)

            // Cut short (a crash while it was written, or another process writing it now):
            // its header reads, its network does not.
            for path in kept {
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
                let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
                try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
            }
            #expect(try outputs(cache: cache) == fresh)
            // Not a blob at all.
            for path in blobs(under: root) {
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
                try Data("not a compiled network".utf8).write(to: URL(fileURLWithPath: path))
            }
            #expect(try outputs(cache: cache) == fresh)
        }
    }

    /// The folder is the user's alone, one per runtime and processor.
    @Test func theFolderIsPrivateAndNamedForThisMachine() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let root = dir + "/compiled-models"
            let cache = try #require(CompiledModelCache(root: root))
            #expect(cache.folder == root + "/" + CompiledModelCache.fingerprint)
            #expect(CompiledModelCache.fingerprint.hasPrefix("openvino-") && CompiledModelCache.fingerprint.count == 25)
            for path in [root, cache.folder] {
                let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
                #expect(mode == 0o700, "\(path): \(String(mode ?? 0, radix: 8))")
            }
        }
    }

    /// A folder gone since the cache was set up (a user clearing ~/.cache under a running
    /// worker) leaves the networks compiled as without a cache.
    @Test func aFolderGoneMeansCompiledWithoutIt() throws {
        try Fixtures.withTemporaryDirectory { root in
            let fresh = try outputs(cache: nil)
            let cache = try #require(CompiledModelCache(root: root))
            try FileManager.default.removeItem(atPath: cache.folder)
            try Data("a file where the folder was".utf8).write(to: URL(fileURLWithPath: cache.folder))
            #expect(try outputs(cache: cache) == fresh)
        }
    }

    /// No folder where one cannot be made: the networks are compiled as without a cache.
    @Test func aFolderThatCannotBeMadeMeansNoCache() throws {
        try Fixtures.withTemporaryDirectory { dir in
            let file = dir + "/a-file"
            try Data().write(to: URL(fileURLWithPath: file))
            #expect(CompiledModelCache(root: file + "/compiled-models") == nil)
        }
    }

    /// Beyond the bound the oldest blobs go, whichever runtime's folder they are in.
    @Test func theOldestBlobsGoBeyondTheBound() throws {
        try Fixtures.withTemporaryDirectory { root in
            let files = FileManager.default
            try files.createDirectory(atPath: root + "/openvino-old", withIntermediateDirectories: true)
            try files.createDirectory(atPath: root + "/openvino-new", withIntermediateDirectories: true)
            let written = [("openvino-old/a.blob", 0.0), ("openvino-new/b.blob", 10), ("openvino-old/c.blob", 20), ("openvino-new/d.blob", 30)]
            for (name, age) in written {
                try Data(count: 100).write(to: URL(fileURLWithPath: root + "/" + name))
                try files.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000 + age)], ofItemAtPath: root + "/" + name)
            }
            try Data(count: 1000).write(to: URL(fileURLWithPath: root + "/openvino-old/notes.txt"))
            CompiledModelCache.prune(root, to: 250)
            #expect(blobs(under: root) == [root + "/openvino-new/d.blob", root + "/openvino-old/c.blob"])
            #expect(files.fileExists(atPath: root + "/openvino-old/notes.txt"), "only blobs are counted and deleted")
        }
    }
}
