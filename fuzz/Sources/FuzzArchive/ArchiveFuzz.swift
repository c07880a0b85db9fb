import FuzzSupport

// The tar.gz and zip readers behind npm/cargo tarballs, sdists and wheels.
public enum ArchiveFuzz {
    public static let targets: [(String, @Sendable ([UInt8]) -> Void)] = [("tar-gz", tarGz), ("zip", zip)]

    static func tarGz(_ bytes: [UInt8]) {
        var limits = TarGzReader.Limits()
        limits.maxUncompressedBytes = 8 << 20
        FuzzSupport.withScratchFile(bytes) { path in
            let reader = TarGzReader(path: path, limits: limits)
            guard let (entries, contents) = try? reader.scan(wanting: { _ in true }, limit: 1 << 20) else { return }
            for entry in entries { precondition(entry.size >= 0, "negative size for \(entry.path)") }
            precondition(contents.values.allSatisfy { $0.count <= 1 << 20 }, "contents over the limit")
        }
    }

    static func zip(_ bytes: [UInt8]) {
        FuzzSupport.withScratchFile(bytes) { path in
            guard let zip = try? ZipEntries(path: path) else { return }
            for entry in zip.paths.prefix(8) {
                if let data = try? zip.contents(of: entry, limit: 1 << 20) { precondition(data.count <= 1 << 20) }
            }
        }
    }
}
