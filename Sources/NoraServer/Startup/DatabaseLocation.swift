import Foundation
import Logging
import NoraCore

/// Which database URL a start uses. The embedded SQLite file lives inside the storage
/// folder; installations from before that change keep theirs beside it, and are found
/// there so nobody's data disappears on upgrade — but only for a storage folder that
/// already holds blobs, so a new server whose storage folder shares a parent with an old
/// one's never picks up the other's database.
enum DatabaseLocation {
    static func resolve(_ config: NoraConfig, logger: Logger) -> String {
        let current = config.effectiveDatabaseURL
        guard let legacy = config.legacyDatabaseURL,
              let currentPath = sqlitePath(current), let legacyPath = sqlitePath(legacy),
              !FileManager.default.fileExists(atPath: currentPath),
              FileManager.default.fileExists(atPath: legacyPath),
              holdsBlobs(config.storageFolder)
        else { return current }
        logger.warning("using the database at its old default place, beside the storage folder", metadata: [
            "database": .string(legacyPath), "new_default": .string(currentPath),
            "to_move_it": .string("stop nora, then move \(legacyPath) (and its -wal/-shm files) to \(currentPath)"),
        ])
        return legacy
    }

    static func sqlitePath(_ url: String) -> String? {
        guard url.hasPrefix("sqlite://") else { return nil }
        let path = String(url.dropFirst("sqlite://".count))
        return path == ":memory:" ? nil : path
    }

    static func holdsBlobs(_ storage: String) -> Bool {
        let blobs = storage + "/blobs"
        guard let algorithms = try? FileManager.default.contentsOfDirectory(atPath: blobs) else { return false }
        return algorithms.contains { !((try? FileManager.default.contentsOfDirectory(atPath: blobs + "/" + $0)) ?? []).isEmpty }
    }
}
