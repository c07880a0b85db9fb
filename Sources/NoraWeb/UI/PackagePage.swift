import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore

/// One package: description, install snippets, versions (or OCI tags with their manifests,
/// platforms, layers and referrers), dist-tags, dependencies and the readme as escaped text.
extension WebUI {
    func packagePage(_ request: Request, _ context: NoraRequestContext, _ layout: Layout) async throws -> Response {
        let listing = try web.listing(try context.parameters.require("format"))
        let raw = context.parameters.getCatchAll().joined(separator: "/")
        guard let name = PercentEncoding.decode(raw), !name.isEmpty,
              let detail = try await listing.detail(name: name, baseURL: web.baseURL(request)) else {
            throw AppError(.notFound, "There is no \(Display.formatName(listing.format)) package named '\(raw.prefix(200))'.")
        }
        return layout.page(title: detail.name, current: listing.format.rawValue) { h in
            h.raw("<p class=\"muted\">"); h.link("/ui/\(listing.format.rawValue)", Display.formatName(listing.format)); h.raw("</p>")
            h.element("h1", detail.name)
            if let description = detail.description { h.element("p", description) }
            h.raw("<section aria-labelledby=\"install\"><h2 id=\"install\">Install</h2>")
            for snippet in detail.install {
                h.raw("<div class=\"snippet\">"); h.element("h3", snippet.label, [("class", "muted")])
                h.raw("<div class=\"snippet-body\"><pre data-copy><code>"); h.text(snippet.text); h.raw("</code></pre></div></div>")
            }
            h.raw("</section>")
            if !detail.tags.isEmpty {
                h.raw("<section aria-labelledby=\"tags\"><h2 id=\"tags\">Dist-tags</h2><ul>")
                for tag in detail.tags.keys.sorted() {
                    h.raw("<li><code>"); h.text(tag); h.raw("</code> → "); h.text(detail.tags[tag] ?? ""); h.raw("</li>")
                }
                h.raw("</ul></section>")
            }
            versionsSection(&h, detail, isOCI: listing.format == .docker)
            if !detail.dependencies.isEmpty {
                h.raw("<section aria-labelledby=\"deps\"><h2 id=\"deps\">Dependencies</h2><ul>")
                for dependency in detail.dependencies { h.raw("<li><code>"); h.text(dependency); h.raw("</code></li>") }
                h.raw("</ul></section>")
            }
            if let readme = detail.readme, !readme.isEmpty {
                // Shown as text: the publisher's markup is never interpreted.
                h.raw("<section aria-labelledby=\"readme\"><h2 id=\"readme\">Readme</h2><pre class=\"readme\">")
                h.text(String(readme.prefix(200_000))); h.raw("</pre></section>")
            }
        }
    }

    func versionsSection(_ h: inout HTMLBuilder, _ detail: PackageDetail, isOCI: Bool) {
        h.raw("<section aria-labelledby=\"versions\"><h2 id=\"versions\">"); h.text(isOCI ? "Tags" : "Versions"); h.raw("</h2>")
        if detail.truncated { h.element("p", "Only the newest \(detail.versions.count) are shown.", [("class", "muted")]) }
        h.raw("<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">\(isOCI ? "Tag" : "Version")</th><th scope=\"col\">Published</th>")
        h.raw("<th scope=\"col\">Size</th><th scope=\"col\" class=\"hide-narrow\">Digest</th></tr></thead><tbody>")
        for version in detail.versions {
            h.raw("<tr><td><details><summary>"); h.text(version.version)
            if version.yanked { h.raw("<span class=\"badge bad\">yanked</span>") }
            if let note = version.note, !version.yanked { h.raw("<span class=\"badge warn\">"); h.text(note.hasPrefix("deprecated") ? "deprecated" : "note"); h.raw("</span>") }
            h.raw("</summary>")
            versionBody(&h, version)
            h.raw("</details></td>")
            h.element("td", version.publishedAt.map { Display.time(seconds: $0) } ?? "")
            h.element("td", version.size.map(Display.bytes) ?? "")
            h.raw("<td class=\"hide-narrow mono digest\" title=\""); h.text(version.digest ?? ""); h.raw("\">")
            h.text(Display.shortDigest(version.digest)); h.raw("</td></tr>")
        }
        h.raw("</tbody></table></div></section>")
    }

    func versionBody(_ h: inout HTMLBuilder, _ version: VersionDetail) {
        if let note = version.note { h.element("p", note, [("class", version.yanked ? "bad" : "warn")]) }
        if let digest = version.digest { h.raw("<p class=\"mono digest\">"); h.text(digest); h.raw("</p>") }
        if !version.platforms.isEmpty { h.element("p", "Platforms: " + version.platforms.joined(separator: ", ")) }
        if !version.files.isEmpty {
            h.raw("<ul>")
            for file in version.files {
                h.raw("<li>"); h.text(file.name); h.raw(" <span class=\"muted\">"); h.text(Display.bytes(file.size))
                if let kind = file.kind { h.text(" · " + kind) }
                h.raw("</span>")
                if let digest = file.digest { h.raw("<br><span class=\"mono digest\">"); h.text(digest); h.raw("</span>") }
                h.raw("</li>")
            }
            h.raw("</ul>")
        }
        if !version.referrers.isEmpty {
            h.element("p", "Referrers", [("class", "muted")])
            h.raw("<ul>")
            for ref in version.referrers {
                h.raw("<li>"); h.text(ref.kind ?? "artifact"); h.raw(" <span class=\"mono digest\">"); h.text(ref.name); h.raw("</span></li>")
            }
            h.raw("</ul>")
        }
    }
}
