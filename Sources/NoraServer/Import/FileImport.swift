import Foundation
import HTTPTypes

/// Maven files into `PUT /maven2/<path>` and raw files into `PUT /raw/<path>`, streamed: one
/// item per file. A Maven file is checked against the `.sha1`/`.md5`/`.sha256` NORA keeps beside it
/// before it is sent; one already here must have the same sha1, else the item fails.
struct FileImport: Sendable {
    let source: any NoraSource
    let registry: InProcessRegistry

    func items(maven: [NoraLayout.MavenFile], raw: [NoraLayout.RawFile]) -> [NoraImporter.Item] {
        maven.map { file in NoraImporter.Item(format: .maven, name: file.path) { try await importMaven(file) } }
            + raw.map { file in NoraImporter.Item(format: .raw, name: file.path) { try await importRaw(file) } }
    }

    func importMaven(_ file: NoraLayout.MavenFile) async throws -> NoraImporter.Outcome {
        let path = "/maven2/" + URLPath.path(file.path)
        let hashes = try await source.withFile(file.key) { try FileHashes(path: $0) }
        for (checksumKey, actual, name) in [(file.sha1Key, hashes.sha1, "sha1"), (file.md5Key, hashes.md5, "md5"),
                                            (file.sha256Key, hashes.sha256, "sha256")] {
            guard let checksumKey else { continue }
            let text = String(decoding: try await source.readSmall(checksumKey, limit: 4096), as: UTF8.self)
            let claimed = text.split(whereSeparator: \.isWhitespace).first.map { $0.lowercased() } ?? ""
            guard claimed == actual else { throw ImportFailure("corrupt: its \(name) is \(actual), NORA's .\(name) file says \(claimed.prefix(64))") }
        }
        if try await registry.send(.head, path).ok {
            let here = try await registry.send(.get, path + ".sha1")
            let sha1 = here.text.split(whereSeparator: \.isWhitespace).first.map { $0.lowercased() }
            guard sha1 == hashes.sha1 else { throw ImportFailure("a different file is already stored at this path") }
            return .present
        }
        let answer = try await source.withFile(file.key) { try await registry.send(.put, path, file: $0) }
        try answer.expectSuccess("deploy")
        return .imported
    }

    func importRaw(_ file: NoraLayout.RawFile) async throws -> NoraImporter.Outcome {
        let path = "/raw/" + URLPath.path(file.path)
        if try await registry.send(.head, path).ok { return .present }
        let answer = try await source.withFile(file.key) {
            try await registry.send(.put, path, headers: [.contentType: "application/octet-stream"], file: $0)
        }
        try answer.expectSuccess("upload")
        return .imported
    }
}
