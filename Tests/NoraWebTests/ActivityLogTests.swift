import Foundation
import Logging
import NoraCore
import NoraMetadata
@testable import NoraWeb
import Testing

/// The activity log without HTTP: download bounding, batching, the audit file.
@Suite struct ActivityLogTests {
    func withLog(audit: String?, _ body: (ActivityLog, ActivityStore) async throws -> Void) async throws {
        let db = try await MetadataDatabase.open(url: "sqlite://:memory:")
        try await db.migrate(ActivityStore.migrations)
        let store = ActivityStore(db: db)
        let log = ActivityLog(store: store, retention: .init(maxEvents: 100, maxAgeSeconds: 86_400), auditPath: audit,
                              logger: Logger(label: "test"))
        do { try await body(log, store) } catch { await db.close(); throw error }
        await db.close()
    }

    @Test func downloadsCountOncePerClientVersionAndHour() async throws {
        try await withLog(audit: nil) { log, store in
            let hour: Int64 = 1_800_000_000_000 / 3_600_000 * 3_600_000
            func download(_ at: Int64, _ version: String, _ client: String) -> ActivityEvent {
                ActivityEvent(at: at, kind: .download, format: "npm", name: "a", version: version, client: client)
            }
            for event in [download(hour, "1.0.0", "10.0.0.1"), download(hour + 10, "1.0.0", "10.0.0.1"),
                          download(hour + 20, "1.0.0", "10.0.0.2"), download(hour + 30, "2.0.0", "10.0.0.1"),
                          download(hour + 3_600_000, "1.0.0", "10.0.0.1")] {
                log.record(event)
            }
            #expect(try await store.recent(format: nil, before: nil, limit: 50).isEmpty, "nothing is written before a flush")
            await log.flush()
            let written = try await store.recent(format: "npm", before: nil, limit: 50)
            #expect(written.count == 4)
            #expect(Set(written.compactMap(\.id)).count == 4)
        }
    }

    @Test func auditFileGetsWriteActionsOnlyAsJSONLines() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withLog(audit: path) { log, _ in
            log.record(ActivityEvent(at: 1_000, kind: .publish, format: "cargo", name: "x", version: "1.0.0", identity: "alice"))
            log.record(ActivityEvent(at: 2_000, kind: .download, format: "cargo", name: "x", version: "1.0.0"))
            log.record(ActivityEvent(at: 3_000, kind: .loginFailure, format: "", name: "bob", client: "10.1.1.1"))
            await log.flush()
            log.record(ActivityEvent(at: 4_000, kind: .yank, format: "cargo", name: "x", version: "1.0.0"))
            await log.flush()
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let actions = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(actions.map { $0?["action"] as? String } == ["publish", "login_failure", "yank"])
        #expect(actions.first??["identity"] as? String == "alice")
        #expect(actions.first??["time"] as? String == "1970-01-01T00:00:01.000Z" || (actions.first??["time"] as? String)?.hasPrefix("1970-01-01T00:00:01") == true)
    }
}
