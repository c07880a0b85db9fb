import FuzzSupport

// Go module paths, versions, go.mod files and uploaded module zips (CheckZip's rules).
public enum GoFuzz {
    public static let targets: [(String, @Sendable ([UInt8]) -> Void)] = [
        ("go-module-path", modulePath),
        ("go-mod", goMod),
        ("go-zip", zip),
    ]

    /// Input: module path, NUL, version (NUL, file path).
    static func modulePath(_ bytes: [UInt8]) {
        let fields = FuzzSupport.fields(bytes, count: 3)
        let path = fields[0]
        if (try? GoModulePath.check(path)) != nil {
            precondition(GoModulePath.unescape(GoModulePath.escape(path)) == path, "escape does not round-trip \(path)")
            _ = GoModulePath.split(path)
            if let version = try? GoSemver(canonical: fields[1]) { _ = try? GoModulePath.checkMajor(version: version, path: path) }
        }
        _ = GoModulePath.unescape(path)
        _ = try? GoModulePath.checkFile(fields[2])
    }

    static func goMod(_ bytes: [UInt8]) {
        _ = GoModFile.modulePath(String(decoding: bytes, as: UTF8.self))
    }

    static let module = "example.com/m"
    static let version = try! GoSemver(canonical: "v1.0.0")

    static func zip(_ bytes: [UInt8]) {
        FuzzSupport.withScratchFile(bytes) { path in
            guard let checked = try? GoModuleZip.check(zipAt: path, module: module, version: version, limit: 8 << 20) else { return }
            precondition(checked.uncompressedSize <= 8 << 20, "zip over the size limit accepted")
        }
    }
}
