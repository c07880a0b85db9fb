import Hummingbird
import NoraCore

extension OCIRegistry {
    struct TagList: Encodable { let name: String; let tags: [String] }
    struct Catalog: Encodable { let repositories: [String] }
    struct ReferrersIndex: Encodable {
        let schemaVersion = 2
        let mediaType = ManifestMediaType.ociIndex
        let manifests: [Descriptor]
    }

    func tags(_ name: RepositoryName, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try authorize(context, name, "pull")
        guard try await index.repositoryExists(name) else { throw OCIError(.nameUnknown, name.value) }
        let (limit, last) = try Self.paging(request)
        let (tags, more) = try await index.tags(in: name, after: last, limit: limit)
        var headers: HTTPFields = [:]
        if more, let limit, let next = tags.last {
            headers[OCIHeaders.link] = "</v2/\(name)/tags/list?n=\(limit)&last=\(PercentEncoding.encode(next))>; rel=\"next\""
        }
        return .json(TagList(name: name.value, tags: tags), headers: headers)
    }

    func catalog(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        if let identity = context.identity, !identity.scopeAllows("registry:catalog", "*") {
            throw AppError(.unauthorized, "token does not grant registry:catalog:*")
        }
        let (limit, last) = try Self.paging(request)
        let (names, more) = try await index.repositories(after: last, limit: limit)
        var headers: HTTPFields = [:]
        if more, let limit, let next = names.last {
            headers[OCIHeaders.link] = "</v2/_catalog?n=\(limit)&last=\(PercentEncoding.encode(next))>; rel=\"next\""
        }
        return .json(Catalog(repositories: names), headers: headers)
    }

    func referrers(_ name: RepositoryName, _ digestText: String, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try authorize(context, name, "pull")
        let subject = try Self.digest(digestText)
        let artifactType = request.uri.queryParameters.get("artifactType").flatMap { $0.isEmpty ? nil : $0 }
        let manifests = try await index.referrers(of: subject, in: name, artifactType: artifactType)
        var headers: HTTPFields = [:]
        if artifactType != nil { headers[OCIHeaders.filtersApplied] = "artifactType" }
        var response = Response.json(ReferrersIndex(manifests: manifests), headers: headers)
        response.headers[.contentType] = ManifestMediaType.ociIndex
        return response
    }

    /// `n` (page size, 0…10000) and `last` (exclusive cursor).
    static func paging(_ request: Request) throws(OCIError) -> (Int?, String?) {
        let query = request.uri.queryParameters
        var limit: Int?
        if let n = query.get("n") {
            guard let value = Int(n), (0...10_000).contains(value) else {
                throw OCIError(.unsupported, "n must be a number from 0 to 10000", status: .badRequest)
            }
            limit = value
        }
        return (limit, query.get("last").flatMap { $0.isEmpty ? nil : $0 })
    }
}
