import NoraCore
@testable import NoraMetadata
import NoraMetadataTesting
import SQLKit
import Testing

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}

/// The package catalog on both dialects: triggers follow every write of the source tables,
/// existing rows are catalogued by the migration, and paging/search read indexes only.
@Suite struct PackageCatalogTests {
    /// A Maven-like source (several rows per package, two key columns, a filter) and an
    /// OCI-like one (a package row plus a second table that moves its update time).
    static let tables = Migration("test-catalog-tables") { db in
        try await db.create(table: "demo_files")
            .column("grp", type: .text, .notNull).column("art", type: .text, .notNull).column("version", type: .text, .notNull)
            .column("at", type: .bigint, .notNull).column("untrusted", type: .text)
            .primaryKey("grp", "art", "version").run()
        try await db.create(table: "demo_repos").column("name", type: .text, .primaryKey(autoIncrement: false))
            .column("created", type: .bigint, .notNull).run()
        try await db.create(table: "demo_tags").column("repo", type: .text, .notNull).column("tag", type: .text, .notNull)
            .column("at", type: .bigint, .notNull).primaryKey("repo", "tag").run()
    }

    static let files = CatalogSource(format: "maven", from: "demo_files", keyColumns: ["grp", "art"], name: { "\($0[0]) || ':' || \($0[1])" },
                                     updated: "MAX(at)", filter: "untrusted IS NULL", grouped: true)
    static let repos = CatalogSource(
        format: "docker", from: "demo_repos", keyColumns: ["name"],
        updated: "COALESCE((SELECT MAX(t.at) FROM demo_tags t WHERE t.repo = demo_repos.name), demo_repos.created)",
        grouped: false, triggers: [("demo_repos", ["name"]), ("demo_tags", ["repo"])])

    static var catalogMigrations: [Migration] {
        PackageCatalog.migration("test-catalog-maven", files) + PackageCatalog.migration("test-catalog-docker", repos)
    }

    func withCatalog(_ body: (MetadataDatabase, PackageCatalog) async throws -> Void) async throws {
        try await withDatabase { db in
            try await db.migrate([Self.tables] + Self.catalogMigrations)
            try await body(db, PackageCatalog(db: db))
        }
    }

    func file(_ db: MetadataDatabase, _ grp: String, _ art: String, _ version: String, at: Int64, untrusted: String? = nil) async throws {
        try await db.transaction { tx in
            try await tx.insert(into: "demo_files").columns("grp", "art", "version", "at", "untrusted")
                .values(SQLBind(grp), SQLBind(art), SQLBind(version), SQLBind(at), SQLBind(untrusted)).run()
        }
    }

    func entries(_ catalog: PackageCatalog, _ formats: [RegistryFormat] = [.maven, .docker], _ query: ListingQuery = ListingQuery()) async throws -> [String] {
        try await catalog.page(formats: formats, query).entries.map { "\($0.format.rawValue) \($0.name) \($0.updatedAt)" }
    }

    /// Gram rows of the catalog row named `name`, or of every row when nil.
    func grams(_ db: MetadataDatabase, _ name: String?) async throws -> Int {
        var select = db.reader.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("package_grams")
        if let name {
            select = select.where(SQLColumn("id"), .in, SQLQueryString("(SELECT id FROM package_catalog WHERE name = \(bind: name))"))
        }
        return try await select.first()!.decode(column: "n", as: Int.self)
    }

