import Foundation
import RedactCore

/// Turns a submission into the list of (input, output) files a job will redact: directories
/// are walked (recursively, video files only), glob patterns are expanded, and every output
/// path is checked before the job is accepted, so a bad submission is refused whole with a
/// reason instead of failing half-way.
public enum JobIntake {
    public static let videoExtensions: Set<String> = ["mp4", "m4v", "mov", "mkv", "webm", "avi", "ts", "mts", "m2ts", "mpg", "mpeg", "wmv", "asf", "flv", "3gp", "mxf"]

    public static func files(for request: SubmitRequest) throws(MediaError) -> [(input: String, output: String)] {
        var inputs: [String] = []
        for pattern in request.inputs {
            let expanded = try expand(pattern)
            guard !expanded.isEmpty else { throw MediaError(path: pattern, reason: "no video files found") }
            inputs += expanded
        }
        var seen = Set<String>()
        inputs = inputs.filter { seen.insert($0).inserted }

        var pairs: [(input: String, output: String)] = []
        if request.outputIsFile {
            guard inputs.count == 1 else {
                throw MediaError(path: request.output, reason: "names one output file but \(inputs.count) inputs were given; name a folder")
            }
            pairs = [(inputs[0], absolutePath(request.output))]
        } else {
            let folder = absolutePath(request.output)
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw MediaError(path: folder, reason: "cannot create the output folder")
            }
            var names: [String: String] = [:]
            for input in inputs {
                let name = URL(fileURLWithPath: input).lastPathComponent
                if let other = names[name] {
                    throw MediaError(path: input, reason: "has the same name as \(other); both would be written to \(folder)/\(name)")
                }
                names[name] = input
                pairs.append((input, folder + "/" + name))
            }
        }
        for pair in pairs {
            if pair.output == pair.input { throw MediaError(path: pair.input, reason: "output would overwrite the input") }
            if !request.overwrite { try OutputSidecars.refuseExisting(pair.output) }
            _ = try AtomicOutput(finalPath: pair.output)  // the folder exists and is writable
        }
        return pairs
    }

    /// A file, a directory (walked for video files) or a glob pattern, as absolute paths.
    static func expand(_ pattern: String) throws(MediaError) -> [String] {
        let path = absolutePath(pattern)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                guard FileManager.default.isReadableFile(atPath: path) else { throw MediaError(path: path, reason: "cannot be read") }
                return [path]
            }
            guard let walker = FileManager.default.enumerator(atPath: path) else { throw MediaError(path: path, reason: "cannot be read") }
            var found: [String] = []
            while let relative = walker.nextObject() as? String {
                let ext = URL(fileURLWithPath: relative).pathExtension.lowercased()
                if videoExtensions.contains(ext), !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                    found.append(path + "/" + relative)
                }
            }
            return found.sorted()
        }
        guard pattern.contains(where: { "*?[".contains($0) }) else { throw MediaError(path: path, reason: "no such file or folder") }
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(path, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }

    public static func absolutePath(_ path: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
        return url.standardizedFileURL.path
    }
}
