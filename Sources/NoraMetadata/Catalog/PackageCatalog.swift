import NoraCore
import SQLKit

/// Every package of every format in one table, kept by the database itself (see
/// `CatalogSource`), so the web UI and the management API page, sort and search with index
/// reads only — never a scan of a format's tables on the request path.
///
///     package_catalog(id, format, name, lname, updated_at)   PK(id); UNIQUE(format, name); (format, updated_at, name); (lname);
///                                                        (name, format); (updated_at, name, format)
///     package_grams(gram, id)                            PK(gram, id) — id of the catalog row
///     catalog_positions(i)                               1…maxIndexedLength, for the gram trigger
///
/// Search is by substring (three or more characters) or name prefix (one or two). One capped
/// probe picks how a page is read (`Driver`): the rarest gram's posting list, the prefix range,
/// or a walk of the sort order; every candidate is checked against the whole term.
public struct PackageCatalog: Sendable {
    /// Grams are taken from the first this many characters of a name; longer names are found
    /// by substrings that start within them.
    public static let maxIndexedLength = 1024

    let db: MetadataDatabase
    /// A filter whose most selective index read yields at most this many rows is answered
    /// from those rows; above it matches are dense and walking the sort order finds a page sooner.
    let candidateLimit: Int

    public init(db: MetadataDatabase) { self.init(db: db, candidateLimit: 1000) }

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
        // Read backwards, these give the "last update" order (see `ordered`).
        try await db.create(index: "package_catalog_updated").on("package_catalog").column("format").column("updated_at").column("name").run()
        try await db.create(index: "package_catalog_lname").on("package_catalog").column("lname").run()
        // Pages across every format (the API without `format`) walk these in order.
        try await db.create(index: "package_catalog_name").on("package_catalog").column("name").column("format").run()
        try await db.create(index: "package_catalog_recent").on("package_catalog").column("updated_at").column("name").column("format").run()
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

    /// PostgreSQL plans the catalog's reads from its statistics, and without fresh ones (a
    /// bulk publish or import less than autovacuum's minute ago) it reads a whole format
    /// through the format index and sorts. This analyzes the catalog tables when either changed
    /// by more than a tenth (and 50 rows) since last analyzed; on SQLite it does nothing (its
    /// plans come from the query shapes). Returns whether it analyzed.
    public func refreshStatistics() async throws -> Bool {
        guard db.dialect == .postgres else { return false }
        let rows = try await db.reader.raw("""
            SELECT n_mod_since_analyze AS changed, n_live_tup AS live FROM pg_stat_user_tables
            WHERE schemaname = current_schema() AND relname IN ('package_catalog', 'package_grams')
            """).all()
        let stale = try rows.contains { row in
            try row.decode(column: "changed", as: Int64.self) > 50 + row.decode(column: "live", as: Int64.self) / 10
        }
        guard stale else { return false }
        try await db.transaction { tx in try await tx.raw("ANALYZE package_catalog, package_grams").run() }
        return true
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
        return try await page(formats: formats, query, driver: try await driver(formats: formats, query.filter.map(CatalogSearchTerm.init)))
    }

    func page(formats: [RegistryFormat], _ query: ListingQuery, driver: Driver) async throws -> (entries: [CatalogEntry], hasMore: Bool) {
        let entries: [CatalogEntry]
        if driver == .walk, let term = query.filter.map(CatalogSearchTerm.init) {
            entries = try await filteredWalk(formats: formats, query, term)
        } else {
            entries = try await pageQuery(formats: formats, query, driver: driver).all().compactMap(Self.entry)
        }
        return (Array(entries.prefix(query.limit)), entries.count > query.limit)
    }

    static func entry(_ row: any SQLRow) throws -> CatalogEntry? {
        guard let format = RegistryFormat(rawValue: try row.decode(column: "format", as: String.self)) else { return nil }
        return CatalogEntry(format: format, name: try row.decode(column: "name"), updatedAt: try row.decode(column: "updated_at"))
    }

    /// A dense term's page: the sort order read in chunks (each an index range after the last
    /// row seen), names checked here the way `LIKE` would, until the page is full. Asking the
    /// database to filter instead lets its planner, guessing the filter rare, read every row
    /// and sort.
    func filteredWalk(formats: [RegistryFormat], _ query: ListingQuery, _ term: CatalogSearchTerm) async throws -> [CatalogEntry] {
        let chunk = max(200, 2 * query.fetchLimit)
        var kept: [CatalogEntry] = [], skipped = 0, after: CatalogEntry?
        while true {
            let rows = try await walkQuery(formats: formats, query.sort, after: after).limit(chunk).all()
            for row in rows {
                guard let entry = try Self.entry(row) else { continue }
                after = entry
                guard term.matches(lowercasedName: try row.decode(column: "lname")) else { continue }
                if skipped < query.offset { skipped += 1; continue }
                kept.append(entry)
                if kept.count == query.fetchLimit { return kept }
            }
            if rows.count < chunk { return kept }
        }
    }

