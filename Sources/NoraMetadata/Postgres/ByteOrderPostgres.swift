import PostgresKit
import SQLKit

/// PostgreSQL as the modules see it: every `.text` column is declared `COLLATE "C"`.
///
/// SQLite compares text byte by byte (BINARY); PostgreSQL compares by the database's locale,
/// so `ORDER BY tag` and the paging predicate `tag > last` would disagree between the two
/// (and between servers with different locales). Declaring the collation on the column,
/// where every module's migrations already say `.text`, makes sorting, paging and the
/// indexes that serve them byte order on both dialects without touching module code.
struct ByteOrderPostgresDialect: SQLDialect {
    private let base = PostgresDialect()

    func customDataType(for dataType: SQLDataType) -> (any SQLExpression)? {
        if case .text = dataType { return SQLRaw(#"TEXT COLLATE "C""#) }
        return base.customDataType(for: dataType)
    }

    // Everything else is PostgreSQL's own answer.
    var name: String { base.name }
    var identifierQuote: any SQLExpression { base.identifierQuote }
    var literalStringQuote: any SQLExpression { base.literalStringQuote }
    var supportsAutoIncrement: Bool { base.supportsAutoIncrement }
    var autoIncrementClause: any SQLExpression { base.autoIncrementClause }
    var autoIncrementFunction: (any SQLExpression)? { base.autoIncrementFunction }
    func bindPlaceholder(at position: Int) -> any SQLExpression { base.bindPlaceholder(at: position) }
    func literalBoolean(_ value: Bool) -> any SQLExpression { base.literalBoolean(value) }
    var literalDefault: any SQLExpression { base.literalDefault }
    var supportsIfExists: Bool { base.supportsIfExists }
    var enumSyntax: SQLEnumSyntax { base.enumSyntax }
    var supportsDropBehavior: Bool { base.supportsDropBehavior }
    var supportsReturning: Bool { base.supportsReturning }
    var triggerSyntax: SQLTriggerSyntax { base.triggerSyntax }
    var alterTableSyntax: SQLAlterTableSyntax { base.alterTableSyntax }
    func normalizeSQLConstraint(identifier: any SQLExpression) -> any SQLExpression { base.normalizeSQLConstraint(identifier: identifier) }
    var upsertSyntax: SQLUpsertSyntax { base.upsertSyntax }
    var unionFeatures: SQLUnionFeatures { base.unionFeatures }
    var sharedSelectLockExpression: (any SQLExpression)? { base.sharedSelectLockExpression }
    var exclusiveSelectLockExpression: (any SQLExpression)? { base.exclusiveSelectLockExpression }
    func nestedSubpathExpression(in column: any SQLExpression, for path: [String]) -> (any SQLExpression)? {
        base.nestedSubpathExpression(in: column, for: path)
    }
}

/// A PostgresKit database that serialises queries with `ByteOrderPostgresDialect`, then hands
/// the finished SQL and binds to PostgresKit to run.
struct ByteOrderPostgres: SQLDatabase {
    let base: any SQLDatabase

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var dialect: any SQLDialect { ByteOrderPostgresDialect() }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        base.execute(sql: Serialized(serialize(query)), onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try await base.execute(sql: Serialized(serialize(query)), onRow)
    }

    /// A whole statement already rendered: written out verbatim with its binds.
    private struct Serialized: SQLExpression {
        let sql: String
        let binds: [any Encodable & Sendable]
        init(_ parts: (sql: String, binds: [any Encodable & Sendable])) { sql = parts.sql; binds = parts.binds }
        func serialize(to serializer: inout SQLSerializer) {
            serializer.write(sql)
            serializer.binds.append(contentsOf: binds)
        }
    }
}

/// Reads outside transactions: each statement leases a pooled connection for its duration.
struct PooledPostgres: SQLDatabase {
    let client: PostgresClient
    let logger: Logger

    var eventLoop: any EventLoop { PostgresClient.defaultEventLoopGroup.any() }
    var dialect: any SQLDialect { ByteOrderPostgresDialect() }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try await client.withConnection { connection in
            try await ByteOrderPostgres(base: connection.sql(logger: logger)).execute(sql: query, onRow)
        }
    }
}
