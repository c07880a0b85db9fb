import Hummingbird
import NoraCore

/// `npm dist-tag ls/add/rm`: `GET/PUT/DELETE /-/package/<name>/dist-tags[/<tag>]`.
extension NpmRegistry {
    func getDistTags(_ name: PackageName, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        guard let state = try await index.state(name) else { throw NpmError.notFound(name) }
        return .json(state.distTags)
    }

    /// The body is the version as a JSON string (`"1.2.3"`); a bare version is accepted too.
    func putDistTag(_ name: PackageName, _ tag: String, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.write)
        try DistTag.validate(tag)
        let limit = 4096
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch {
            throw NpmError(.tooLarge, "a dist-tag body is a version string of at most \(limit) bytes")
        }
        let text = String(buffer: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
        let version = JSONValue.parse(Array(text.utf8))?.string ?? text
        guard SemVer(version) != nil else { throw NpmError(.invalidVersion, "'\(version.prefix(100))' is not a valid version") }
        try await db.transaction(locking: "npm:\(name.value)") { db in
            guard let state = try await index.state(name, in: db) else { throw NpmError.notFound(name) }
            guard state.version(version) != nil else {
                throw NpmError(.notFound, "version \(version) of '\(name)' is not published")
            }
            try await index.setTag(name, tag, version, in: db)
            try await index.touch(name, in: db)
        }
        return .json(["ok": true], status: .created)
    }

    func deleteDistTag(_ name: PackageName, _ tag: String, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.write)
        guard tag != "latest" else { throw NpmError(.invalidTag, "the 'latest' tag cannot be removed; point it at another version") }
        try await db.transaction(locking: "npm:\(name.value)") { db in
            guard let state = try await index.state(name, in: db) else { throw NpmError.notFound(name) }
            guard state.distTags[tag] != nil else { throw NpmError(.notFound, "'\(name)' has no dist-tag '\(tag.prefix(128))'") }
            try await index.removeTag(name, tag, in: db)
            try await index.touch(name, in: db)
        }
        return .json(["ok": true])
    }
}
