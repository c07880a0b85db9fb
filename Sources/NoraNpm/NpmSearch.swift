/// Ranking for `npm search`: every word of the query must match a package's name,
/// keywords or description; matches on the name weigh most. Qualifiers: `keywords:a,b`
/// (all must be keywords of the package) and `scope:x`.
struct NpmSearch: Sendable, Equatable {
    struct Candidate: Sendable, Equatable {
        let name: String
        let description: String?
        /// Lowercase keywords.
        let keywords: [String]
    }

    struct Hit: Sendable, Equatable {
        let name: String
        /// In 0...1; 1 means the query is the package's name.
        let score: Double
    }

    let words: [String]
    let keywords: [String]
    let scope: String?

    init(text: String) {
        var words: [String] = [], keywords: [String] = [], scope: String?
        for token in text.lowercased().split(whereSeparator: \.isWhitespace) {
            if token.hasPrefix("keywords:") {
                keywords += token.dropFirst("keywords:".count).split(separator: ",").map(String.init)
            } else if token.hasPrefix("scope:") {
                let value = token.dropFirst("scope:".count)
                scope = value.hasPrefix("@") ? String(value) : "@" + value
            } else {
                words.append(String(token))
            }
        }
        self.words = words
        self.keywords = keywords
        self.scope = scope
    }

    /// Ranked best first; equal scores by name.
    func rank(_ candidates: [Candidate]) -> [Hit] {
        candidates.compactMap(score).sorted { $0.score != $1.score ? $0.score > $1.score : $0.name < $1.name }
    }

    func score(_ c: Candidate) -> Hit? {
        let name = c.name.lowercased()
        if let scope, !name.hasPrefix(scope + "/") { return nil }
        guard keywords.allSatisfy(c.keywords.contains) else { return nil }
        guard !words.isEmpty else { return Hit(name: c.name, score: 1) }
        let bare = name.split(separator: "/").last.map(String.init) ?? name
        let description = c.description?.lowercased() ?? ""
        var total = 0.0
        for word in words {
            let points: Double
            if name == word || bare == word { points = 10 }
            else if name.hasPrefix(word) || bare.hasPrefix(word) { points = 6 }
            else if name.contains(word) { points = 4 }
            else if c.keywords.contains(word) { points = 3 }
            else if c.keywords.contains(where: { $0.contains(word) }) { points = 2 }
            else if description.contains(word) { points = 1 }
            else { return nil }
            total += points
        }
        return Hit(name: c.name, score: total / (10 * Double(words.count)))
    }
}
