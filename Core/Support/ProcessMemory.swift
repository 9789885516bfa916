// glibc's <malloc.h> is not part of Swift's Glibc module; mallopt and M_MMAP_THRESHOLD (-3,
// fixed in glibc's ABI) are declared here instead.
@_silgen_name("mallopt")
private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
private let M_MMAP_THRESHOLD: Int32 = -3

/// Keeps a long-running process's memory flat. Segments and decoded frames are large buffers
/// (megabytes) allocated and freed over and over; glibc's default raises its mmap threshold
/// after the first such free and then serves them from the heap, where fragmentation kept a
/// 10-second 1080p segment's worth of frames resident (about 1 GB, measured). A fixed 1 MiB
/// threshold maps every large buffer and returns it to the system when freed (230 MB).
public enum ProcessMemory {
    public static func returnLargeBuffersToTheSystem() {
        _ = mallopt(M_MMAP_THRESHOLD, 1 << 20)
    }
}
