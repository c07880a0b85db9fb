import Hummingbird
import NoraCore

/// `cargo search`: `GET /cargo/api/v1/crates?q=&per_page=&page=` → crates whose name or
/// description contains the query, by name, with their highest non-yanked version.
extension CargoRegistry {
    struct SearchResult: Encodable {
        struct Crate: Encodable { let name: String; let max_version: String; let description: String? }
        struct Meta: Encodable { let total: Int }
        let crates: [Crate]
        let meta: Meta
    }

    func search(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        let query = request.uri.queryParameters
        let text = query.get("q") ?? ""
        guard text.utf8.count <= 256 else { throw CargoError(.invalidRequest, "the search text is longer than 256 bytes") }
        let perPage = try Self.number(query.get("per_page"), default: 10, range: 1...100, "per_page")
        let page = try Self.number(query.get("page"), default: 1, range: 1...100_000, "page")
        let (crates, total) = try await index.search(text, limit: perPage, offset: (page - 1) * perPage)
        var results: [SearchResult.Crate] = []
        for crate in crates {
            let versions = try await index.versions(CrateName.key(crate.name), in: index.db.reader)
            results.append(.init(name: crate.name, max_version: Self.maxVersion(versions), description: crate.description))
        }
        return .json(SearchResult(crates: results, meta: .init(total: total)))
    }

    /// The highest version not yanked (the highest of all when every one is).
    static func maxVersion(_ versions: [CrateIndex.Version]) -> String {
        let parsed = versions.compactMap { v in (try? SemanticVersion(v.version)).map { ($0, v.yanked) } }
        let live = parsed.filter { !$0.1 }.map(\.0)
        return (live.isEmpty ? parsed.map(\.0) : live).max()?.text ?? "0.0.0"
    }

    static func number(_ text: String?, default value: Int, range: ClosedRange<Int>, _ name: String) throws(CargoError) -> Int {
        guard let text else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw CargoError(.invalidRequest, "\(name) must be a number in \(range.lowerBound)-\(range.upperBound)")
        }
        return n
    }
}
