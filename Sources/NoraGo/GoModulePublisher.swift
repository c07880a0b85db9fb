import Foundation
import NoraCore
import ZIPFoundation
import AsyncHTTPClient
import NIOCore
import _NIOFileSystem

/// `nora go publish`: builds a module zip from a source folder (the go command's file
/// selection, `GoModuleFiles`) and PUTs it to `<registry>/go/<module>/@v/<version>.zip`.
///
/// The zip is deterministic: entries in the go command's walk order, one fixed timestamp,
/// fixed permissions, no folder entries. Everything the server would refuse (version,
/// module line, paths) is checked here first, so a mistake is reported before any upload.
public struct GoModulePublisher: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public let directory: String
    public let module: String
    public let version: GoSemver
    /// False for a folder without go.mod (the server synthesises its `.mod`).
    public let hasGoMod: Bool

    /// `module` defaults to the `module` line of the folder's go.mod. A folder without a
    /// go.mod (code that predates modules) needs `module`; the registry serves the `.mod`
    /// the go command synthesises for it (`module <path>`).
    public init(directory: String, module: String?, version: String) throws(Failure) {
        let goModPath = directory + "/go.mod"
        let modulePath: String
        if FileManager.default.fileExists(atPath: goModPath) {
            guard let data = FileManager.default.contents(atPath: goModPath), let text = String(data: data, encoding: .utf8) else {
                throw Failure("\(goModPath): unreadable or not UTF-8")
            }
            guard let declared = GoModFile.modulePath(text) else { throw Failure("\(goModPath): no module directive") }
            modulePath = module ?? declared
            guard declared == modulePath else {
                throw Failure("\(goModPath) declares module \"\(declared)\", not \"\(modulePath)\"")
            }
            self.hasGoMod = true
        } else {
            guard FileManager.default.fileExists(atPath: directory) else { throw Failure("\(directory): no such folder") }
            guard let module else {
                throw Failure("\(directory) has no go.mod: name the module with --module (its .mod is then \"module <path>\")")
            }
            self.hasGoMod = false
            modulePath = module
        }
        do {
            try GoModulePath.check(modulePath)
            self.version = try GoSemver(canonical: version)
            try GoModulePath.checkMajor(version: self.version, path: modulePath)
        } catch let error as GoModulePath.Invalid {
            throw Failure(error.reason)
        } catch let error as GoSemver.Invalid {
            throw Failure(error.reason)
        } catch {
            throw Failure("\(error)")
        }
        if self.version.isIncompatible && hasGoMod { throw Failure("a folder with a go.mod cannot be published as +incompatible") }
        if !hasGoMod, let major = GoModulePath.split(modulePath)?.major, major.hasPrefix("/") {
            throw Failure("\(modulePath): a module path with a major version suffix needs a go.mod")
        }
        self.directory = directory
        self.module = modulePath
    }

    /// The module's files, checked like the server checks a zip's entries.
    public func files(limit: Int64 = 500 << 20) throws(Failure) -> [GoModuleFiles.File] {
        let files: [GoModuleFiles.File]
        do { files = try GoModuleFiles.select(in: directory) } catch { throw Failure(error.description) }
        var collisions = GoModuleZip.CollisionChecker()
        var total: Int64 = 0
        for file in files {
            do { try GoModulePath.checkFile(file.path) } catch { throw Failure(error.reason) }
            if let clash = collisions.check(file.path, isDir: false) { throw Failure(clash) }
            if file.path.lowercased() == "go.mod" && file.path != "go.mod" { throw Failure("\(file.path): go.mod files must have lowercase names") }
            if file.path == "go.mod" && file.size > GoModuleZip.maxGoModSize { throw Failure("go.mod file too large") }
            if file.path == "LICENSE" && file.size > GoModuleZip.maxLicenseSize { throw Failure("LICENSE file too large") }
            total += file.size
            if total > limit { throw Failure("module source tree too large (more than \(limit) bytes)") }
        }
        return files
    }

    /// Writes the module zip to `destination` (replaced if present); returns the files in it.
    @discardableResult
    public func writeZip(to destination: String) throws(Failure) -> [GoModuleFiles.File] {
        let files = try files()
        let prefix = "\(module)@\(version)/"
        try? FileManager.default.removeItem(atPath: destination)
        do {
            let archive = try Archive(url: URL(fileURLWithPath: destination), accessMode: .create)
            for file in files {
                guard let handle = FileHandle(forReadingAtPath: file.absolutePath) else { throw Failure("cannot read \(file.absolutePath)") }
                defer { try? handle.close() }
                try archive.addEntry(with: prefix + file.path, type: .file, uncompressedSize: file.size,
                                     modificationDate: Self.fixedDate, permissions: 0o644, compressionMethod: .deflate) { position, size in
                    try handle.seek(toOffset: UInt64(position))
                    return try handle.read(upToCount: size) ?? Data()
                }
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure("cannot write \(destination): \(error)")
        }
        return files
    }

    /// 1980-01-01 00:00 in the local time zone: the zip format stores local times, so this
    /// gives the same bytes on every machine.
    static let fixedDate: Date = {
        var components = DateComponents()
        (components.year, components.month, components.day) = (1980, 1, 1)
        return Calendar(identifier: .gregorian).date(from: components) ?? Date(timeIntervalSince1970: 315_532_800)
    }()

    public struct Response: Sendable {
        public let status: Int
        public let body: String
    }

    /// PUTs the zip at `zipPath`, streamed from the file; `token` goes out as a Bearer token.
    /// A 401 comes back as the answer (AsyncHTTPClient does not retry challenges).
    public func upload(zipAt zipPath: String, registry: String, token: String?) async throws(Failure) -> Response {
        var base = registry
        while base.hasSuffix("/") { base.removeLast() }
        let path = "/go/\(GoModulePath.escape(module))/@v/\(GoModulePath.escape(version.description)).zip"
        let url = base + path
        guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil else {
            throw Failure("--registry must be an http(s) URL, e.g. http://127.0.0.1:4000")
        }
        let configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(30), read: .seconds(600)))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let answer = try await Self.put(file: zipPath, to: url, token: token, with: client)
            try? await client.shutdown()
            return answer
        } catch {
            try? await client.shutdown()
            if let failure = error as? Failure { throw failure }
            throw Failure("upload to \(url) failed: \(error)")
        }
    }

    private static func put(file: String, to url: String, token: String?, with client: HTTPClient) async throws -> Response {
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(file)) { handle in
            let size = try await handle.info().size
            var request = HTTPClientRequest(url: url)
            request.method = .PUT
            request.headers.add(name: "Content-Type", value: "application/zip")
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            request.body = .stream(handle.readChunks(chunkLength: .kibibytes(256)), length: .known(size))
            let answer = try await client.execute(request, timeout: .seconds(600))
            let body = try await answer.body.collect(upTo: 1 << 20)
            return Response(status: Int(answer.status.code), body: String(buffer: body))
        }
    }

    /// Builds the zip in a temporary folder, uploads it and returns the server's answer;
    /// anything but 201 is a failure carrying the server's reason.
    public func publish(registry: String, token: String?) async throws(Failure) -> Response {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nora-go-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw Failure("cannot create a temporary folder: \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let zipPath = folder.appendingPathComponent("module.zip").path
        try writeZip(to: zipPath)
        let response = try await upload(zipAt: zipPath, registry: registry, token: token)
        guard response.status == 201 else {
            let reason = response.body.trimming(" \n\r\t")
            throw Failure("the registry refused \(module)@\(version) (HTTP \(response.status)): \(reason.isEmpty ? "no reason given" : reason)")
        }
        return response
    }
}
