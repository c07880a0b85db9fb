import Foundation
import Hummingbird
import NoraCore
import NoraMetadata

/// Yanking (PEP 592) as plain logic, shared by the HTTP API and the `nora pypi` command:
/// every file of a version is marked, with an optional reason, or unmarked.
public struct PyPIYanks: Sendable {
    let index: PyPIIndex

    public init(db: MetadataDatabase) { index = PyPIIndex(db: db) }

    public struct Outcome: Sendable, Encodable, Equatable {
        public let project: String
        public let version: String
        public let yanked: Bool
        public let reason: String?
        public let files: [String]
    }

    /// Marks (`yanked: true`) or unmarks every file of `version`; throws PyPIError (404) when there is none.
    public func set(project: String, version: String, yanked: Bool, reason: String? = nil) async throws -> Outcome {
        let normalized = ProjectName.normalize(project)
        let reason = reason.flatMap { $0.isEmpty ? nil : String($0.prefix(1000)) }
        let files = try await index.db.transaction(locking: "pypi:\(normalized)") { db in
            guard try await index.displayName(normalized, in: db) != nil else {
                throw PyPIError(.projectNotFound, "'\(project.prefix(200))'")
            }
            return try await index.setYanked(normalized, version: version, yanked: yanked, reason: reason, in: db)
        }
        guard !files.isEmpty else { throw PyPIError(.versionNotFound, "\(normalized) has no version '\(version.prefix(100))'") }
        return Outcome(project: normalized, version: version, yanked: yanked, reason: yanked ? reason : nil, files: files)
    }
}

extension PyPIRegistry {
    /// `POST /simple/<project>/<version>/yank` (reason from `?reason=`, a JSON body
    /// `{"reason": …}` or a form field) and `…/unyank`. Publishing rights (write) suffice.
    func yank(_ request: Request, _ context: NoraRequestContext, yanked: Bool) async throws -> Response {
        try context.require(.write)
        let project = try Self.segment(context, "project")
        let version = try Self.segment(context, "item")
        var reason = request.uri.queryParameters.get("reason")
        let body = try await request.body.collect(upTo: 64 * 1024)
        if reason == nil, body.readableBytes > 0 {
            reason = Self.reason(in: Array(body.readableBytesView), contentType: request.headers[.contentType] ?? "")
        }
        let outcome = try await PyPIYanks(db: index.db).set(project: project, version: version, yanked: yanked, reason: reason)
        context.logger.info(yanked ? "pypi version yanked" : "pypi version unyanked",
                            metadata: ["project": .string(outcome.project), "version": .string(version)])
        context.annotations.note(ActivityNote(yanked ? .yank : .unyank, .pypi, name: outcome.project, version: version))
        return .json(outcome)
    }

    static func reason(in body: [UInt8], contentType: String) -> String? {
        if contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") {
            for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { PercentEncoding.decode($0.replacingOccurrences(of: "+", with: " ")) }
                if parts.count == 2, parts[0] == "reason" { return parts[1] }
            }
            return nil
        }
        struct Body: Decodable { let reason: String? }
        return (try? JSON.decode(Body.self, from: body))?.reason
    }
}
