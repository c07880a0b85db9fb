import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore

/// The read side of the management API (the tokens API lives in NoraAuth's `TokenAPI`).
/// Errors use the one JSON shape of `/api/` (`{"error": "…"}`, see `JSONErrorDialect`).
///
///     GET /api/stats                               counts per format, storage, uptime
///     GET /api/packages?format=&q=&sort=&limit=&offset=   a page of packages (all formats without format=)
///     GET /api/packages/{format}/{name}            one package with its versions
///     GET /api/activity?format=&limit=&before=     events, newest first
struct ManagementAPI {
    let web: NoraWeb

    func register(on router: Router<NoraRequestContext>) {
        router.get("api/stats") { request, context in try await stats(request, context) }
        router.get("api/packages") { request, context in try await packages(request, context) }
        router.get("api/packages/:format/**") { request, context in try await package(request, context) }
        router.get("api/activity") { request, context in try await activity(request, context) }
    }

    struct Stats: Encodable {
        let version: String
        let uptimeSeconds: Int64
        let storage: NoraWeb.Storage
        let formats: [FormatStats]
        enum CodingKeys: String, CodingKey { case version, storage, formats; case uptimeSeconds = "uptime_seconds" }
    }

    func stats(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try web.access.require(.read, try await web.access.viewer(request, context))
        return .json(Stats(version: web.settings.version, uptimeSeconds: Clock.nowSeconds() - web.startedAt,
                           storage: web.storage(), formats: try await web.formatStats()))
    }

    func packages(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try web.access.require(.read, try await web.access.viewer(request, context))
        let params = request.uri.queryParameters
        let query = try Self.listingQuery(params)
        if let format = params["format"].map(String.init), !format.isEmpty {
            return .json(try await web.list([web.queryListing(format).format], query))
        }
        return .json(try await web.list(nil, query))
    }

    func package(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try web.access.require(.read, try await web.access.viewer(request, context))
        let listing = try web.listing(try context.parameters.require("format"))
        let name = context.parameters.getCatchAll().joined(separator: "/")
        guard let decoded = PercentEncoding.decode(name), !decoded.isEmpty,
              let detail = try await listing.detail(name: decoded, baseURL: web.baseURL(request)) else {
            throw AppError(.notFound, "no \(listing.format.rawValue) package '\(name.prefix(200))'")
        }
        return .json(detail)
    }

    struct ActivityPage: Encodable {
        let items: [ActivityEvent]
        let nextBefore: Int64?
        enum CodingKeys: String, CodingKey { case items; case nextBefore = "next_before" }
    }

    func activity(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try web.access.require(.read, try await web.access.viewer(request, context))
        let params = request.uri.queryParameters
        let limit = try Self.integer(params["limit"].map(String.init), name: "limit", default: 50, range: 1...500)
        let before = try params["before"].map { text throws(AppError) in
            guard let id = Int64(text), id > 0 else { throw AppError(.badRequest, "before must be a positive event id") }
            return id
        }
        var format = params["format"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        if let name = format { format = try web.queryListing(name).format.rawValue }
        let items = try await web.activity.recent(format: format, before: before, limit: limit)
        return .json(ActivityPage(items: items, nextBefore: items.count == limit ? items.last?.id : nil))
    }

    static func listingQuery(_ params: Parameters) throws(AppError) -> ListingQuery {
        let sortText = params["sort"].map(String.init) ?? "name"
        guard let sort = ListingSort(rawValue: sortText.isEmpty ? "name" : sortText) else {
            throw AppError(.badRequest, "sort must be name or updated")
        }
        return ListingQuery(filter: params["q"].map(String.init), sort: sort,
                            limit: try integer(params["limit"].map(String.init), name: "limit", default: 50, range: 1...ListingQuery.maxLimit),
                            offset: try integer(params["offset"].map(String.init), name: "offset", default: 0, range: 0...1_000_000))
    }

    static func integer(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws(AppError) -> Int {
        guard let text, !text.isEmpty else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw AppError(.badRequest, "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }
}

extension NoraWeb {
    /// One page of `formats`' packages (all of them when nil): the catalog pages, sorts and
    /// filters; each format then fills in its rows (latest version, description).
    func list(_ formats: [RegistryFormat]?, _ query: ListingQuery) async throws -> ListingPage {
        let page = try await catalog.page(formats: formats ?? self.formats, query)
        var found: [RegistryFormat: [String: PackageSummary]] = [:]
        for format in Set(page.entries.map(\.format)) {
            guard let listing = listings[format] else { continue }
            found[format] = try await listing.summaries(page.entries.filter { $0.format == format })
        }
        let items = page.entries.compactMap { entry -> PackageSummary? in
            guard var summary = found[entry.format]?[entry.name] else { return nil }
            summary.updatedAt = entry.updatedAt
            return summary
        }
        return ListingPage(items: items, offset: query.offset, limit: query.limit, hasMore: page.hasMore)
    }
}
