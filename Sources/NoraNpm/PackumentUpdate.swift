/// What a whole-document write (`npm deprecate`, the first step of `npm unpublish pkg@v`)
/// changes, worked out by comparing the document npm sends back with what is stored.
///
/// Only two changes are accepted: a version's `deprecated` text (set, or cleared with an
/// empty string) and, when `allowRemovals` (a `PUT …/-rev/<rev>`), versions left out.
/// Anything else a client edits in a version is refused: published versions are immutable.
struct PackumentUpdate: Sendable, Equatable {
    /// Versions to unpublish.
    var removed: [String] = []
    /// New deprecation message per version; nil clears it.
    var deprecations: [String: String?] = [:]

    var isEmpty: Bool { removed.isEmpty && deprecations.isEmpty }

    init(document: JSONValue, state: PackageState, allowRemovals: Bool) throws(NpmError) {
        guard document.object != nil else { throw NpmError(.invalidDocument, "body must be a JSON object") }
        if let bodyName = document["name"]?.string, bodyName != state.name.value {
            throw NpmError(.nameMismatch, "package name '\(bodyName.prefix(214))' does not match the URL's '\(state.name)'")
        }
        guard let versions = document["versions"]?.object else {
            throw NpmError(.invalidDocument, "body has no versions")
        }
        for (version, sent) in versions {
            guard let stored = state.version(version) else {
                throw NpmError(.invalidDocument, "version \(version.prefix(100)) is not published; publish it with its tarball")
            }
            guard Self.comparable(sent) == Self.comparable(stored.manifest) else {
                throw NpmError(.forbidden, "version \(version) is immutable: only 'deprecated' may change")
            }
            let message: String?
            switch sent["deprecated"] {
            case .string(let text) where !text.isEmpty: message = text
            case nil, .null, .string: message = nil
            default: throw NpmError(.invalidDocument, "versions['\(version)'].deprecated must be a string")
            }
            if message != stored.deprecated { deprecations[version] = .some(message) }
        }
        if allowRemovals {
            removed = state.versions.map(\.version).filter { versions[$0] == nil }.sorted()
        }
    }

    /// A manifest without what may legitimately differ between the stored and the echoed
    /// copy: `deprecated` (the change itself), `dist.tarball` (rendered per request),
    /// `_npmUser` (added when served).
    static func comparable(_ manifest: JSONValue) -> JSONValue {
        var object = manifest.object ?? [:]
        object["deprecated"] = nil
        object["_npmUser"] = nil
        object["readme"] = nil
        if var dist = object["dist"]?.object {
            dist["tarball"] = nil
            object["dist"] = .object(dist)
        }
        return .object(object)
    }
}
