import NoraCore

/// The simple repository pages (PEP 503 HTML, PEP 691 JSON) with PEP 592 yanks, PEP 629
/// version meta, PEP 658/714 core-metadata and PEP 700 sizes, upload times and versions.
/// Pure rendering: the handler passes the rows and the base URL links are built on.
struct SimplePages {
    /// `http://host:port` (or the public URL) without a trailing slash.
    let base: String

    func projectURL(_ normalized: String) -> String { "\(base)/simple/\(normalized)/" }

    func fileURL(_ file: PyPIFile) -> String {
        "\(base)/simple/\(file.project)/\(PercentEncoding.encode(file.filename))"
    }

    // MARK: Project list

    struct ProjectList: Encodable {
        struct Project: Encodable { let name: String }
        let meta = Meta()
        let projects: [Project]
    }

    struct Meta: Encodable {
        let apiVersion = SimpleFormat.apiVersion
        enum CodingKeys: String, CodingKey { case apiVersion = "api-version" }
    }

    func projectListJSON(_ projects: [(name: String, display: String)]) -> [UInt8] {
        JSON.encode(ProjectList(projects: projects.map { .init(name: $0.display) }))
    }

    func projectListHTML(_ projects: [(name: String, display: String)]) -> String {
        let links = projects.map { "    <a href=\"\(HTML.escape(projectURL($0.name)))\">\(HTML.escape($0.display))</a><br />\n" }.joined()
        return page(title: "Simple index", body: links)
    }

    // MARK: Project page

    struct ProjectPage: Encodable {
        let meta = Meta()
        let name: String
        let versions: [String]
        let files: [File]
    }

    struct File: Encodable {
        let filename: String
        let url: String
        let hashes: [String: String]
        let requiresPython: String?
        let coreMetadata: [String: String]?
        let yanked: Yank
        let size: Int64
        let uploadTime: String

        enum CodingKeys: String, CodingKey {
            case filename, url, hashes, size
            case requiresPython = "requires-python", coreMetadata = "core-metadata"
            case distInfoMetadata = "dist-info-metadata", yanked, uploadTime = "upload-time"
        }

        /// Keys without a value are left out, except `core-metadata`, `dist-info-metadata`
        /// and `yanked`, which are `false` when absent (PEP 691/714).
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(filename, forKey: .filename)
            try c.encode(url, forKey: .url)
            try c.encode(hashes, forKey: .hashes)
            try c.encodeIfPresent(requiresPython, forKey: .requiresPython)
            if let coreMetadata {
                try c.encode(coreMetadata, forKey: .coreMetadata)
                try c.encode(coreMetadata, forKey: .distInfoMetadata)
            } else {
                try c.encode(false, forKey: .coreMetadata)
                try c.encode(false, forKey: .distInfoMetadata)
            }
            try c.encode(yanked, forKey: .yanked)
            try c.encode(size, forKey: .size)
            try c.encode(uploadTime, forKey: .uploadTime)
        }
    }

    /// PEP 592 in JSON: `false`, `true` (no reason) or the reason.
    enum Yank: Encodable, Equatable {
        case no, yes, reason(String)
        init(_ file: PyPIFile) {
            guard file.yanked else { self = .no; return }
            self = file.yankedReason.flatMap { $0.isEmpty ? nil : Yank.reason($0) } ?? .yes
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .no: try c.encode(false)
            case .yes: try c.encode(true)
            case .reason(let text): try c.encode(text)
            }
        }
    }

    func projectPage(name normalized: String, files: [PyPIFile]) -> ProjectPage {
        var versions: [String] = []
        for file in files where !versions.contains(file.version) { versions.append(file.version) }
        let entries = files.map { file in
            File(filename: file.filename, url: fileURL(file), hashes: ["sha256": file.digest.hex],
                 requiresPython: file.requiresPython, coreMetadata: file.metadata.map { ["sha256": $0.digest.hex] },
                 yanked: Yank(file), size: file.size, uploadTime: Clock.iso8601(millis: file.uploadedAtMillis))
        }
        return ProjectPage(name: normalized, versions: versions, files: entries)
    }

    func projectPageJSON(name normalized: String, files: [PyPIFile]) -> [UInt8] {
        JSON.encode(projectPage(name: normalized, files: files))
    }

    func projectPageHTML(display: String, files: [PyPIFile]) -> String {
        var links = ""
        for file in files {
            var attributes = "href=\"\(HTML.escape(fileURL(file)))#sha256=\(file.digest.hex)\""
            if let requires = file.requiresPython { attributes += " data-requires-python=\"\(HTML.escape(requires))\"" }
            if let metadata = file.metadata {
                attributes += " data-dist-info-metadata=\"sha256=\(metadata.digest.hex)\" data-core-metadata=\"sha256=\(metadata.digest.hex)\""
            }
            if file.yanked { attributes += " data-yanked=\"\(HTML.escape(file.yankedReason ?? ""))\"" }
            links += "    <a \(attributes)>\(HTML.escape(file.filename))</a><br />\n"
        }
        return page(title: "Links for \(display)", body: "    <h1>Links for \(HTML.escape(display))</h1>\n" + links)
    }

    private func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html>
          <head>
            <meta name="pypi:repository-version" content="\(SimpleFormat.apiVersion)">
            <title>\(HTML.escape(title))</title>
          </head>
          <body>
        \(body)  </body>
        </html>

        """
    }
}
