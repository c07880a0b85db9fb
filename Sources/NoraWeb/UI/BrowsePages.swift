import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore

/// Dashboard, per-format browsing, cross-format search and the activity page.
extension WebUI {
    func dashboard(_ request: Request, _ context: NoraRequestContext, _ layout: Layout) async throws -> Response {
        let stats = try await web.formatStats()
        let storage = web.storage()
        let recent = try await web.activity.recent(format: nil, before: nil, limit: 50)
        let top = try await web.activity.topDownloads(sinceMillis: Clock.nowMillis() - 7 * 86_400_000, limit: 10)
        return layout.page(title: "Dashboard", current: "dashboard") { h in
            h.element("h1", "Dashboard")
            h.raw("<section aria-labelledby=\"formats\"><h2 id=\"formats\">Formats</h2><ul class=\"cards\">")
            for s in stats {
                guard let format = RegistryFormat(rawValue: s.format) else { continue }
                h.raw("<li class=\"card\"><h3>"); h.link("/ui/\(format.rawValue)", Display.formatName(format)); h.raw("</h3>")
                h.element("div", Self.count(s.packages, format == .docker ? "repository" : format == .raw ? "file" : "package"))
                h.element("div", Self.count(s.versions, format == .docker ? "tag" : "version"), [("class", "muted")])
                h.element("div", Display.bytes(s.bytes), [("class", "muted")])
                h.raw("</li>")
            }
            h.raw("</ul></section>")
            h.raw("<section aria-labelledby=\"server\"><h2 id=\"server\">Server</h2><ul>")
            h.element("li", "Version \(web.settings.version), up \(Display.duration(Clock.nowSeconds() - web.startedAt))")
            let used = stats.reduce(Int64(0)) { $0 + $1.bytes }
            var disk = "Stored: \(Display.bytes(used))"
            if let free = storage.freeBytes, let total = storage.totalBytes { disk += "; disk free \(Display.bytes(free)) of \(Display.bytes(total))" }
            h.element("li", disk)
            h.raw("</ul></section>")
            h.raw("<section aria-labelledby=\"top\"><h2 id=\"top\">Top downloads this week</h2>")
            if top.isEmpty { h.element("p", "No downloads recorded this week.", [("class", "muted")]) } else {
                h.raw("<ol>")
                for item in top {
                    h.raw("<li>"); h.link(Self.packageHref(item.format, item.name), item.name)
                    h.raw(" <span class=\"muted\">"); h.text("\(Display.formatName(item.format)) · \(item.downloads)"); h.raw("</span></li>")
                }
                h.raw("</ol>")
            }
            h.raw("</section><section aria-labelledby=\"recent\"><h2 id=\"recent\">Recent activity</h2>")
            activityTable(&h, recent)
            h.raw("</section>")
        }
    }

    func browse(_ request: Request, _ context: NoraRequestContext, _ layout: Layout) async throws -> Response {
        let listing = try web.listing(try context.parameters.require("format"))
        let query = try ManagementAPI.listingQuery(request.uri.queryParameters)
        let page = try await web.list([listing.format], query)
        let title = Display.formatName(listing.format)
        return layout.page(title: title, current: listing.format.rawValue) { h in
            h.element("h1", title)
            filterForm(&h, action: "/ui/\(listing.format.rawValue)", query: query, label: "Filter by name")
            packageTable(&h, page.items, showFormat: false)
            pager(&h, base: "/ui/\(listing.format.rawValue)", query: query, hasMore: page.hasMore)
        }
    }

    func search(_ request: Request, _ context: NoraRequestContext, _ layout: Layout) async throws -> Response {
        let query = try ManagementAPI.listingQuery(request.uri.queryParameters)
        let page = query.filter == nil ? nil : try await web.list(nil, query)
        return layout.page(title: "Search", current: "search") { h in
            h.element("h1", "Search all formats")
            filterForm(&h, action: "/ui/search", query: query, label: "Package name contains")
            if let page {
                h.element("p", "\(page.items.count) result\(page.items.count == 1 ? "" : "s")\(page.hasMore ? " on this page" : "")",
                          [("role", "status")])
                packageTable(&h, page.items, showFormat: true)
                pager(&h, base: "/ui/search", query: query, hasMore: page.hasMore)
            }
        }
    }

    func activityPage(_ request: Request, _ context: NoraRequestContext, _ layout: Layout) async throws -> Response {
        let params = request.uri.queryParameters
        let before = params["before"].flatMap { Int64(String($0)) }
        var format: String?
        if let name = params["format"].map(String.init), !name.isEmpty { format = try web.queryListing(name).format.rawValue }
        let items = try await web.activity.recent(format: format, before: before, limit: 100)
        return layout.page(title: "Activity", current: "activity") { h in
            h.element("h1", "Activity")
            h.raw("<form class=\"inline\" method=\"get\" action=\"/ui/activity\"><div><label for=\"format\">Format</label>")
            h.raw("<select id=\"format\" name=\"format\"><option value=\"\">All</option>")
            for f in web.formats {
                h.raw("<option value=\"\(f.rawValue)\"\(format == f.rawValue ? " selected" : "")>"); h.text(Display.formatName(f)); h.raw("</option>")
            }
            h.raw("</select></div><button type=\"submit\">Show</button></form>")
            activityTable(&h, items)
            if items.count == 100, let last = items.last?.id {
                h.raw("<nav class=\"pager\" aria-label=\"Pages\">")
                h.link("/ui/activity?before=\(last)\(format.map { "&format=\($0)" } ?? "")", "Older events")
                h.raw("</nav>")
            }
        }
    }

