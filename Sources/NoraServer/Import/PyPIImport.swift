import Foundation
import HTTPTypes

/// NORA's `pypi/<name>/<file>` into `POST /simple/` (the upload API twine uses): one item per
/// wheel or sdist, streamed in a multipart form. NORA keeps no digest for these files, so
/// the handler's own checks (name, version, a readable archive with its metadata) decide.
struct PyPIImport: Sendable {
    let source: any NoraSource
    let registry: InProcessRegistry

    func items(_ files: [NoraLayout.PyPIFile]) -> [NoraImporter.Item] {
        files.map { file in
            NoraImporter.Item(format: .pypi, name: "\(file.project)/\(file.filename)") { try await upload(file) }
        }
    }

    /// (name, version, filetype) as the file name spells them.
    static func parse(_ filename: String) -> (String, String, String)? {
        if filename.hasSuffix(".whl") {
            let parts = filename.dropLast(4).split(separator: "-")
            guard parts.count == 5 || parts.count == 6 else { return nil }
            return (String(parts[0]), String(parts[1]), "bdist_wheel")
        }
        guard filename.hasSuffix(".tar.gz") else { return nil }
        let stem = filename.dropLast(7)
        guard let dash = stem.lastIndex(of: "-") else { return nil }
        return (String(stem[..<dash]), String(stem[stem.index(after: dash)...]), "sdist")
    }

    func upload(_ file: NoraLayout.PyPIFile) async throws -> NoraImporter.Outcome {
        guard let (name, version, filetype) = Self.parse(file.filename) else {
            throw ImportFailure("'\(file.filename)' is not a wheel or sdist name")
        }
        if try await listed(file.project).contains(file.filename) { return .present }
        let boundary = "nora-import-\(UUID().uuidString)"
        var head = ""
        for (field, value) in [(":action", "file_upload"), ("protocol_version", "1"), ("name", name), ("version", version),
                               ("filetype", filetype), ("pyversion", filetype == "sdist" ? "source" : "")] {
            head += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"\r\n\r\n\(value)\r\n"
        }
        head += "--\(boundary)\r\nContent-Disposition: form-data; name=\"content\"; filename=\"\(file.filename)\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n"
        let answer = try await source.withFile(file.key) { path in
            let body = FramedFileBody(head: Array(head.utf8), path: path, tail: Array("\r\n--\(boundary)--\r\n".utf8))
            return try await registry.send(.post, "/simple/", headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                                           body: body, length: body.length)
        }
        try answer.expectSuccess("upload")
        return .imported
    }

    /// The files the project already has here (PEP 691 JSON page).
    func listed(_ project: String) async throws -> Set<String> {
        let answer = try await registry.send(.get, "/simple/\(URLPath.segment(project))/",
                                             headers: [.accept: "application/vnd.pypi.simple.v1+json"])
        guard answer.ok, let page = try? LooseJSON.object(Array(answer.body.readableBytesView), "simple page") else { return [] }
        return Set((page["files"] as? [[String: Any]] ?? []).compactMap { $0["filename"] as? String })
    }
}
