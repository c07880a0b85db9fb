import ArgumentParser
import Foundation
import NoraCore
import NoraServer

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent backup (database snapshot and every blob it names) to a file.",
        discussion: """
        The server may keep running. The file is a zip archive: nora-backup.json (a manifest with
        counts and digests), metadata.sqlite (a snapshot taken with VACUUM INTO) and
        blobs/<alg>/<hex> for every blob the snapshot names. With --since, only blobs the earlier
        backup does not hold are written (restore the full backup and then this one). SQLite
        databases only; for PostgreSQL use pg_dump and copy the storage.
        """
    )

    @Argument(help: "The backup file to write (e.g. nora-2026-12-04.zip).") var file: String
    @Option(help: "An earlier backup: write only the blobs it does not hold.") var since: String?

    func run() async throws {
        let meter = ProgressMeter(label: "backing up")
        let manifest: Backup.Manifest
        do {
            manifest = try await withStores { parts, _ in
                try await Backup.write(to: file, parts: parts, since: since, progress: { meter.update($0, $1, $2, $3) })
            }
        } catch let failure as Backup.Failure {
            meter.finish()
            throw FatalError(failure.description)
        }
        meter.finish()
        print("wrote \(file): \(manifest.included.count) blobs (\(manifest.includedBytes) bytes) of \(manifest.referenced.count) "
              + "named by the database\(since.map { ", incremental to \($0)" } ?? "")")
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore backups into the configured (empty) storage folder and SQLite database.",
        discussion: """
        Give the full backup, then any incremental ones (--since) in the order they were made.
        Every blob is checked against its digest while it is written; the database comes from
        the last file. The server must not be running on this location. An existing database or
        stored blobs are refused unless --force.
        """
    )

    @Argument(help: "Backup files: the full one first, then incremental ones in order.") var files: [String]
    @Flag(help: "Restore even if the location already holds a database or blobs.") var force = false

    func run() async throws {
        let config = try loadConfiguration()
        let url = config.effectiveDatabaseURL
        guard url.hasPrefix("sqlite://") else { throw FatalError("restore writes an SQLite database; NORA_DATABASE_URL is \(url)") }
        let meter = ProgressMeter(label: "restoring")
        do {
            let (blobs, bytes) = try await Backup.restore(files, storagePath: config.storage.path,
                                                          databasePath: String(url.dropFirst("sqlite://".count)), force: force,
                                                          progress: { meter.update($0, $1, $2, $3) })
            meter.finish()
            print("restored \(blobs) blobs (\(bytes) bytes) and the database into \(config.storage.path)")
        } catch let failure as Backup.Failure {
            meter.finish()
            throw FatalError(failure.description)
        }
    }
}