    // MARK: Pieces

    func filterForm(_ h: inout HTMLBuilder, action: String, query: ListingQuery, label: String) {
        h.raw("<form class=\"inline\" role=\"search\" method=\"get\" action=\""); h.text(action); h.raw("\">")
        h.raw("<div><label for=\"q\">"); h.text(label)
        h.raw("</label><input id=\"q\" name=\"q\" type=\"search\" aria-describedby=\"q-hint\" value=\"")
        h.text(query.filter ?? "")
        h.raw("\"></div>")
        h.raw("<div><label for=\"sort\">Sort by</label><select id=\"sort\" name=\"sort\">")
        h.raw("<option value=\"name\"\(query.sort == .name ? " selected" : "")>Name</option>")
        h.raw("<option value=\"updated\"\(query.sort == .updated ? " selected" : "")>Last update</option></select></div>")
        h.raw("<button type=\"submit\">Apply</button></form>")
        h.raw("<p id=\"q-hint\" class=\"muted hint\">Three or more characters match anywhere in a name; one or two match its start.</p>")
    }

    func packageTable(_ h: inout HTMLBuilder, _ items: [PackageSummary], showFormat: Bool) {
        guard !items.isEmpty else { h.element("p", "Nothing found.", [("class", "muted")]); return }
        h.raw("<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">Name</th>")
        if showFormat { h.raw("<th scope=\"col\">Format</th>") }
        h.raw("<th scope=\"col\">Latest</th><th scope=\"col\" class=\"hide-narrow\">Description</th><th scope=\"col\">Updated</th></tr></thead><tbody>")
        for item in items {
            h.raw("<tr><td>"); h.link(Self.packageHref(item.format, item.name), item.name); h.raw("</td>")
            if showFormat { h.element("td", Display.formatName(item.format)) }
            h.element("td", item.latestVersion ?? "")
            h.element("td", String((item.description ?? "").prefix(200)), [("class", "hide-narrow")])
            h.element("td", Display.time(seconds: item.updatedAt))
            h.raw("</tr>")
        }
        h.raw("</tbody></table></div>")
    }

    func pager(_ h: inout HTMLBuilder, base: String, query: ListingQuery, hasMore: Bool) {
        guard query.offset > 0 || hasMore else { return }
        func href(_ offset: Int) -> String {
            var parts = ["sort=\(query.sort.rawValue)", "offset=\(offset)"]
            if let q = query.filter { parts.insert("q=\(URLText.query(q))", at: 0) }
            if query.limit != 50 { parts.append("limit=\(query.limit)") }
            return base + "?" + parts.joined(separator: "&")
        }
        h.raw("<nav class=\"pager\" aria-label=\"Pages\">")
        if query.offset > 0 { h.link(href(max(query.offset - query.limit, 0)), "← Previous", [("rel", "prev")]) }
        if hasMore { h.link(href(query.offset + query.limit), "Next →", [("rel", "next")]) }
        h.raw("</nav>")
    }

    func activityTable(_ h: inout HTMLBuilder, _ events: [ActivityEvent]) {
        guard !events.isEmpty else { h.element("p", "No activity recorded yet.", [("class", "muted")]); return }
        h.raw("<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">Time</th><th scope=\"col\">Event</th><th scope=\"col\">Package</th>")
        h.raw("<th scope=\"col\" class=\"hide-narrow\">Who</th><th scope=\"col\" class=\"hide-narrow\">Client</th></tr></thead><tbody>")
        for e in events {
            h.raw("<tr>"); h.element("td", Display.time(seconds: e.at / 1000))
            h.element("td", e.kind.rawValue.replacingOccurrences(of: "_", with: " ") + (e.source == .proxy ? " (proxy)" : ""))
            h.raw("<td>")
            if RegistryFormat(rawValue: e.format) != nil && e.kind != .delete {
                h.link(Self.packageHref(e.format, e.name), e.name)
            } else {
                h.text(e.name)
            }
            if let v = e.version { h.raw(" <span class=\"muted\">"); h.text(v); h.raw("</span>") }
            if !e.format.isEmpty { h.raw(" <span class=\"badge\">"); h.text(Display.formatName(e.format)); h.raw("</span>") }
            h.raw("</td>")
            h.element("td", e.identity ?? "anonymous", [("class", "hide-narrow")])
            h.element("td", e.client ?? "", [("class", "hide-narrow mono")])
            h.raw("</tr>")
        }
        h.raw("</tbody></table></div>")
    }

    /// `1 package`, `2 packages`, `3 repositories`.
    static func count(_ n: Int, _ noun: String) -> String {
        guard n != 1 else { return "1 \(noun)" }
        return "\(n) " + (noun.hasSuffix("y") ? noun.dropLast() + "ies" : noun + "s")
    }

    static func packageHref(_ format: String, _ name: String) -> String {
        "/ui/\(format)/\(URLText.path(name))"
    }
}