    @Test func triggersFollowInsertsUpdatesAndDeletes() async throws {
        try await withCatalog { db, catalog in
            try await file(db, "com.acme", "core", "1.0", at: 100)
            try await file(db, "com.acme", "core", "2.0", at: 200)
            try await file(db, "com.acme", "core", "3.0", at: 300, untrusted: "sha1 mismatch")
            try await file(db, "org.other", "lib", "1.0", at: 50, untrusted: "sha1 mismatch")
            #expect(try await entries(catalog) == ["maven com.acme:core 200"], "untrusted rows do not count")
            #expect(try await grams(db, "com.acme:core") == "com.acme:core".count - 2)

            try await db.transaction { tx in try await tx.update("demo_files").set("untrusted", to: SQLLiteral.null).where("version", .equal, "3.0").run() }
            #expect(try await entries(catalog) == ["maven com.acme:core 300"])
            try await db.transaction { tx in try await tx.delete(from: "demo_files").where("version", .notEqual, "1.0").run() }
            #expect(try await entries(catalog) == ["maven com.acme:core 100"])
            try await db.transaction { tx in try await tx.delete(from: "demo_files").run() }
            #expect(try await entries(catalog).isEmpty)
            #expect(try await grams(db, nil) == 0, "a package's grams go with it")

            try await db.transaction { tx in
                try await tx.insert(into: "demo_repos").columns("name", "created").values(SQLBind("team/app"), SQLBind(Int64(10))).run()
            }
            #expect(try await entries(catalog) == ["docker team/app 10"])
            try await db.transaction { tx in
                try await tx.insert(into: "demo_tags").columns("repo", "tag", "at").values(SQLBind("team/app"), SQLBind("v1"), SQLBind(Int64(70))).run()
            }
            #expect(try await entries(catalog) == ["docker team/app 70"], "a tag moves the repository's update time")
            try await db.transaction { tx in try await tx.delete(from: "demo_tags").run() }
            #expect(try await entries(catalog) == ["docker team/app 10"])
            try await db.transaction { tx in try await tx.delete(from: "demo_repos").run() }
            #expect(try await entries(catalog).isEmpty)
        }
    }

    @Test func migrationCataloguesExistingRows() async throws {
        try await withDatabase { db in
            try await db.migrate([Self.tables])
            try await file(db, "com.acme", "core", "1.0", at: 100)
            try await file(db, "com.acme", "core", "1.1", at: 150)
            try await db.migrate(Self.catalogMigrations)
            #expect(try await entries(PackageCatalog(db: db)) == ["maven com.acme:core 150"])
            #expect(try await grams(db, "com.acme:core") == 11)
        }
    }

    @Test func searchFindsSubstringsWithoutFalseGramMatches() async throws {
        try await withCatalog { db, catalog in
            for (grp, art) in [("com.acme", "core"), ("com.acme", "core-utils"), ("org.example", "Widget_%x"), ("x", "abcab"), ("io", "abc")] {
                try await file(db, grp, art, "1.0", at: 1)
            }
            func names(_ filter: String) async throws -> [String] {
                try await catalog.page(formats: [.maven], ListingQuery(filter: filter)).entries.map(\.name)
            }
            #expect(try await names("CORE") == ["com.acme:core", "com.acme:core-utils"])
            #expect(try await names("e:c") == ["com.acme:core", "com.acme:core-utils"])
            #expect(try await names("acme:core-u") == ["com.acme:core-utils"])
            #expect(try await names("widget_%") == ["org.example:Widget_%x"], "LIKE characters are literal")
            #expect(try await names("t_%") == ["org.example:Widget_%x"])
            #expect(try await names("t%_").isEmpty)
            #expect(try await names("abcabc").isEmpty, "every gram present is not a substring")
            #expect(try await names("abcab") == ["x:abcab"])
            #expect(try await names("co") == ["com.acme:core", "com.acme:core-utils"], "short terms match the start of a name")
            #expect(try await names("re").isEmpty)
            #expect(try await names("IO") == ["io:abc"])
            #expect(try await catalog.page(formats: [.docker], ListingQuery(filter: "core")).entries.isEmpty, "formats not asked for stay out")
        }
    }

    @Test func pagesSortByNameOrUpdate() async throws {
        try await withCatalog { db, catalog in
            for i in 0..<5 { try await file(db, "g", "a\(i)", "1", at: Int64(100 - i * 10)) }
            try await db.transaction { tx in
                try await tx.insert(into: "demo_repos").columns("name", "created").values(SQLBind("a2"), SQLBind(Int64(85))).run()
            }
            let byName = try await catalog.page(formats: [.maven, .docker], ListingQuery(limit: 2, offset: 1))
            #expect(byName.entries.map(\.name) == ["g:a0", "g:a1"] && byName.hasMore)
            let recent = try await catalog.page(formats: [.maven, .docker], ListingQuery(sort: .updated, limit: 3, offset: 1))
            #expect(recent.entries.map(\.name) == ["g:a1", "a2", "g:a2"] && recent.hasMore)
            let last = try await catalog.page(formats: [.maven], ListingQuery(sort: .updated, limit: 3, offset: 3))
            #expect(last.entries.map(\.name) == ["g:a3", "g:a4"] && !last.hasMore)
        }
    }

