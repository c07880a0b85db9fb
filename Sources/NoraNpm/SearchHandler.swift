import Hummingbird
import NoraCore
import SQLKit

/// `GET /-/v1/search?text=&size=&from=` in the shape npm (and libnpmsearch) reads.
extension NpmRegistry {
    func search(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        let query = request.uri.queryParameters
        let size = try Self.integer(query.get("size"), default: 20, in: 1...250, "size")
        let from = try Self.integer(query.get("from"), default: 0, in: 0...1_000_000, "from")
        let search = NpmSearch(text: query.get("text") ?? "")
        // Hosted packages are ranked in memory from their summary rows (name, description,
        // keywords): small enough for a private registry, and portable SQL.
        let rows = try await db.reader.select().columns("name", "description", "keywords").from("npm_packages")
            .where("latest", .isNot, SQLLiteral.null).all()
        let candidates = try rows.map { row in
            NpmSearch.Candidate(name: try row.decode(column: "name"),
                                description: try row.decode(column: "description", as: String?.self),
                                keywords: (try row.decode(column: "keywords", as: String?.self) ?? "").split(separator: " ").map(String.init))
        }
        let hits = search.rank(candidates)
        let base = baseURL(request)
        var objects: [JSONValue] = []
        for hit in hits.dropFirst(from).prefix(size) {
            guard let name = try? PackageName(hit.name), let state = try await index.state(name),
                  let latest = state.latest else { continue }
            objects.append(Self.searchObject(state, latest: latest, score: hit.score, base: base))
        }
        return .json(JSONValue.object([
            "objects": .array(objects), "total": .int(Int64(hits.count)),
            "time": .string(Clock.iso8601(millis: Clock.nowMillis())),
        ]))
    }

    static func searchObject(_ state: PackageState, latest: PackageState.Version, score: Double, base: String) -> JSONValue {
        let people: [JSONValue] = state.maintainers.map { .object(["username": .string($0), "email": .string("")]) }
        var package: [String: JSONValue] = [
            "name": .string(state.name.value),
            "scope": .string(state.name.scope.map { String($0.dropFirst()) } ?? "unscoped"),
            "version": .string(latest.version),
            "description": latest.manifest["description"] ?? .string(""),
            "keywords": .array((latest.manifest["keywords"]?.stringList ?? []).map { .string($0) }),
            "date": .string(Clock.iso8601(millis: latest.publishedAt)),
            "links": .object(["npm": .string("\(base)/npm/\(state.name.value)")]),
            "publisher": .object(["username": .string(latest.publisher ?? "anonymous"), "email": .string("")]),
            "maintainers": .array(people),
        ]
        if let homepage = latest.manifest["homepage"]?.string { package["links"]?["homepage"] = .string(homepage) }
        let detail = JSONValue.object(["quality": .double(score), "popularity": .double(score), "maintenance": .double(score)])
        return .object(["package": .object(package), "score": .object(["final": .double(score), "detail": detail]),
                        "searchScore": .double(score)])
    }

    static func integer(_ text: String?, default value: Int, in range: ClosedRange<Int>, _ name: String) throws(NpmError) -> Int {
        guard let text else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw NpmError(.invalidDocument, "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return n
    }
}
