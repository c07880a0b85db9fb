import Foundation

/// Helpers shared by the fuzz targets.
public enum FuzzSupport {
    /// The input written to a file of this process's own (the archive readers read paths).
    public static func withScratchFile(_ bytes: [UInt8], _ body: (String) -> Void) {
        // In memory where there is a tmpfs: thousands of files a second.
        let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory()
        let path = folder + "nora-fuzz-\(getpid()).bin"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            fatalError("cannot write the scratch file \(path)")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        body(path)
    }

    /// Runs async parser code to completion from libFuzzer's synchronous callback. The task
    /// starts on this thread and, as the fuzz inputs never suspend, also ends here: no thread
    /// hops per input (cargo-publish ran 75 times more inputs than with a plain `Task`).
    public static func runBlocking(_ body: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task.immediate {
            await body()
            done.signal()
        }
        done.wait()
    }

    /// Splits the input into text fields at NUL bytes (several strings from one input).
    public static func fields(_ bytes: [UInt8], count: Int) -> [String] {
        var parts = bytes.split(separator: 0, maxSplits: count - 1, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        while parts.count < count { parts.append("") }
        return parts
    }
}