    /// `formats`' rows in sort order, after `after` when given: an index walk on both dialects.
    func walkQuery(formats: [RegistryFormat], _ sort: ListingSort, after: CatalogEntry?) -> SQLSelectBuilder {
        var select = db.reader.select().columns(SQLColumn("format", table: "c"), SQLColumn("name", table: "c"),
                                                 SQLColumn("updated_at", table: "c"), SQLColumn("lname", table: "c"))
            .from(SQLAlias(SQLIdentifier("package_catalog"), as: SQLIdentifier("c")))
        let single = formats.count == 1
        if single {
            select = select.where(SQLColumn("format", table: "c"), .equal, SQLBind(formats[0].rawValue))
        } else if db.dialect == .sqlite {
            // Several formats are nearly every row; SQLite, without statistics, would read
            // them through the format index and sort. `format || ''` is no index's column.
            select = select.where(SQLQueryString("(c.format || '') IN \(Self.formatList(formats))"))
        } else {
            select = select.where(SQLQueryString("c.format IN \(Self.formatList(formats))"))
        }
        if let after {
            let (name, format, updated) = (after.name, after.format.rawValue, after.updatedAt)
            let range: SQLQueryString = switch (sort, single) {
            case (.name, true): SQLQueryString("c.name > \(bind: name)")
            case (.name, false): SQLQueryString("(c.name, c.format) > (\(bind: name), \(bind: format))")
            case (.updated, true): SQLQueryString("(c.updated_at, c.name) < (\(bind: updated), \(bind: name))")
            case (.updated, false): SQLQueryString("(c.updated_at, c.name, c.format) < (\(bind: updated), \(bind: name), \(bind: format))")
            }
            select = select.where(range)
        }
        return Self.ordered(select, sort)
    }

    /// The sort orders: by name (then format), or newest first (then name and format, also
    /// descending, so one index serves it backwards and the walk's range is one comparison).
    static func ordered(_ select: SQLSelectBuilder, _ sort: ListingSort) -> SQLSelectBuilder {
        let descending = SQLDirection.descending
        return switch sort {
        case .name: select.orderBy(SQLColumn("name", table: "c")).orderBy(SQLColumn("format", table: "c"))
        case .updated: select.orderBy(SQLOrderBy(expression: SQLColumn("updated_at", table: "c"), direction: descending))
                .orderBy(SQLOrderBy(expression: SQLColumn("name", table: "c"), direction: descending))
                .orderBy(SQLOrderBy(expression: SQLColumn("format", table: "c"), direction: descending))
        }
    }

    /// Counts, each capped just above `candidateLimit` (so a probe reads at most that many
    /// index entries), the rows of each access path the term offers, in one query; picks the
    /// smallest when it is within the limit. (`ORDER BY` in index order makes PostgreSQL scan
    /// the index and stop at the limit instead of building a bitmap of every entry.)
    func driver(formats: [RegistryFormat], _ term: CatalogSearchTerm?) async throws -> Driver {
        guard let term else { return .walk }
        let formatList = Self.formatList(formats)
        let cap = candidateLimit + 1
        let probes: [(Driver, SQLQueryString)]
        if let grams = term.grams {
            probes = term.probeGrams(grams).map { gram in
                (.gram(gram), SQLQueryString("SELECT 1 AS x FROM package_grams WHERE gram = \(bind: gram) ORDER BY gram, id LIMIT \(literal: cap)"))
            }
        } else {
            probes = [(.prefix, SQLQueryString("""
                SELECT 1 AS x FROM package_catalog WHERE lname >= \(bind: term.text) AND lname < \(bind: term.text + "\u{10FFFF}") ORDER BY lname LIMIT \(literal: cap)
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

    /// The one query of a page read by `.gram` or `.prefix`, or of an unfiltered walk.
    func pageQuery(formats: [RegistryFormat], _ query: ListingQuery, driver: Driver) -> SQLSelectBuilder {
        let formatList = Self.formatList(formats)
        let columns = [SQLColumn("format", table: "c"), SQLColumn("name", table: "c"), SQLColumn("updated_at", table: "c")]
        var select: SQLSelectBuilder
        switch (driver, query.filter.map(CatalogSearchTerm.init)) {
        case (.gram(let gram), let term?):
            // The CROSS JOIN keeps SQLite reading the posting list first, `c` by key after.
            select = db.reader.select().columns(columns).from(SQLQueryString("""
                (SELECT id FROM package_grams WHERE gram = \(bind: gram)) m CROSS JOIN package_catalog c
                """))
                .where(SQLQueryString("c.id = m.id AND c.format IN \(formatList) AND c.lname LIKE \(bind: term.likePattern) ESCAPE '\\'"))
            select = Self.ordered(select, query.sort)
        case (.prefix, let term?):
            select = db.reader.select().columns(columns).from(SQLAlias(SQLIdentifier("package_catalog"), as: SQLIdentifier("c")))
                .where(SQLColumn("lname", table: "c"), .greaterThanOrEqual, SQLBind(term.text))
                .where(SQLColumn("lname", table: "c"), .lessThan, SQLBind(term.text + "\u{10FFFF}"))
                .where(SQLQueryString("(c.format || '') IN \(formatList)"))  // the range, not a format's every row
            select = Self.ordered(select, query.sort)
        default:
            select = walkQuery(formats: formats, query.sort, after: nil)
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

    /// Whether a catalog `lname` holds the term (three or more characters) or starts with it,
    /// byte for byte, as the `LIKE` patterns below match.
    func matches(lowercasedName name: String) -> Bool {
        let needle = Array(text.utf8), hay = Array(name.utf8)
        guard grams != nil else { return hay.starts(with: needle) }
        guard hay.count >= needle.count else { return false }
        return (0...(hay.count - needle.count)).contains { start in hay[start..<start + needle.count].elementsEqual(needle) }
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
