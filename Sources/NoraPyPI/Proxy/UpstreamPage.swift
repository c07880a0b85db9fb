import Foundation
import NoraCore

/// A project page as an upstream index serves it, in either PEP 691 JSON or PEP 503 HTML:
/// everything a client needs is kept (hashes, `requires-python`, yanks with reasons,
/// core-metadata availability and hashes, sizes, upload times).
struct UpstreamPage: Sendable, Equatable {
    var name: String
    /// PEP 700 `versions` when the upstream gave them.
    var versions: [String]?
    var files: [UpstreamFile]

    func file(named filename: String) -> UpstreamFile? { files.first { $0.filename == filename } }
}

struct UpstreamFile: Sendable, Equatable {
    enum Yank: Sendable, Equatable { case no, yes, reason(String) }
    /// PEP 658/714: no metadata file, one without a known hash, or one with hashes.
    enum CoreMetadata: Sendable, Equatable { case absent, available([String: String]) }

    var filename: String
    /// Absolute upstream URL, fragment removed.
    var url: String
    var hashes: [String: String]
    var requiresPython: String?
    var coreMetadata: CoreMetadata = .absent
    var yanked: Yank = .no
    var size: Int64?
    var uploadTime: String?

    /// The digest downloads are verified against: sha256 (else sha512) from `hashes`.
    var expected: Digest? {
        for algorithm in [Digest.Algorithm.sha256, .sha512] {
            if let hex = hashes[algorithm.rawValue], let digest = try? Digest(algorithm: algorithm, hex: hex.lowercased()) { return digest }
        }
        return nil
    }

    var metadataExpected: Digest? {
        guard case .available(let hashes) = coreMetadata, let hex = hashes["sha256"] else { return nil }
        return try? Digest(algorithm: .sha256, hex: hex.lowercased())
    }
}

extension UpstreamPage {
    /// Parses an upstream page fetched from `pageURL`, by its content type (JSON or HTML).
    static func parse(_ bytes: [UInt8], contentType: String?, pageURL: String, project: String) -> UpstreamPage? {
        if contentType?.lowercased().contains("json") == true { return parseJSON(bytes, pageURL: pageURL) }
        return parseHTML(String(decoding: bytes, as: UTF8.self), pageURL: pageURL, project: project)
    }

