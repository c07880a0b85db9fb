import NoraMaven

/// The artifacts a `pom.xml` declares: its parent, `dependencies` (also those under
/// `dependencyManagement`) and, when they name a version, `build` plugins. `${property}`
/// versions are resolved from `<properties>` and the project's own coordinates. No
/// transitive resolution: each declared artifact's POM and file (jar unless its type says
/// otherwise), each checked against the repository's `.sha1`.
public struct MavenPom: Sendable, Equatable {
    public struct Artifact: Sendable, Hashable {
        public let group: String
        public let artifact: String
        public let version: String
        /// nil: the POM only (parents, BOMs, `type` pom).
        public let fileExtension: String?
        public let classifier: String?
    }

    public let artifacts: [Artifact]
    /// Declarations left out, with the reason (no version here: managed by a parent or BOM).
    public let skipped: [String]

    public init(xml bytes: [UInt8], file: String = "pom.xml") throws(MirrorInputError) {
        guard let root = MiniXML.parse(bytes), root.name == "project" else {
            throw MirrorInputError(file, "not a well-formed POM (<project> document)")
        }
        let properties = Self.properties(root)
        var artifacts: [Artifact] = [], skipped: [String] = []
        func add(_ node: MiniXML, kind: String, defaultGroup: String? = nil, pomOnly: Bool = false) throws(MirrorInputError) {
            let group = try Self.resolve(node.child("groupId")?.trimmedText ?? defaultGroup ?? "", properties, file)
            let artifact = try Self.resolve(node.child("artifactId")?.trimmedText ?? "", properties, file)
            guard !group.isEmpty, !artifact.isEmpty else { throw MirrorInputError(file, "a \(kind) without groupId or artifactId") }
            guard let rawVersion = node.child("version")?.trimmedText, !rawVersion.isEmpty else {
                skipped.append("\(group):\(artifact) (\(kind) without a version here)")
                return
            }
            let version = try Self.resolve(rawVersion, properties, file)
            guard !version.contains(where: { "[](),".contains($0) }) else {
                throw MirrorInputError(file, "\(group):\(artifact): '\(version)' is a range, not one version")
            }
            let type = node.child("type")?.trimmedText ?? "jar"
            let classifier = node.child("classifier")?.trimmedText ?? (type == "test-jar" ? "tests" : nil)
            let fileExtension: String? = pomOnly || type == "pom" ? nil : Self.extensions[type, default: type]
            artifacts.append(Artifact(group: group, artifact: artifact, version: version, fileExtension: fileExtension, classifier: classifier))
        }
        if let parent = root.child("parent") { try add(parent, kind: "parent", pomOnly: true) }
        for dependency in (root.at("dependencies")?.all("dependency") ?? []) + (root.at("dependencyManagement/dependencies")?.all("dependency") ?? [])
        where dependency.child("scope")?.trimmedText != "system" {
            try add(dependency, kind: "dependency", pomOnly: dependency.child("scope")?.trimmedText == "import")
        }
        for plugin in (root.at("build/plugins")?.all("plugin") ?? []) + (root.at("build/pluginManagement/plugins")?.all("plugin") ?? []) {
            try add(plugin, kind: "plugin", defaultGroup: "org.apache.maven.plugins")
        }
        var seen = Set<Artifact>()
        self.artifacts = artifacts.filter { seen.insert($0).inserted }
        self.skipped = skipped
    }

    /// Packaging types whose file has another extension.
    static let extensions = ["test-jar": "jar", "maven-plugin": "jar", "ejb": "jar", "bundle": "jar", "ejb-client": "jar"]

    static func properties(_ root: MiniXML) -> [String: String] {
        var values: [String: String] = [:]
        for property in root.child("properties")?.children ?? [] { values[property.name] = property.trimmedText }
        let group = root.child("groupId")?.trimmedText ?? root.at("parent/groupId")?.trimmedText
        let version = root.child("version")?.trimmedText ?? root.at("parent/version")?.trimmedText
        for (key, value) in [("project.groupId", group), ("pom.groupId", group), ("groupId", group),
                             ("project.version", version), ("pom.version", version), ("version", version),
                             ("project.artifactId", root.child("artifactId")?.trimmedText),
                             ("project.parent.version", root.at("parent/version")?.trimmedText),
                             ("project.parent.groupId", root.at("parent/groupId")?.trimmedText)] {
            if let value, values[key] == nil { values[key] = value }
        }
        return values
    }

    /// Replaces `${name}` until none is left (properties may name properties); an unknown one is an error.
    static func resolve(_ text: String, _ properties: [String: String], _ file: String) throws(MirrorInputError) -> String {
        var result = text
        for _ in 0..<10 {
            guard let start = result.range(of: "${"), let end = result[start.upperBound...].firstIndex(of: "}") else { return result }
            let name = String(result[start.upperBound..<end])
            guard let value = properties[name] else { throw MirrorInputError(file, "property ${\(name)} is not defined in this POM") }
            result.replaceSubrange(start.lowerBound...end, with: value)
        }
        throw MirrorInputError(file, "properties in '\(text)' refer to each other in a loop")
    }

    public var requests: [MirrorRequest] {
        artifacts.flatMap { artifact -> [MirrorRequest] in
            let directory = "/maven2/\(artifact.group.replacingOccurrences(of: ".", with: "/"))/\(artifact.artifact)/\(artifact.version)"
            let stem = "\(directory)/\(artifact.artifact)-\(artifact.version)"
            let name = "maven \(artifact.group):\(artifact.artifact):\(artifact.version)"
            var files = [("pom", stem + ".pom")]
            if let ext = artifact.fileExtension {
                files.append((artifact.classifier.map { "\($0).\(ext)" } ?? ext, stem + (artifact.classifier.map { "-\($0)" } ?? "") + ".\(ext)"))
            }
            return files.map { kind, path in Self.checked("\(name) \(kind)", path: path) }
        }
    }

    /// The `.sha1` first (mvn reads it too), then the file, checked against it.
    static func checked(_ label: String, path: String) -> MirrorRequest {
        MirrorRequest("\(label) .sha1", path: path + ".sha1") { body throws(MirrorInputError) in
            let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let hex = String(text.prefix { !$0.isWhitespace }).lowercased()
            guard hex.count == 40, hex.allSatisfy(\.isHexDigit) else { throw MirrorInputError(label + " .sha1", "not a SHA-1 checksum") }
            return [MirrorRequest(label, path: path, check: .sha1(hex))]
        }
    }
}
