import NoraCore
import SQLKit

/// Every package of every format in one table, kept by the database itself (see
/// `CatalogSource`), so the web UI and the management API page, sort and search with index
/// reads only — never a scan of a format's tables on the request path.
///
///     package_catalog(id, format, name, lname, updated_at)   PK(id); UNIQUE(format, name); (format, updated_at DESC, name); (lname);
///                                                        (name, format); (updated_at DESC, name, format)
///     package_grams(gram, id)                            PK(gram, id) — id of the catalog row
///     catalog_positions(i)                               1…maxIndexedLength, for the gram trigger
///
/// Search is by substring: a name is a candidate when it holds every three-character gram of
/// the query (an index lookup per gram), and candidates are then checked with `LIKE`.
/// Queries of one or two characters match names that start with them (`lname` range).
public struct PackageCatalog: Sendable {
    /// Grams are taken from the first this many characters of a name; longer names are found
    /// by substrings that start within them.
    public static let maxIndexedLength = 1024

    let db: MetadataDatabase
    /// A filter whose most selective index read yields at most this many rows is answered
    /// from those rows; above it matches are dense and walking the sort order finds a page sooner.
    let candidateLimit: Int

    public init(db: MetadataDatabase) { self.init(db: db, candidateLimit: 2000) }

    init(db: MetadataDatabase, candidateLimit: Int) { self.db = db; self.candidateLimit = candidateLimit }

    /// The tables and the gram triggers; every format's migrations include it (applied once).
    public static let baseMigration = Migration("catalog-001-tables") { db in
        let postgres = db.dialect.name == "postgresql"
        try await db.create(table: "package_catalog")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("format", type: .text, .notNull)
            .column("name", type: .text, .notNull)
            .column("lname", type: .text, .notNull)
            .column("updated_at", type: .bigint, .notNull)
            .run()
        try await db.create(index: "package_catalog_key").unique().on("package_catalog").column("format").column("name").run()
        // In the order of the "last update" sort (newest first, then by name), so it is a walk.
        try await db.raw("CREATE INDEX package_catalog_updated ON package_catalog (format, updated_at DESC, name)").run()
        try await db.create(index: "package_catalog_lname").on("package_catalog").column("lname").run()
        // Pages across every format (the API without `format`) walk these in order.
        try await db.create(index: "package_catalog_name").on("package_catalog").column("name").column("format").run()
        try await db.raw("CREATE INDEX package_catalog_recent ON package_catalog (updated_at DESC, name, format)").run()
        // A gram row is (3 characters, catalog id): the primary key is the whole row, and on
        // SQLite the table is that index alone (WITHOUT ROWID).
        try await db.raw(SQLQueryString("""
            CREATE TABLE package_grams (gram TEXT\(unsafeRaw: postgres ? " COLLATE \"C\"" : "") NOT NULL, id BIGINT NOT NULL,
            PRIMARY KEY (gram, id))\(unsafeRaw: postgres ? "" : " WITHOUT ROWID")
            """)).run()
        try await db.create(table: "catalog_positions").column("i", type: .bigint, .primaryKey(autoIncrement: false)).run()
        let positions = (1...maxIndexedLength).map { "(\($0))" }.joined(separator: ",")
        try await db.raw(SQLQueryString("INSERT INTO catalog_positions (i) VALUES " + positions)).run()
        for statement in gramTriggers(postgres: postgres) {
            try await db.raw(SQLQueryString(statement)).run()
        }
    }

    static func gramTriggers(postgres: Bool) -> [String] {
        /// The distinct grams of a row's `lname` (and `also`, another column of the SELECT).
        func grams(_ row: String, also: String = "") -> String {
            "SELECT DISTINCT substr(\(row).lname, CAST(i AS INTEGER), 3)\(also) FROM catalog_positions WHERE i <= length(\(row).lname) - 2"
        }
        let insert = "INSERT INTO package_grams (gram, id) \(grams("NEW", also: ", NEW.id"))"
        // By primary key: the old name's grams, each with the id.
        let delete = "DELETE FROM package_grams WHERE id = OLD.id AND gram IN (\(grams("OLD")))"
        if postgres {
            return ["""
                CREATE OR REPLACE FUNCTION catalog_grams() RETURNS trigger LANGUAGE plpgsql AS $nora$ BEGIN
                IF TG_OP = 'DELETE' THEN \(delete); ELSE \(insert); END IF; RETURN NULL; END $nora$
                """,
                "CREATE TRIGGER catalog_grams AFTER INSERT OR DELETE ON package_catalog FOR EACH ROW EXECUTE FUNCTION catalog_grams()"]
        }
        return ["CREATE TRIGGER catalog_grams_insert AFTER INSERT ON package_catalog BEGIN \(insert); END",
                "CREATE TRIGGER catalog_grams_delete AFTER DELETE ON package_catalog BEGIN \(delete); END"]
    }

