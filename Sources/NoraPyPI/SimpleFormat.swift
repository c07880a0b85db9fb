import Foundation

/// Which representation of a simple page to serve (PEP 691 content negotiation).
enum SimpleFormat: Sendable, Equatable, CaseIterable {
    case json, html, legacyHTML

    /// The API version advertised (PEP 629); 1.1 adds PEP 700's `versions`, `size`, `upload-time`.
    static let apiVersion = "1.1"

    var contentType: String {
        switch self {
        case .json: "application/vnd.pypi.simple.v1+json"
        case .html: "application/vnd.pypi.simple.v1+html"
        case .legacyHTML: "text/html; charset=utf-8"
        }
    }

    /// `?format=` wins over `Accept`; without either, HTML (what every old client expects).
    /// nil means nothing acceptable can be served (406).
    static func negotiate(accept: String?, format: String?) -> SimpleFormat? {
        if let format { return named(format) }
        guard let accept, !accept.trimmingCharacters(in: .whitespaces).isEmpty else { return .legacyHTML }
        let ranges = accept.split(separator: ",").compactMap(MediaRange.init)
        var best: (format: SimpleFormat, q: Double)?
        // Ties go to the first in this order: HTML for wildcards, as PEP 691 suggests for compatibility.
        for candidate in [SimpleFormat.legacyHTML, .html, .json] {
            let q = candidate.quality(in: ranges)
            if q > 0, q > (best?.q ?? 0) { best = (candidate, q) }
        }
        return best?.format
    }

    /// `?format=` takes a media type (PEP 691), or the short `json` / `html`.
    static func named(_ text: String) -> SimpleFormat? {
        switch text.lowercased() {
        case "application/vnd.pypi.simple.v1+json", "application/vnd.pypi.simple.latest+json", "json": .json
        case "application/vnd.pypi.simple.v1+html", "application/vnd.pypi.simple.latest+html": .html
        case "text/html", "html": .legacyHTML
        default: nil
        }
    }

    /// The q-value of the most specific range that matches (RFC 9110 §12.5.1).
    private func quality(in ranges: [MediaRange]) -> Double {
        var best: (specificity: Int, q: Double)?
        for range in ranges {
            guard let specificity = range.matches(self) else { continue }
            if specificity > (best?.specificity ?? -1) || (specificity == best?.specificity && range.q > best!.q) {
                best = (specificity, range.q)
            }
        }
        return best?.q ?? 0
    }

    private var mediaTypes: [String] {
        switch self {
        case .json: ["application/vnd.pypi.simple.v1+json", "application/vnd.pypi.simple.latest+json"]
        case .html: ["application/vnd.pypi.simple.v1+html", "application/vnd.pypi.simple.latest+html"]
        case .legacyHTML: ["text/html"]
        }
    }

    struct MediaRange {
        let type: String
        let q: Double

        init?(_ text: Substring) {
            let parts = text.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let first = parts.first, first.contains("/") else { return nil }
            type = first.lowercased()
            var q = 1.0
            for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("q=") {
                q = Double(parameter.dropFirst(2)).map { min(max($0, 0), 1) } ?? 0
            }
            self.q = q
        }

        /// nil when the range does not cover `format`, else how specific it is (2 exact, 1 `type/*`, 0 `*/*`).
        func matches(_ format: SimpleFormat) -> Int? {
            if format.mediaTypes.contains(type) { return 2 }
            if type == "*/*" { return 0 }
            if type.hasSuffix("/*"), format.mediaTypes[0].hasPrefix(type.dropLast()) { return 1 }
            return nil
        }
    }
}