    /// A dense term walks the sort order; a selective one reads the smallest posting list or
    /// prefix range; every driver gives the same page.
    @Test func searchPicksTheMostSelectiveReadAndEveryReadAgrees() async throws {
        try await withDatabase { db in
            try await db.migrate([Self.tables] + Self.catalogMigrations)
            let catalog = PackageCatalog(db: db, candidateLimit: 5)
            for i in 0..<12 { try await file(db, "com.acme", "core-\(i)", "1", at: Int64(i)) }
            try await file(db, "org.zed", "zed-core", "1", at: 99)
            #expect(try await catalog.driver(formats: [.maven], CatalogSearchTerm("core")) == .walk, "12 > 5 names hold each gram")
            #expect(try await catalog.driver(formats: [.maven], CatalogSearchTerm("zed-co")) == .gram("zed"))
            #expect(try await catalog.driver(formats: [.maven], CatalogSearchTerm("re-1")) == .gram("e-1"))
            #expect(try await catalog.driver(formats: [.maven], CatalogSearchTerm("co")) == .walk)
            #expect(try await catalog.driver(formats: [.maven], CatalogSearchTerm("or")) == .prefix)
            #expect(try await catalog.driver(formats: [.docker], CatalogSearchTerm("core")) == .walk, "posting lists span every format")
            for (filter, drivers) in [("core", [PackageCatalog.Driver.walk, .gram("ore")]), ("E-1", [.walk, .gram("e-1")]),
                                      ("co", [.walk, .prefix]), ("zed-co", [.walk, .gram("zed"), .gram("d-c")])] {
                for sort in ListingSort.allCases {
                    let query = ListingQuery(filter: filter, sort: sort, limit: 4, offset: 1)
                    let pages = try await drivers.asyncMap { driver in
                        try await catalog.page(formats: [.maven, .docker], query, driver: driver).entries.map(\.name)
                    }
                    #expect(Set(pages.map { $0.joined(separator: ",") }).count == 1, "\(filter) \(sort): \(pages)")
                }
            }
            let page = try await catalog.page(formats: [.maven], ListingQuery(filter: "E-1", sort: .updated))
            #expect(page.entries.map(\.name) == ["com.acme:core-11", "com.acme:core-10", "com.acme:core-1"])
        }
    }

    /// The walk reads the sort order in chunks (200 rows at least); a sparse term's page spans
    /// several, with the same names, order and `hasMore` as the posting-list read.
    @Test func walkingSeveralChunksGivesThePagesOfAnIndexRead() async throws {
        try await withCatalog { db, catalog in
            try await db.transaction { tx in
                for i in 0..<450 {
                    try await tx.insert(into: "demo_files").columns("grp", "art", "version", "at", "untrusted")
                        .values(SQLBind("g"), SQLBind(i % 7 == 0 ? "lib-x-\(1000 + i)" : "lib-\(1000 + i)"), SQLBind("1"),
                                SQLBind(Int64(i / 3)), SQLBind(String?.none)).run()
                }
            }
            for sort in ListingSort.allCases {
                for offset in [0, 20, 60, 64, 70] {
                    let query = ListingQuery(filter: "-X-", sort: sort, limit: 10, offset: offset)
                    let walked = try await catalog.page(formats: [.maven, .docker], query, driver: .walk)
                    let read = try await catalog.page(formats: [.maven, .docker], query, driver: .gram("-x-"))
                    #expect(walked.entries == read.entries && walked.hasMore == read.hasMore, "\(sort) \(offset)")
                    #expect(walked.entries.count == min(10, max(0, 65 - offset)) && walked.hasMore == (offset + 10 < 65))
                }
            }
        }
    }

    /// SQLite's plan for every page shape reads indexes only: an unfiltered or dense page is an
    /// ordered index walk that LIMIT cuts short; a selective one reads only what the term selects.
    @Test(.enabled(if: !TestDatabase.isPostgres)) func pageQueriesReadIndexesOnly() async throws {
        try await withCatalog { db, catalog in
            for i in 0..<50 { try await file(db, "com.acme", "artifact-\(i)", "1", at: Int64(i)) }
            try await checkPlans(db, catalog)
            // The same after ANALYZE (the server never runs it on SQLite; a user might).
            try await db.transaction { tx in try await tx.raw("ANALYZE").run() }
            try await checkPlans(db, catalog)
            #expect(try await catalog.page(formats: [.maven], ListingQuery(filter: "ACT-1")).entries.count == 11)
        }
    }

