/// Conditional request evaluation (RFC 9110 §13) against a strong entity tag.
public enum EntityTag {
    /// `"<hex>"` for a content digest: strong, since the bytes are immutable.
    public static func quoted(_ value: String) -> String { "\"\(value)\"" }

    /// True when an `If-None-Match` / `If-Match` list contains the tag or `*`.
    /// `If-None-Match` compares weakly (a `W/` tag matches); `If-Match` compares strongly
    /// (`strong: true`), so a weak tag never satisfies it (RFC 9110 §13.1.1).
    public static func list(_ header: String?, matches tag: String?, strong: Bool = false) -> Bool {
        guard let header else { return false }
        for item in header.split(separator: ",") {
            var candidate = item.trimmingCharacters(in: " ")
            if candidate == "*" { return tag != nil }
            if candidate.hasPrefix("W/") {
                if strong { continue }
                candidate = String(candidate.dropFirst(2))
            }
            if let tag, candidate == tag { return true }
        }
        return false
    }
}
