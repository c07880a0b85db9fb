import ArgumentParser
import Foundation
import NoraCore
import NoraMetadata
import NoraServer
import NoraStorage

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Move a registry to other stores.",
        subcommands: [MigrateDatabase.self, MigrateStorage.self]
    )
}

struct MigrateDatabase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "database",
        abstract: "Copy every row of the configured SQLite database into a PostgreSQL database.",
        discussion: """
        Creates the tables in the target (the same migrations 'serve' applies), copies each
        table in pages, then compares every table's row count and fails if one differs.
        Rows already in the target are skipped, so an interrupted copy is resumed by running
        the command again. Stop the server first (or it may write rows the copy misses);
        then point NORA_DATABASE_URL at the target. Blobs stay where they are.
        """
    )

    @Option(help: "The PostgreSQL database to copy into: postgres://user:password@host:5432/db[?sslmode=…]")
    var to: String

    func run() async throws {
        guard to.hasPrefix("postgres://") || to.hasPrefix("postgresql://") else {
            throw ValidationError("--to must be a postgres:// URL")
        }
        try await withStores { parts, logger in
            let target: MetadataDatabase
            do {
                target = try await MetadataDatabase.open(url: to, logger: logger)
            } catch {
                throw FatalError("cannot open \(MetadataDatabase.redacted(to)): \(error)")
            }
            do {
                try await target.migrate(NoraApp.migrations)
                let reports = try await MetadataCopy(from: parts.db, to: target).run { table, copied, total in
                    FileHandleOutput.stderr(Self.progressLine(table, copied, total))
                }
                await target.close()
                let rows = reports.reduce(0) { $0 + $1.target }
                print("copied \(reports.count) tables, \(rows) rows; every table's count matches")
            } catch {
                await target.close()
                throw FatalError("\(error)")
            }
        }
    }

    /// `npm_versions   [#########...........]  450/1000`
    static func progressLine(_ table: String, _ copied: Int, _ total: Int) -> String {
        let width = 20, done = total == 0 ? width : min(width, copied * width / max(total, 1))
        let bar = String(repeating: "#", count: done) + String(repeating: ".", count: width - done)
        return table.padding(toLength: 24, withPad: " ", startingAt: 0) + " [\(bar)] \(copied)/\(total)"
    }
}

struct MigrateStorage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Copy every blob of the storage folder into the configured S3 bucket.",
        discussion: """
        Reads NORA_STORAGE_PATH (the source) and the S3 settings (NORA_STORAGE_BUCKET,
        NORA_STORAGE_S3_URL, …, the target; the bucket must exist). Each blob is checked
        against its digest on the way; blobs already in the bucket are skipped, so an
        interrupted copy is resumed by running it again; at the end every blob is checked
        to be in the bucket. Then set NORA_STORAGE_MODE=s3. Uploads in progress are not moved.
        """
    )

    @Option(help: "The target: s3 (the bucket of the S3 settings).") var to: String

    func run() async throws {
        guard to == "s3" else { throw ValidationError("--to must be s3") }
        var config = try loadConfiguration()
        config.storage.mode = .local
        guard config.storage.bucket != nil, config.storage.s3AccessKey != nil, config.storage.s3SecretKey != nil else {
            throw FatalError("set NORA_STORAGE_BUCKET and the S3 credentials (NORA_STORAGE_S3_ACCESS_KEY / _SECRET_KEY or AWS_*) first")
        }
        var s3Settings = config.storage
        s3Settings.mode = .s3
        let source: any BlobStore, target: any BlobStore
        do {
            source = try await NoraApp.openBlobStore(config.storage)
            target = try await NoraApp.openBlobStore(s3Settings)
        } catch {
            throw FatalError("\(error)")
        }
        guard let bucket = target as? S3BlobStore else { throw FatalError("the target is not an S3 store") }
        let report = try await BlobMigration(from: source, to: bucket).run { done, total in
            FileHandleOutput.stderr(MigrateDatabase.progressLine("blobs", done, total))
        }
        print("copied \(report.copied) blobs (\(report.bytes) bytes), \(report.skipped) already there; every blob is in the bucket")
    }
}