    func checkPlans(_ db: MetadataDatabase, _ catalog: PackageCatalog) async throws {
            let shapes: [(String?, [PackageCatalog.Driver])] = [(nil, [.walk]), ("ar", [.walk, .prefix]), ("ACT-1", [.walk, .gram("act")])]
            for formats: [RegistryFormat] in [[.maven], [.maven, .docker]] {
                for sort in ListingSort.allCases {
                    for (filter, drivers) in shapes {
                        for driver in drivers {
                            let query = ListingQuery(filter: filter, sort: sort, offset: 10)
                            let after = CatalogEntry(format: .maven, name: "com.acme:artifact-3", updatedAt: 3)
                            // A filtered walk's queries are the walk's ranges after the last row seen.
                            let select = driver == .walk && filter != nil ? catalog.walkQuery(formats: formats, sort, after: after).limit(200)
                                : catalog.pageQuery(formats: formats, query, driver: driver)
                            let plan = try await db.reader.raw("EXPLAIN QUERY PLAN \(select.select)").all()
                                .map { try $0.decode(column: "detail", as: String.self) }
                            let shape = "\(formats) \(sort) \(filter ?? "-") \(driver): \(plan)"
                            let catalogReads = plan.filter { $0.hasPrefix("SCAN c") || $0.hasPrefix("SEARCH c") }
                            #expect(catalogReads.count == 1 && catalogReads.allSatisfy { $0.contains("INDEX") || $0.contains("PRIMARY KEY") }, "\(shape)")
                            #expect(!plan.contains { $0.hasPrefix("SCAN package_") }, "\(shape)")
                            switch driver {
                            case .walk:
                                #expect(!plan.contains("USE TEMP B-TREE FOR ORDER BY"), "\(shape)")
                                if filter != nil { #expect(catalogReads.allSatisfy { $0.hasPrefix("SEARCH c") }, "a range, not from the start: \(shape)") }
                            case .prefix: #expect(catalogReads.allSatisfy { $0.contains("(lname>? AND lname<?)") }, "\(shape)")
                            case .gram:
                                #expect(catalogReads.allSatisfy { $0.contains("INTEGER PRIMARY KEY (rowid=?)") }, "\(shape)")
                                #expect(plan.contains { $0.hasPrefix("SEARCH package_grams") && $0.contains("gram=?") }, "\(shape)")
                            }
                        }
                    }
                }
            }
    }

    /// PostgreSQL: a bulk change is analyzed at the next check, then not again until the next
    /// one; SQLite: nothing to do.
    @Test func bigChangesRefreshPostgresStatistics() async throws {
        try await withCatalog { db, catalog in
            try await db.transaction { tx in
                for i in 0..<120 {
                    try await tx.insert(into: "demo_files").columns("grp", "art", "version", "at")
                        .values(SQLBind("g"), SQLBind("a\(i)"), SQLBind("1"), SQLBind(Int64(i))).run()
                }
            }
            guard TestDatabase.isPostgres else {
                #expect(try await !catalog.refreshStatistics())
                return
            }
            var analyzed = false
            for _ in 0..<50 where !analyzed {  // the server publishes its counters within a second or so
                analyzed = try await catalog.refreshStatistics()
                if !analyzed { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(analyzed)
            #expect(try await !catalog.refreshStatistics())
            let rows = try await db.reader.raw("SELECT reltuples FROM pg_class WHERE relname = 'package_catalog'").first()
            #expect(try rows?.decode(column: "reltuples", as: Double.self) == 120)
        }
    }

    @Test func searchTermsLowercaseAsciiOnlyAndSplitIntoGrams() {
        #expect(CatalogSearchTerm("AbC-Ä").text == "abc-Ä")
        #expect(CatalogSearchTerm("ab").grams == nil)
        #expect(CatalogSearchTerm("aaaa").grams == ["aaa"])
        #expect(CatalogSearchTerm("a_b%").grams == ["a_b", "_b%"])
        #expect(CatalogSearchTerm("a_b%\\").likePattern == "%a\\_b\\%\\\\%")
        #expect(CatalogSearchTerm("A_").prefixPattern == "a\\_%")
        let long = CatalogSearchTerm("abcdefghijklmnopqrstuvwxyz")
        #expect(long.probeGrams(long.grams!).count == 12)
        #expect(long.probeGrams(long.grams!).first == "abc" && long.probeGrams(long.grams!).last == "xyz")
    }
}
