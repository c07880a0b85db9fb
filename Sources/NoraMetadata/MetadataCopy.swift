import Logging
import NoraCore
import SQLKit

/// Copies every row of a registry's SQLite database into a PostgreSQL one (`nora migrate
/// database`), so a single-machine registry can grow into replicas without re-publishing.
///
/// The target gets its schema from the same migrations first (so its text columns are
/// byte-ordered); then each table is copied in pages in rowid order. Rows already in the
/// target are skipped (`ON CONFLICT DO NOTHING`), so an interrupted copy is resumed by
/// running it again. Finally every table's row count is compared.
public struct MetadataCopy: Sendable {
    public struct TableReport: Sendable, Equatable {
        public let table: String
        public let source: Int
        public let target: Int
    }

    public enum Failure: Error, CustomStringConvertible {
        case countMismatch([TableReport])
        case unsupported(String)
        public var description: String {
            switch self {
            case .countMismatch(let tables):
                "row counts differ after the copy: " + tables.map { "\($0.table) \($0.source) → \($0.target)" }.joined(separator: ", ")
            case .unsupported(let reason): reason
            }
        }
    }

    let source: MetadataDatabase
    let target: MetadataDatabase
    let pageSize: Int

    public init(from source: MetadataDatabase, to target: MetadataDatabase, pageSize: Int = 500) {
        self.source = source; self.target = target; self.pageSize = pageSize
    }

    /// Copies every table; `progress(table, copied, total)` is called after each page.
    public func run(progress: @Sendable (String, Int, Int) -> Void) async throws -> [TableReport] {
        guard source.dialect == .sqlite, target.dialect == .postgres else {
            throw Failure.unsupported("copies from SQLite to PostgreSQL only")
        }
        var reports: [TableReport] = []
        for table in try await tables() {
            let columns = try await targetColumns(table)
            let total = try await count(table, in: source.reader)
            var last: Int64 = 0, copied = 0
            while true {
                let rows = try await source.reader.raw("""
                    SELECT rowid AS nora_copy_rowid, * FROM \(ident: table) WHERE rowid > \(bind: last) ORDER BY rowid LIMIT \(literal: pageSize)
                    """).all()
                guard let lastRow = rows.last else { break }
                try await insert(rows, into: table, columns: columns)
                last = try lastRow.decode(column: "nora_copy_rowid", as: Int64.self)
                copied += rows.count
                progress(table, copied, total)
            }
            try await advanceIdentitySequences(of: table)
            reports.append(TableReport(table: table, source: total, target: try await count(table, in: target.reader)))
        }
        let wrong = reports.filter { $0.source != $0.target }
        guard wrong.isEmpty else { throw Failure.countMismatch(wrong) }
        return reports
    }

    /// The source's tables, except the migration record (the target keeps its own) and the
    /// catalog (the target's triggers fill it from the copied rows).
    func tables() async throws -> [String] {
        try await source.reader.raw("""
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'nora_migrations' ORDER BY name
            """).all().map { try $0.decode(column: "name", as: String.self) }.filter { !PackageCatalog.derivedTables.contains($0) }
    }

    /// Column names of `table` in the target, with whether each holds integers.
    func targetColumns(_ table: String) async throws -> [(name: String, integer: Bool)] {
        let rows = try await target.reader.raw("""
            SELECT column_name, data_type FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = \(bind: table) ORDER BY ordinal_position
            """).all()
        guard !rows.isEmpty else { throw Failure.unsupported("table \(table) does not exist in the target (unknown module?)") }
        return try rows.map { row in
            let type = try row.decode(column: "data_type", as: String.self)
            return (try row.decode(column: "column_name", as: String.self), ["bigint", "integer", "smallint"].contains(type))
        }
    }

    func insert(_ rows: [any SQLRow], into table: String, columns: [(name: String, integer: Bool)]) async throws {
        try await target.transaction { db in
            for row in rows {
                let values: [any SQLExpression] = try columns.map { column in
                    column.integer ? SQLBind(try row.decode(column: column.name, as: Int64?.self))
                                   : SQLBind(try row.decode(column: column.name, as: String?.self))
                }
                try await db.insert(into: table).columns(columns.map(\.name)).values(values)
                    .ignoringConflicts().run()
            }
        }
    }

    /// Rows were copied with their ids, which PostgreSQL's identity sequences do not see: left
    /// alone, the next insert (an activity event, say) would draw id 1 and collide. Each
    /// sequence is moved past the largest copied id.
    func advanceIdentitySequences(of table: String) async throws {
        let identities = try await target.reader.raw("""
            SELECT column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = \(bind: table)
              AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')
            """).all().map { try $0.decode(column: "column_name", as: String.self) }
        for column in identities {
            try await target.transaction { db in
                try await db.raw("""
                    SELECT setval(pg_get_serial_sequence(\(bind: table), \(bind: column)), m)
                    FROM (SELECT MAX(\(ident: column)) AS m FROM \(ident: table)) AS copied WHERE m IS NOT NULL
                    """).run()
            }
        }
    }

    func count(_ table: String, in db: any SQLDatabase) async throws -> Int {
        let row = try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()
        return Int(try row?.decode(column: "n", as: Int64.self) ?? 0)
    }
}
