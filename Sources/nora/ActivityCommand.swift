import ArgumentParser
import Foundation
import NoraCore
import NoraServer
import NoraWeb

/// `nora activity [--follow]`: the activity log from the metadata database, so it shows
/// the events of every replica (the same rows as `/api/activity` and the UI).
struct ActivityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activity",
        abstract: "Show recent activity (publish, download, delete, yank, login failures…); --follow keeps printing new events.",
        discussion: "Uses the same configuration as 'serve'. Events are written by the server about once a second.")

    @Option(help: "How many recent events to show first.") var limit: Int = 20
    @Option(help: "Only this format (docker, npm, pypi, cargo, go, maven, raw).") var format: String?
    @Flag(help: "Keep running and print new events as they arrive.") var follow = false
    @Flag(help: "One JSON object per line instead of columns.") var json = false

    func run() async throws {
        guard (1...500).contains(limit) else { throw ValidationError("--limit must be from 1 to 500") }
        if let format, RegistryFormat(rawValue: format == "oci" ? "docker" : format) == nil {
            throw ValidationError("--format must be one of \(RegistryFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let formatFilter = format.map { $0 == "oci" ? "docker" : $0 }
        try await withStores { parts, _ in
            let store = ActivityStore(db: parts.db)
            let recent = try await store.recent(format: formatFilter, before: nil, limit: limit)
            var last = recent.first?.id ?? 0
            for event in recent.reversed() { emit(line(event)) }
            while follow && !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                for event in try await store.after(last, format: formatFilter, limit: 500) {
                    emit(line(event))
                    last = max(last, event.id ?? last)
                }
            }
        }
    }

    /// Unbuffered, so a pipe (`| grep`) sees each event at once.
    func emit(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    func line(_ e: ActivityEvent) -> String {
        if json { return String(decoding: JSON.encode(e), as: UTF8.self) }
        return [Clock.iso8601(millis: e.at), e.kind.rawValue, e.format.isEmpty ? "-" : e.format,
                e.name + (e.version.map { "@\($0)" } ?? ""), e.identity ?? "-", e.client ?? "-", e.source.rawValue]
            .joined(separator: "\t")
    }
}
