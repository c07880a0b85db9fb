/// The one thing the registry needs from a `go.mod`: its `module` directive.
enum GoModFile {
    /// The module path declared in `text`, or nil when there is no module directive.
    /// Accepts `module example.com/m`, a quoted path, and the `module ( … )` block form.
    static func modulePath(_ text: String) -> String? {
        var inBlock = false
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = stripComment(rawLine).trimming(" \t\r")
            if inBlock {
                if line == ")" { inBlock = false; continue }
                if !line.isEmpty { return unquote(line) }
                continue
            }
            guard line.hasPrefix("module") else { continue }
            let rest = line.dropFirst("module".count)
            guard let first = rest.first, first == " " || first == "\t" || first == "(" || first == "\"" else { continue }
            let argument = rest.trimming(" \t")
            if argument == "(" { inBlock = true; continue }
            if argument.hasPrefix("(") && argument.hasSuffix(")") {
                return unquote(argument.dropFirst().dropLast().trimming(" \t"))
            }
            return unquote(argument)
        }
        return nil
    }

    /// A `go.mod` for a version without one (a `+incompatible` version): what the go command
    /// synthesises itself, so `.mod` and the checksum database agree.
    static func synthesized(for module: String) -> [UInt8] { Array("module \(module)\n".utf8) }

    private static func stripComment(_ line: Substring) -> Substring {
        guard let range = line.range(of: "//") else { return line }
        // A `//` inside a quoted path is not a comment.
        if line[..<range.lowerBound].filter({ $0 == "\"" }).count % 2 == 1 { return line }
        return line[..<range.lowerBound]
    }

    private static func unquote(_ text: String) -> String? {
        if text.count >= 2, let first = text.first, let last = text.last, first == last, first == "\"" || first == "`" {
            let inner = String(text.dropFirst().dropLast())
            return inner.contains("\\") ? nil : inner
        }
        return text.contains(where: { $0 == " " || $0 == "\t" }) ? nil : text
    }
}

extension StringProtocol {
    func trimming(_ set: String) -> String {
        var slice = Substring(self)
        while let c = slice.first, set.contains(c) { slice = slice.dropFirst() }
        while let c = slice.last, set.contains(c) { slice = slice.dropLast() }
        return String(slice)
    }
}
