import Foundation
import NoraCore

/// Builds an HTML document. Text goes through `text(_:)` (escaped); only markup written
/// in this module goes through `raw(_:)`, so every value from a package or a user is escaped.
struct HTMLBuilder {
    private(set) var html = ""

    init() { html.reserveCapacity(16 * 1024) }

    mutating func raw(_ markup: String) { html += markup }
    mutating func text(_ value: String) { html += HTML.escape(value) }
    mutating func text(_ value: String?) { if let value { text(value) } }

    /// `<tag attrs>escaped text</tag>`; attribute values are escaped too.
    mutating func element(_ tag: String, _ value: String, _ attributes: [(String, String)] = []) {
        raw("<\(tag)\(Self.attributes(attributes))>"); text(value); raw("</\(tag)>")
    }

    mutating func link(_ href: String, _ label: String, _ attributes: [(String, String)] = []) {
        element("a", label, [("href", href)] + attributes)
    }

    static func attributes(_ list: [(String, String)]) -> String {
        list.map { " \($0.0)=\"\(HTML.escape($0.1))\"" }.joined()
    }
}

/// Human-readable sizes and times for the pages.
enum Display {
    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f", value) + " " + units[unit]
    }

    /// `2026-12-04 18:31 UTC`
    static func time(seconds: Int64) -> String {
        let iso = Clock.iso8601(millis: seconds * 1000)
        return String(iso.prefix(16)).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    static func duration(_ seconds: Int64) -> String {
        let d = seconds / 86400, h = (seconds % 86400) / 3600, m = (seconds % 3600) / 60
        if d > 0 { return "\(d)d \(h)h" }
        if h > 0 { return "\(h)h \(m)m" }
        return "\(m)m \(seconds % 60)s"
    }

    static func shortDigest(_ digest: String?) -> String {
        guard let digest else { return "" }
        guard let colon = digest.firstIndex(of: ":") else { return String(digest.prefix(19)) }
        return String(digest[...colon]) + digest[digest.index(after: colon)...].prefix(12)
    }

    /// The label a format goes by in the UI.
    static func formatName(_ format: RegistryFormat) -> String {
        switch format {
        case .docker: "Docker / OCI"
        case .npm: "npm"
        case .pypi: "PyPI"
        case .cargo: "Cargo"
        case .go: "Go"
        case .maven: "Maven"
        case .raw: "Raw files"
        }
    }

    static func formatName(_ raw: String) -> String {
        RegistryFormat(rawValue: raw).map { formatName($0) } ?? (raw.isEmpty ? "—" : raw)
    }
}

/// Percent-encoding for URL paths and query values built into links.
enum URLText {
    static func path(_ text: String) -> String { PercentEncoding.encode(text, keepSlash: true) }
    static func query(_ text: String) -> String { PercentEncoding.encode(text) }
}