    /// A format's migration: the base tables (once), its triggers, and its existing packages.
    public static func migration(_ id: String, _ source: CatalogSource) -> [Migration] {
        [baseMigration, Migration(id) { db in
            for statement in source.triggerStatements(postgres: db.dialect.name == "postgresql") {
                try await db.raw(SQLQueryString(statement)).run()
            }
            try await db.raw(SQLQueryString(source.upsert(nil))).run()
        }]
    }

    /// The tables the catalog derives from the formats' own (not copied by `migrate database`:
    /// the target's triggers rebuild them).
    public static let derivedTables: Set<String> = ["package_catalog", "package_grams", "catalog_positions"]

    /// How a page is read: every row of the formats in sort order (no filter, or a filter
    /// that matches densely, checked by `LIKE` as the walk goes), or the rows of one gram's
    /// posting list or of a name-prefix range, checked and then sorted.
    enum Driver: Equatable {
        case walk
        case gram(String)
        case prefix
    }

    /// One page of `formats`' packages, filtered by `query.filter` and sorted by `query.sort`.
    public func page(formats: [RegistryFormat], _ query: ListingQuery) async throws -> (entries: [CatalogEntry], hasMore: Bool) {
        guard !formats.isEmpty else { return ([], false) }
        let driver = try await driver(formats: formats, query.filter.map(CatalogSearchTerm.init))
        let rows = try await pageQuery(formats: formats, query, driver: driver).all()
        let entries = try rows.compactMap { row -> CatalogEntry? in
            guard let format = RegistryFormat(rawValue: try row.decode(column: "format", as: String.self)) else { return nil }
            return CatalogEntry(format: format, name: try row.decode(column: "name"), updatedAt: try row.decode(column: "updated_at"))
        }
        return (Array(entries.prefix(query.limit)), entries.count > query.limit)
    }

    /// Counts, each capped just above `candidateLimit` (so a probe reads at most that many
    /// index entries), the rows of each access path the term offers, in one query; picks the
    /// smallest when it is within the limit.
    func driver(formats: [RegistryFormat], _ term: CatalogSearchTerm?) async throws -> Driver {
        guard let term else { return .walk }
        let formatList = Self.formatList(formats)
        let cap = candidateLimit + 1
        let probes: [(Driver, SQLQueryString)]
        if let grams = term.grams {
            probes = term.probeGrams(grams).map { gram in
                (.gram(gram), SQLQueryString("SELECT 1 AS x FROM package_grams WHERE gram = \(bind: gram) LIMIT \(literal: cap)"))
            }
        } else {
            probes = [(.prefix, SQLQueryString("""
                SELECT 1 AS x FROM package_catalog WHERE lname >= \(bind: term.text) AND lname < \(bind: term.text + "\u{10FFFF}") LIMIT \(literal: cap)
                """))]
        }
        var union = SQLQueryString("")
        for (i, probe) in probes.enumerated() {
            if i > 0 { union.appendLiteral(" UNION ALL ") }
            union.appendInterpolation(SQLQueryString("SELECT \(literal: i) AS k, COUNT(*) AS n FROM (\(probe.1)) AS p\(literal: i)"))
        }
        var best: (index: Int, count: Int)?
        for row in try await db.reader.raw(union).all() {
            let index = try row.decode(column: "k", as: Int.self), count = try row.decode(column: "n", as: Int.self)
            if best.map({ count < $0.count }) ?? true { best = (index, count) }
        }
        guard let best, best.count <= candidateLimit else { return .walk }
        return probes[best.index].0
    }

    static func formatList(_ formats: [RegistryFormat]) -> SQLGroupExpression {
        SQLGroupExpression(formats.map { SQLBind($0.rawValue) as any SQLExpression })
    }

