import Foundation

/// Just enough XML for the small documents the server reads (a POM's packaging and name,
/// the plugin entries of a client's group metadata): elements, text, entities, comments,
/// CDATA and processing instructions; attributes are skipped, namespaces ignored.
/// A malformed document yields nil; nothing here needs more than a best-effort read.
public struct MiniXML: Equatable, Sendable {
    public let name: String
    public var text: String = ""
    public var children: [MiniXML] = []

    /// The first child named `name`.
    public func child(_ name: String) -> MiniXML? { children.first { $0.name == name } }
    public func all(_ name: String) -> [MiniXML] { children.filter { $0.name == name } }
    /// Follows a path of child names (`build/plugins`).
    public func at(_ path: String) -> MiniXML? {
        var node: MiniXML? = self
        for part in path.split(separator: "/") { node = node?.child(String(part)) }
        return node
    }
    public var trimmedText: String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    public static func parse(_ bytes: [UInt8]) -> MiniXML? {
        var parser = Parser(bytes: bytes)
        return parser.document()
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func document() -> MiniXML? {
            var stack: [MiniXML] = []
            var root: MiniXML?
            while i < bytes.count {
                if bytes[i] != UInt8(ascii: "<") {
                    let start = i
                    while i < bytes.count, bytes[i] != UInt8(ascii: "<") { i += 1 }
                    if !stack.isEmpty { stack[stack.count - 1].text += Self.decode(bytes[start..<i]) }
                    continue
                }
                if starts("<!--") { guard skip(past: "-->") else { return nil }; continue }
                if starts("<![CDATA[") {
                    let start = i + 9
                    guard skip(past: "]]>") else { return nil }
                    if !stack.isEmpty { stack[stack.count - 1].text += String(decoding: bytes[start..<(i - 3)], as: UTF8.self) }
                    continue
                }
                if starts("<?") || starts("<!") { guard skip(past: ">") else { return nil }; continue }
                let closing = i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "/")
                let tagStart = i + (closing ? 2 : 1)
                guard skip(past: ">") else { return nil }
                let tag = bytes[tagStart..<(i - 1)]
                let selfClosing = tag.last == UInt8(ascii: "/")
                let nameEnd = tag.firstIndex { $0 == 0x20 || $0 == 0x09 || $0 == 0x0a || $0 == 0x0d || $0 == UInt8(ascii: "/") } ?? tag.endIndex
                var name = String(decoding: tag[tag.startIndex..<nameEnd], as: UTF8.self)
                if let colon = name.lastIndex(of: ":") { name = String(name[name.index(after: colon)...]) }
                if closing {
                    guard let open = stack.popLast(), open.name == name else { return nil }
                    if stack.isEmpty { root = open } else { stack[stack.count - 1].children.append(open) }
                } else if selfClosing {
                    let empty = MiniXML(name: name)
                    if stack.isEmpty { root = empty } else { stack[stack.count - 1].children.append(empty) }
                } else {
                    stack.append(MiniXML(name: name))
                }
            }
            return stack.isEmpty ? root : nil
        }

        func starts(_ text: String) -> Bool {
            let needle = Array(text.utf8)
            return i + needle.count <= bytes.count && Array(bytes[i..<(i + needle.count)]) == needle
        }

        /// Moves just past the next `marker`; false when there is none.
        mutating func skip(past marker: String) -> Bool {
            let needle = Array(marker.utf8)
            var j = i
            while j + needle.count <= bytes.count {
                if bytes[j] == needle[0] && Array(bytes[j..<(j + needle.count)]) == needle { i = j + needle.count; return true }
                j += 1
            }
            return false
        }

        static func decode(_ raw: ArraySlice<UInt8>) -> String {
            let text = String(decoding: raw, as: UTF8.self)
            guard text.contains("&") else { return text }
            return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
                .replacingOccurrences(of: "&amp;", with: "&")
        }
    }
}

/// What the server needs from a POM.
struct PomSummary: Equatable, Sendable {
    let packaging: String
    let name: String?
    /// `maven-plugin-plugin`'s `<goalPrefix>`, when the POM sets one.
    let goalPrefix: String?

    init(packaging: String, name: String?, goalPrefix: String?) {
        self.packaging = packaging; self.name = name; self.goalPrefix = goalPrefix
    }

    init?(_ bytes: [UInt8]) {
        guard let root = MiniXML.parse(bytes), root.name == "project" else { return nil }
        packaging = root.child("packaging")?.trimmedText ?? "jar"
        name = root.child("name")?.trimmedText
        let plugins = (root.at("build/plugins")?.all("plugin") ?? []) + (root.at("build/pluginManagement/plugins")?.all("plugin") ?? [])
        goalPrefix = plugins.first { $0.child("artifactId")?.trimmedText == "maven-plugin-plugin" }?
            .at("configuration/goalPrefix")?.trimmedText
    }
}
