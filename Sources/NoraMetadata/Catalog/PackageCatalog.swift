import NoraCore
import SQLKit

/// Every package of every format in one table, kept by the database itself (see
/// `CatalogSource`), so the web UI and the management API page, sort and search with index
/// reads only — never a scan of a format's tables on the request path.
///
///     package_catalog(format, name, lname, updated_at)   PK(format, name); (format, updated_at, name); (lname)
///     package_grams(gram, format, name)                  PK(gram, format, name); (format, name)
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

    public init(db: MetadataDatabase) { self.db = db }

    /// The tables and the gram triggers; every format's migrations include it (applied once).
    public static let baseMigration = Migration("catalog-001-tables") { db in
        try await db.create(table: "package_catalog")
            .column("format", type: .text, .notNull)
            .column("name", type: .text, .notNull)
            .column("lname", type: .text, .notNull)
            .column("updated_at", type: .bigint, .notNull)
            .primaryKey("format", "name")
            .run()
        try await db.create(index: "package_catalog_updated").on("package_catalog").column("format").column("updated_at").column("name").run()
        try await db.create(index: "package_catalog_lname").on("package_catalog").column("lname").run()
        // Pages across every format (the API without `format`) walk these in order.
        try await db.create(index: "package_catalog_name").on("package_catalog").column("name").column("format").run()
        try await db.create(index: "package_catalog_recent").on("package_catalog").column("updated_at").column("name").column("format").run()
        try await db.create(table: "package_grams")
            .column("gram", type: .text, .notNull)
            .column("format", type: .text, .notNull)
            .column("name", type: .text, .notNull)
            .primaryKey("gram", "format", "name")
            .run()
        try await db.create(index: "package_grams_package").on("package_grams").column("format").column("name").run()
        try await db.create(table: "catalog_positions").column("i", type: .bigint, .primaryKey(autoIncrement: false)).run()
        let positions = (1...maxIndexedLength).map { "(\($0))" }.joined(separator: ",")
        try await db.raw(SQLQueryString("INSERT INTO catalog_positions (i) VALUES " + positions)).run()
        for statement in gramTriggers(postgres: db.dialect.name == "postgresql") {
            try await db.raw(SQLQueryString(statement)).run()
        }
    }

    static func gramTriggers(postgres: Bool) -> [String] {
        let insert = """
            INSERT INTO package_grams (gram, format, name)
            SELECT DISTINCT substr(NEW.lname, CAST(i AS INTEGER), 3), NEW.format, NEW.name FROM catalog_positions WHERE i <= length(NEW.lname) - 2
            """
        let delete = "DELETE FROM package_grams WHERE format = OLD.format AND name = OLD.name"
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

    /// One page of `formats`' packages, filtered by `query.filter` and sorted by `query.sort`.
    public func page(formats: [RegistryFormat], _ query: ListingQuery) async throws -> (entries: [CatalogEntry], hasMore: Bool) {
        guard !formats.isEmpty else { return ([], false) }
        let rows = try await pageQuery(formats: formats, query).all()
        let entries = try rows.compactMap { row -> CatalogEntry? in
            guard let format = RegistryFormat(rawValue: try row.decode(column: "format", as: String.self)) else { return nil }
            return CatalogEntry(format: format, name: try row.decode(column: "name"), updatedAt: try row.decode(column: "updated_at"))
        }
        return (Array(entries.prefix(query.limit)), entries.count > query.limit)
    }

    func pageQuery(formats: [RegistryFormat], _ query: ListingQuery) -> SQLSelectBuilder {
        let formatList = SQLGroupExpression(formats.map { SQLBind($0.rawValue) as any SQLExpression })
        var select = db.reader.select().column(SQLColumn("format", table: "c")).column(SQLColumn("name", table: "c"))
            .column(SQLColumn("updated_at", table: "c"))
        let term = query.filter.map(CatalogSearchTerm.init)
        if let term, let grams = term.grams {
            // Candidates first (the CROSS JOIN keeps SQLite from walking `c` instead): names
            // holding every gram of the term, grouped from the gram index, then checked by LIKE.
            let candidates = SQLQueryString("""
                (SELECT format, name FROM package_grams WHERE gram IN \(SQLGroupExpression(grams.map { SQLBind($0) as any SQLExpression }))
                AND format IN \(formatList) GROUP BY format, name HAVING COUNT(*) = \(literal: grams.count)) m
                CROSS JOIN package_catalog c
                """)
            select = select.from(candidates)
                .where(SQLQueryString("c.format = m.format AND c.name = m.name AND c.lname LIKE \(bind: term.likePattern) ESCAPE '\\'"))
        } else {
            select = select.from(SQLAlias(SQLIdentifier("package_catalog"), as: SQLIdentifier("c")))
            if let term {
                select = select.where(SQLColumn("lname", table: "c"), .greaterThanOrEqual, SQLBind(term.text))
                    .where(SQLColumn("lname", table: "c"), .lessThan, SQLBind(term.text + "\u{10FFFF}"))
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

    var likePattern: String {
        var escaped = ""
        for c in text.unicodeScalars {
            if c == "%" || c == "_" || c == "\\" { escaped.append("\\") }
            escaped.unicodeScalars.append(c)
        }
        return "%\(escaped)%"
    }
}
