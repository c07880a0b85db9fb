import Hummingbird
import NoraAuth
import NoraCore
import NoraStorage

/// Changing packages: publish, deprecate, unpublish. Each change is one transaction that
/// re-reads the package, so concurrent publishes of different versions all land.
extension NpmRegistry {
    /// `PUT /<name>` (publish or deprecate) and `PUT /<name>/-rev/<rev>` (unpublish versions).
    func putPackument(_ name: PackageName, rev: String?, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.write)
        let document = try await readDocument(request, limit: config.bodyLimitBytes)
        if rev == nil && PublishRequest.isPublish(document) {
            return try await publish(PublishRequest(document: document, name: name), request, context)
        }
        try await db.transaction(locking: "npm:\(name.value)") { db in
            guard let state = try await index.state(name, in: db) else {
                if rev != nil { throw NpmError.notFound(name) }
                throw NpmError(.invalidDocument, "'\(name)' is not published: a publish must attach its tarball (_attachments)")
            }
            try Self.checkRevision(rev, state)
            let update = try PackumentUpdate(document: document, state: state, allowRemovals: rev != nil)
            for (version, message) in update.deprecations {
                try await index.setDeprecated(name, version, message, in: db)
            }
            if !update.removed.isEmpty {
                try await index.unpublish(name, versions: update.removed, in: db)
            } else if !update.isEmpty {
                try await index.touch(name, in: db)
            }
        }
        context.logger.info("npm package updated", metadata: ["package": .string(name.value)])
        return .json(["ok": true])
    }

    func publish(_ publish: PublishRequest, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        let name = publish.name, version = publish.version.text
        // Checked before storing to spare a blob; the transaction checks again and decides.
        if try await index.wasPublished(name, version, in: db.reader) { throw NpmError.versionExists(version) }
        let blob = try await store.put(InMemoryBody(publish.tarball), algorithm: .sha256, expected: nil, limit: nil)
        let publisher = try await callerName(request, context)
        try await db.transaction(locking: "npm:\(name.value)") { db in
            try await index.publish(publish, blob: blob.digest, publisher: publisher, in: db)
        }
        context.logger.info("npm version published", metadata: ["package": .string(name.value), "version": .string(version)])
        context.annotations.note(ActivityNote(.publish, .npm, name: name.value, version: version))
        return .json(["ok": .bool(true), "id": .string(name.value)] as [String: JSONValue], status: .created)
    }

    /// `DELETE /<name>/-rev/<rev>`: the whole package (`npm unpublish pkg --force`).
    func deletePackage(_ name: PackageName, rev: String, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.write)
        try await db.transaction(locking: "npm:\(name.value)") { db in
            guard let state = try await index.state(name, in: db) else { throw NpmError.notFound(name) }
            try Self.checkRevision(rev, state)
            try await index.deletePackage(name, in: db)
        }
        context.logger.info("npm package unpublished", metadata: ["package": .string(name.value)])
        context.annotations.note(ActivityNote(.delete, .npm, name: name.value))
        return .json(["ok": true])
    }

    /// `DELETE /<name>/-/<file>/-rev/<rev>`: unpublishes the version owning the tarball if
    /// the document update before it has not already; succeeds when it is gone either way.
    func deleteTarball(_ name: PackageName, _ file: String, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.write)
        try await db.transaction(locking: "npm:\(name.value)") { db in
            if let found = try await index.version(name, tarball: file, in: db) {
                try await index.unpublish(name, versions: [found.version], in: db)
                context.annotations.note(ActivityNote(.delete, .npm, name: name.value, version: found.version))
            }
        }
        return .json(["ok": true])
    }

    /// Whole-document writes name the revision they were based on; a stale one means
    /// someone changed the package in between, and the client must fetch it again.
    static func checkRevision(_ rev: String?, _ state: PackageState) throws(NpmError) {
        guard let rev, rev != state.revision else { return }
        throw NpmError(.revisionConflict, "revision \(rev.prefix(80)) of '\(state.name)' is out of date (now \(state.revision)); fetch it again")
    }

    /// Who is calling: the authenticated identity, or (auth off) whoever the token names.
    func callerName(_ request: Request, _ context: NoraRequestContext) async throws -> String? {
        if let identity = context.identity { return identity.name }
        guard !context.access.authEnabled, let header = request.headers[.authorization] else { return nil }
        if case .identified(let identity) = try await authenticator.authenticate(authorization: header) { return identity.name }
        return nil
    }
}
