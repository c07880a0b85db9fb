// npm publish bodies (`PUT /<name>`) and package names.
public enum NpmFuzz {
    public static let targets: [(String, @Sendable ([UInt8]) -> Void)] = [
        ("npm-publish", publish),
        ("npm-name", name),
    ]

    static func publish(_ bytes: [UInt8]) {
        guard let document = JSONValue.parse(bytes) else { return }
        _ = document.encoded
        guard PublishRequest.isPublish(document), let text = document["name"]?.string,
              let name = try? PackageName(text), let request = try? PublishRequest(document: document, name: name) else { return }
        precondition(request.name == name, "publish for another name")
    }

    static func name(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let name = try? PackageName(text) else { return }
        let file = name.tarballFile("1.0.0")
        precondition(!file.contains("/") && !file.hasPrefix("."), "unsafe tarball file name \(file)")
        _ = SemVer(text)
    }
}
