import NoraCore
import NoraMetadata
import SQLKit

/// The `activity_events` table: every replica writes its events here, so every replica's
/// UI shows all of them. Bounded by `ActivityLog`'s retention (count and age).
///
///     activity_events(id PK auto, at_ms, kind, format, name, version, identity, client, source)
public struct ActivityStore: Sendable {
    let db: MetadataDatabase

    public init(db: MetadataDatabase) { self.db = db }

    public static let migrations: [Migration] = [
        Migration("web-001-activity") { db in
            try await db.create(table: "activity_events")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("at_ms", type: .bigint, .notNull)
                .column("kind", type: .text, .notNull)
                .column("format", type: .text, .notNull)
                .column("name", type: .text, .notNull)
                .column("version", type: .text)
                .column("identity", type: .text)
                .column("client", type: .text)
                .column("source", type: .text, .notNull)
                .run()
            try await db.create(index: "activity_events_format").on("activity_events").column("format").column("id").run()
            try await db.create(index: "activity_events_at").on("activity_events").column("at_ms").run()
            try await db.create(index: "activity_events_kind").on("activity_events").column("kind").column("at_ms").run()
        }
    ]

    /// Writes a batch in one transaction.
    public func insert(_ events: [ActivityEvent]) async throws {
        guard !events.isEmpty else { return }
        try await db.transaction { db in
            var insert = db.insert(into: "activity_events")
                .columns("at_ms", "kind", "format", "name", "version", "identity", "client", "source")
            for e in events {
                insert = insert.values(SQLBind(e.at), SQLBind(e.kind.rawValue), SQLBind(e.format), SQLBind(e.name), SQLBind(e.version),
                                       SQLBind(e.identity), SQLBind(e.client), SQLBind(e.source.rawValue))
            }
            try await insert.run()
        }
    }

    /// Newest first; `before` is an event id (for paging back), `format` filters.
    public func recent(format: String?, before: Int64?, limit: Int) async throws -> [ActivityEvent] {
        var select = db.reader.select().columns(Self.columns).from("activity_events")
        if let format { select = select.where("format", .equal, format) }
        if let before { select = select.where("id", .lessThan, before) }
        return try Self.events(try await select.orderBy("id", .descending).limit(min(max(limit, 1), 500)).all())
    }

    /// Oldest first, after event `id` (following the log).
    public func after(_ id: Int64, format: String?, limit: Int) async throws -> [ActivityEvent] {
        var select = db.reader.select().columns(Self.columns).from("activity_events").where("id", .greaterThan, id)
        if let format { select = select.where("format", .equal, format) }
        return try Self.events(try await select.orderBy("id").limit(limit).all())
    }

    static let columns = ["id", "at_ms", "kind", "format", "name", "version", "identity", "client", "source"]

    static func events(_ rows: [any SQLRow]) throws -> [ActivityEvent] {
        try rows.compactMap { row in
            guard let kind = ActivityKind(rawValue: try row.decode(column: "kind")) else { return nil }
            return ActivityEvent(id: try row.decode(column: "id"), at: try row.decode(column: "at_ms"), kind: kind,
                                 format: try row.decode(column: "format"), name: try row.decode(column: "name"),
                                 version: try row.decode(column: "version", as: String?.self),
                                 identity: try row.decode(column: "identity", as: String?.self),
                                 client: try row.decode(column: "client", as: String?.self),
                                 source: ActivitySource(rawValue: try row.decode(column: "source")) ?? .local)
        }
    }

    public struct Popular: Sendable, Codable, Equatable {
        public let format: String
        public let name: String
        public let downloads: Int64
    }

    /// The most downloaded packages since `sinceMillis` (downloads are deduplicated per client and hour).
    public func topDownloads(sinceMillis: Int64, limit: Int) async throws -> [Popular] {
        try await db.reader.select().columns("format", "name").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("activity_events").where("kind", .equal, ActivityKind.download.rawValue).where("at_ms", .greaterThanOrEqual, sinceMillis)
            .groupBy("format").groupBy("name").orderBy(SQLOrderBy(expression: SQLIdentifier("n"), direction: SQLDirection.descending)).orderBy("name").limit(limit).all()
            .map { Popular(format: try $0.decode(column: "format"), name: try $0.decode(column: "name"), downloads: try $0.decode(column: "n")) }
    }

    /// Deletes events older than `maxAgeMillis` and all but the newest `maxCount`. Returns how many went.
    public func prune(nowMillis: Int64, maxAgeMillis: Int64, maxCount: Int) async throws -> Int {
        try await db.transaction { db in
            let before = try await Self.count(db)
            try await db.delete(from: "activity_events").where("at_ms", .lessThan, nowMillis - maxAgeMillis).run()
            // The id of the oldest event to keep, found through the primary key.
            if let row = try await db.select().column("id").from("activity_events").orderBy("id", .descending)
                .limit(1).offset(maxCount - 1).first() {
                try await db.delete(from: "activity_events").where("id", .lessThan, try row.decode(column: "id", as: Int64.self)).run()
            }
            let after = try await Self.count(db)
            return Int(before - after)
        }
    }

    static func count(_ db: any SQLDatabase) async throws -> Int64 {
        try ListingSQL.integer(try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("activity_events").first(), "n")
    }
}