    static func parseJSON(_ bytes: [UInt8], pageURL: String) -> UpstreamPage? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let files = object["files"] as? [[String: Any]] else { return nil }
        var parsed: [UpstreamFile] = []
        for file in files {
            guard let filename = file["filename"] as? String, let href = file["url"] as? String,
                  let url = resolve(href, against: pageURL) else { continue }
            var entry = UpstreamFile(filename: filename, url: url, hashes: file["hashes"] as? [String: String] ?? [:])
            entry.requiresPython = (file["requires-python"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            entry.coreMetadata = coreMetadata(file["core-metadata"] ?? file["dist-info-metadata"] ?? file["data-dist-info-metadata"])
            switch file["yanked"] {
            case let reason as String: entry.yanked = reason.isEmpty ? .yes : .reason(reason)
            case let flag as Bool: entry.yanked = flag ? .yes : .no
            default: break
            }
            entry.size = (file["size"] as? NSNumber)?.int64Value
            entry.uploadTime = file["upload-time"] as? String
            parsed.append(entry)
        }
        return UpstreamPage(name: object["name"] as? String ?? "", versions: object["versions"] as? [String], files: parsed)
    }

    private static func coreMetadata(_ value: Any?) -> UpstreamFile.CoreMetadata {
        switch value {
        case let hashes as [String: String]: .available(hashes)
        case let flag as Bool: flag ? .available([:]) : .absent
        default: .absent
        }
    }

    /// PEP 503 HTML: one `<a>` per file; the hash in the URL fragment, the rest in `data-*` attributes.
    static func parseHTML(_ html: String, pageURL: String, project: String) -> UpstreamPage? {
        var files: [UpstreamFile] = []
        var rest = Substring(html)
        while let open = rest.range(of: "<a", options: .caseInsensitive) {
            rest = rest[open.upperBound...]
            guard let tagEnd = rest.firstIndex(of: ">") else { break }
            let attributes = Self.attributes(rest[..<tagEnd])
            rest = rest[rest.index(after: tagEnd)...]
            let textEnd = rest.range(of: "</a", options: .caseInsensitive)?.lowerBound ?? rest.endIndex
            let text = HTMLText.unescape(String(rest[..<textEnd])).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let href = attributes["href"] else { continue }
            let parts = href.split(separator: "#", maxSplits: 1)
            guard let url = resolve(String(parts[0]), against: pageURL) else { continue }
            var hashes: [String: String] = [:]
            if parts.count == 2, let eq = parts[1].firstIndex(of: "=") {
                hashes[String(parts[1][..<eq]).lowercased()] = String(parts[1][parts[1].index(after: eq)...])
            }
            let filename = text.isEmpty ? (URL(string: url)?.lastPathComponent ?? "") : text
            var file = UpstreamFile(filename: filename, url: url, hashes: hashes)
            file.requiresPython = attributes["data-requires-python"].flatMap { $0.isEmpty ? nil : $0 }
            if let metadata = attributes["data-core-metadata"] ?? attributes["data-dist-info-metadata"] {
                file.coreMetadata = metadataAttribute(metadata)
            }
            if let reason = attributes["data-yanked"] { file.yanked = reason.isEmpty ? .yes : .reason(reason) }
            files.append(file)
        }
        return UpstreamPage(name: project, versions: nil, files: files)
    }

    /// `true` or `<alg>=<hex>`.
    private static func metadataAttribute(_ value: String) -> UpstreamFile.CoreMetadata {
        guard let eq = value.firstIndex(of: "=") else { return value.lowercased() == "false" ? .absent : .available([:]) }
        return .available([String(value[..<eq]).lowercased(): String(value[value.index(after: eq)...])])
    }

    /// `name="value"` / `name='value'` / bare `name` pairs of a tag, names lowercased, values unescaped.
    static func attributes(_ tag: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var i = tag.startIndex
        func skipSpaces() { while i < tag.endIndex, tag[i].isWhitespace || tag[i] == "/" { i = tag.index(after: i) } }
        func skipSpacesOnly() { while i < tag.endIndex, tag[i].isWhitespace { i = tag.index(after: i) } }
        while true {
            skipSpaces()
            guard i < tag.endIndex else { break }
            let nameStart = i
            while i < tag.endIndex, !tag[i].isWhitespace, tag[i] != "=" { i = tag.index(after: i) }
            let name = tag[nameStart..<i].lowercased()
            skipSpacesOnly()
            guard i < tag.endIndex, tag[i] == "=" else { result[name] = ""; continue }
            i = tag.index(after: i)
            skipSpacesOnly()
            guard i < tag.endIndex else { result[name] = ""; break }
            let value: Substring
            if tag[i] == "\"" || tag[i] == "'" {
                let quote = tag[i]
                let start = tag.index(after: i)
                let end = tag[start...].firstIndex(of: quote) ?? tag.endIndex
                value = tag[start..<end]
                i = end < tag.endIndex ? tag.index(after: end) : end
            } else {
                let start = i
                while i < tag.endIndex, !tag[i].isWhitespace { i = tag.index(after: i) }
                value = tag[start..<i]
            }
            result[name] = HTMLText.unescape(String(value))
        }
        return result
    }

    static func resolve(_ href: String, against base: String) -> String? {
        guard let url = URL(string: href, relativeTo: URL(string: base)) else { return nil }
        var components = URLComponents(url: url.absoluteURL, resolvingAgainstBaseURL: true)
        components?.fragment = nil
        return components?.string
    }
}

/// Character references in HTML attribute values and text (`&gt;=3.8`, `&#39;`).
enum HTMLText {
    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            rest = rest[amp...]
            guard let semi = rest.prefix(12).firstIndex(of: ";") else { out += "&"; rest = rest.dropFirst(); continue }
            let entity = rest[rest.index(after: rest.startIndex)..<semi]
            if let character = decode(entity) {
                out.append(character)
                rest = rest[rest.index(after: semi)...]
            } else {
                out += "&"; rest = rest.dropFirst()
            }
        }
        return out + rest
    }

    private static func decode(_ entity: Substring) -> Character? {
        switch entity {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default:
            guard entity.hasPrefix("#") else { return nil }
            let number = entity.dropFirst()
            let value = number.hasPrefix("x") || number.hasPrefix("X") ? UInt32(number.dropFirst(), radix: 16) : UInt32(number)
            return value.flatMap(Unicode.Scalar.init).map(Character.init)
        }
    }
}
