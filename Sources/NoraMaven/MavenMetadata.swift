import Foundation
import NoraCore

/// A `maven-metadata.xml` the server writes from what it has stored. One folder can need
/// several levels at once (the artifact `org.foo:bar` and the plugin group `org.foo.bar`
/// share `org/foo/bar/`), so the levels are optional parts of one document.
struct MavenMetadata: Equatable, Sendable {
    /// Artifact level: every version of `groupId:artifactId`.
    struct Versions: Equatable, Sendable {
        let groupId: String
        let artifactId: String
        /// Unordered; rendered in Maven order.
        let versions: [String]
        let lastUpdated: Int64
    }

    /// Version level of a SNAPSHOT: the newest build of each classifier+extension.
    struct Snapshot: Equatable, Sendable {
        struct Build: Equatable, Sendable {
            let classifier: String
            let fileExtension: String
            /// `1.0-20261129.135253-3`, or `1.0-SNAPSHOT` for a non-unique upload.
            let value: String
            /// `yyyyMMddHHmmss`.
            let updated: String
        }
        let groupId: String
        let artifactId: String
        let version: String
        /// The newest timestamped deploy; nil when only non-unique files exist.
        let latest: SnapshotStamp?
        let builds: [Build]
        let lastUpdated: Int64
    }

    /// Group level: the Maven plugins of a group, for prefix resolution (`mvn foo:goal`).
    struct Plugin: Equatable, Sendable {
        let artifactId: String
        let prefix: String
        let name: String
    }

    var versions: Versions?
    var snapshot: Snapshot?
    var plugins: [Plugin] = []

    var isEmpty: Bool { versions == nil && snapshot == nil && plugins.isEmpty }

    func xml() -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += snapshot != nil ? "<metadata modelVersion=\"1.1.0\">\n" : "<metadata>\n"
        if let snapshot {
            out += element("groupId", snapshot.groupId, 1) + element("artifactId", snapshot.artifactId, 1)
            out += element("version", snapshot.version, 1)
            out += "  <versioning>\n"
            if let latest = snapshot.latest {
                out += "    <snapshot>\n" + element("timestamp", latest.timestamp, 3)
                out += element("buildNumber", String(latest.buildNumber), 3) + "    </snapshot>\n"
            }
            out += element("lastUpdated", Self.stamp(snapshot.lastUpdated), 2)
            out += "    <snapshotVersions>\n"
            let builds = snapshot.builds.sorted { ($0.classifier, $0.fileExtension) < ($1.classifier, $1.fileExtension) }
            for build in builds {
                out += "      <snapshotVersion>\n"
                if !build.classifier.isEmpty { out += element("classifier", build.classifier, 4) }
                out += element("extension", build.fileExtension, 4) + element("value", build.value, 4)
                out += element("updated", build.updated, 4) + "      </snapshotVersion>\n"
            }
            out += "    </snapshotVersions>\n  </versioning>\n"
        } else if let versions {
            let ordered = versions.versions.map(MavenVersion.init).sorted()
            out += element("groupId", versions.groupId, 1) + element("artifactId", versions.artifactId, 1)
            out += "  <versioning>\n"
            if let latest = ordered.last { out += element("latest", latest.text, 2) }
            if let release = ordered.last(where: { !$0.isSnapshot }) { out += element("release", release.text, 2) }
            out += "    <versions>\n"
            for version in ordered { out += element("version", version.text, 3) }
            out += "    </versions>\n" + element("lastUpdated", Self.stamp(versions.lastUpdated), 2) + "  </versioning>\n"
        }
        if !plugins.isEmpty {
            out += "  <plugins>\n"
            for plugin in plugins.sorted(by: { $0.artifactId < $1.artifactId }) {
                out += "    <plugin>\n" + element("name", plugin.name, 3) + element("prefix", plugin.prefix, 3)
                out += element("artifactId", plugin.artifactId, 3) + "    </plugin>\n"
            }
            out += "  </plugins>\n"
        }
        return out + "</metadata>\n"
    }

    private func element(_ name: String, _ value: String, _ depth: Int) -> String {
        String(repeating: "  ", count: depth) + "<\(name)>\(HTML.escape(value))</\(name)>\n"
    }

    /// `yyyyMMddHHmmss` in UTC, Maven's `lastUpdated` form.
    static func stamp(_ seconds: Int64) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                        from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : String(v) }
        return String(c.year ?? 1970) + two(c.month) + two(c.day) + two(c.hour) + two(c.minute) + two(c.second)
    }

    /// The goal prefix Maven derives when a plugin declares none (`PluginDescriptor.
    /// getGoalPrefixFromArtifactId`): `maven-foo-plugin` and `foo-maven-plugin` → `foo`.
    static func defaultPrefix(artifactId: String) -> String {
        if artifactId == "maven-plugin-plugin" { return "plugin" }
        return artifactId.replacing(/-?maven-?/, with: "").replacing(/-?plugin-?/, with: "")
    }
}
