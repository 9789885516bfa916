import ArgumentParser
import RedactCore

@main
struct RedactFarmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redactfarm",
        abstract: "Batch video anonymisation, split across as many machines as you have.",
        discussion: """
        Footage is cut into GOP-aligned segments by stream copy, the segments are redacted in \
        parallel, and the results are stitched back with the source's audio untouched, frame \
        for frame.

        Exit status: 0 on success, 1 when an input or output is refused (one line on stderr \
        names the file and the reason), 64 for a usage error.
        """,
        version: RedactFarmVersion.current,
        subcommands: [
            RunCommand.self,
            CoordinatorCommand.self, WorkerCommand.self, KeygenCommand.self,
            SubmitCommand.self, StatusCommand.self, WatchCommand.self, JobsCommand.self, WorkersCommand.self, PrioritizeCommand.self, DrainCommand.self, CancelCommand.self,
            VerifyCommand.self, AuditCommand.self, ReviewCommand.self, RerenderCommand.self, ApproveCommand.self,
            ProbeCommand.self, SplitCommand.self, StitchCommand.self, DetectCommand.self,
        ]
    )

    static func main() {
        ProcessMemory.returnLargeBuffersToTheSystem()
        CompiledModelCache.use(root: KeyLocations.compiledModels)
        main(nil)
    }
}

/// Options every command takes.
struct CommonOptions: ParsableArguments {
    @Flag(help: "Print results as JSON on stdout, for scripts.")
    var json = false

    @Flag(help: "Let FFmpeg print its own warnings on stderr.")
    var verbose = false
}
