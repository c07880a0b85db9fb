import NoraCore

// Maven repository paths and the XML clients send (POMs, group maven-metadata.xml).
public enum MavenFuzz {
    public static let targets: [(String, @Sendable ([UInt8]) -> Void)] = [
        ("maven-path", path),
        ("maven-xml", xml),
    ]

    static func path(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let artifactPath = try? ArtifactPath(encoded: text) else { return }
        for isFolder in [false, true] {
            guard let parsed = try? MavenPath(artifactPath, isFolder: isFolder) else { continue }
            if case .file(let file) = parsed { _ = file }
        }
        _ = try? MavenFile(segments: artifactPath.segments)
    }

    static func xml(_ bytes: [UInt8]) {
        guard let root = MiniXML.parse(bytes) else { return }
        _ = PomSummary(bytes)
        for entry in root.child("plugins")?.all("plugin") ?? [] {
            if let id = entry.child("artifactId")?.trimmedText { _ = MavenPath.isValidID(id) }
        }
        _ = root.at("versioning/versions")?.all("version")
    }
}
