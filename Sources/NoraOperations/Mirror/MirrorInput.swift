import Foundation

/// The input files `nora mirror` reads, one per format, turned into requests.
public enum MirrorInput: String, Sendable, CaseIterable {
    case npm, pip, cargo, go, maven, docker

    /// Parses `contents` (the file at `file`); `notes` are declarations deliberately left out.
    public func requests(_ contents: [UInt8], file: String) throws(MirrorInputError) -> (requests: [MirrorRequest], notes: [String]) {
        let text = String(decoding: contents, as: UTF8.self)
        switch self {
        case .npm: return (try NpmLockfile(json: contents, file: file).requests, [])
        case .pip: return (try PipRequirements(text: text, file: file).requests, [])
        case .cargo: return (try CargoLockfile(text: text, file: file).requests, [])
        case .go: return (try GoSumFile(text: text, file: file).requests, [])
        case .maven:
            let pom = try MavenPom(xml: contents, file: file)
            return (pom.requests, pom.skipped.map { "not mirrored: \($0)" })
        case .docker: return (try ImageList(text: text, file: file).requests, [])
        }
    }
}