    func pageQuery(formats: [RegistryFormat], _ query: ListingQuery, driver: Driver) -> SQLSelectBuilder {
        let formatList = Self.formatList(formats)
        var select = db.reader.select().column(SQLColumn("format", table: "c")).column(SQLColumn("name", table: "c"))
            .column(SQLColumn("updated_at", table: "c"))
        let term = query.filter.map(CatalogSearchTerm.init)
        switch (driver, term) {
        case (.gram(let gram), let term?):
            // The CROSS JOIN keeps SQLite reading the posting list first, `c` by key after.
            select = select.from(SQLQueryString("""
                (SELECT id FROM package_grams WHERE gram = \(bind: gram)) m CROSS JOIN package_catalog c
                """))
                .where(SQLQueryString("c.id = m.id AND c.format IN \(formatList) AND c.lname LIKE \(bind: term.likePattern) ESCAPE '\\'"))
        case (.prefix, let term?):
            select = select.from(SQLAlias(SQLIdentifier("package_catalog"), as: SQLIdentifier("c")))
                .where(SQLColumn("lname", table: "c"), .greaterThanOrEqual, SQLBind(term.text))
                .where(SQLColumn("lname", table: "c"), .lessThan, SQLBind(term.text + "\u{10FFFF}"))
                .where(SQLQueryString("c.format IN \(formatList)"))
        default:
            select = select.from(SQLAlias(SQLIdentifier("package_catalog"), as: SQLIdentifier("c")))
            if let term {
                // `lname || ''`: checked row by row during the walk, never an index to sort after;
                // SQLite is told the check mostly passes (the driver chose the walk because it
                // does), or it would rather read every row and sort.
                let pattern = term.grams == nil ? term.prefixPattern : term.likePattern
                let check = SQLQueryString("(c.lname || '') LIKE \(bind: pattern) ESCAPE '\\'")
                select = select.where(db.dialect == .sqlite ? SQLQueryString("likelihood(\(check), 0.9375)") : check)
            }
            if formats.count == 1 {
                select = select.where(SQLColumn("format", table: "c"), .equal, SQLBind(formats[0].rawValue))
            } else {
                // Several formats are nearly every row: `format || ''` keeps the planners from
                // picking the format index over the ordered walk of the name or update index.
                select = select.where(SQLQueryString("(c.format || '') IN \(formatList)"))
            }
        }
        switch query.sort {
        case .name: select = select.orderBy(SQLColumn("name", table: "c")).orderBy(SQLColumn("format", table: "c"))
        case .updated: select = select.orderBy(SQLOrderBy(expression: SQLColumn("updated_at", table: "c"), direction: SQLDirection.descending))
                .orderBy(SQLColumn("name", table: "c")).orderBy(SQLColumn("format", table: "c"))
        }
        return select.limit(query.fetchLimit).offset(query.offset)
    }
}

/// A search filter as the catalog matches it: lowercased the way both databases' `lower()`
/// lowercase (ASCII letters only), split into the grams the trigger stores.
struct CatalogSearchTerm: Equatable {
    let text: String

    init(_ filter: String) {
        text = String(String.UnicodeScalarView(filter.unicodeScalars.map { scalar in
            ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar
        }))
    }

    /// The distinct three-character grams, or nil when the term is shorter (prefix match).
    var grams: [String]? {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 3 else { return nil }
        var seen: [String] = []
        for start in 0...(scalars.count - 3) {
            let gram = String(String.UnicodeScalarView(scalars[start..<start + 3]))
            if !seen.contains(gram) { seen.append(gram) }
        }
        return seen
    }

    /// At most `maxProbes` of `grams`, spread over the term (rare grams are as likely anywhere).
    func probeGrams(_ grams: [String], maxProbes: Int = 12) -> [String] {
        guard grams.count > maxProbes else { return grams }
        return (0..<maxProbes).map { grams[$0 * (grams.count - 1) / (maxProbes - 1)] }
    }

    /// `%term%` with `%`, `_` and `\` escaped by `\` (the queries add `ESCAPE '\'`).
    var likePattern: String { "%\(escaped)%" }
    /// `term%`, escaped the same way.
    var prefixPattern: String { "\(escaped)%" }

    private var escaped: String {
        var escaped = ""
        for c in text.unicodeScalars {
            if c == "%" || c == "_" || c == "\\" { escaped.append("\\") }
            escaped.unicodeScalars.append(c)
        }
        return escaped
    }
}
