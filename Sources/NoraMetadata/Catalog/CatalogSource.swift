import SQLKit

/// How one format's tables make up its packages in `package_catalog`: the database keeps the
/// catalog row of a package up to date with triggers on these tables, so every write path
/// (publish, delete, yank, proxy fill, import, repair, `migrate database`) updates it without
/// the format's code knowing, and no replica can forget to.
///
/// A package is the group of rows of `from` that share `keyColumns`; its catalog name is
/// `name(keyColumns)` and its last update `updated` over the group (seconds).
public struct CatalogSource: Sendable {
    public let format: String
    let from: String
    let keyColumns: [String]
    let name: @Sendable ([String]) -> String
    let updated: String
    let filter: String?
    let grouped: Bool
    /// The tables whose rows change a package, each with the columns that hold its key
    /// (aligned with `keyColumns`).
    let triggers: [(table: String, keys: [String])]

    /// - Parameters:
    ///   - from: the table that holds one or more rows per package.
    ///   - keyColumns: the columns of `from` that identify a package.
    ///   - name: the catalog name from the key (SQL expressions), e.g. `a || ':' || b`.
    ///   - updated: the last-update expression in seconds (an aggregate when `grouped`).
    ///   - filter: rows of `from` that do not count (e.g. untrusted Maven files) fail it.
    ///   - triggers: tables whose changes refresh a package (default: `from` itself).
    public init(format: String, from: String, keyColumns: [String], name: (@Sendable ([String]) -> String)? = nil,
                updated: String, filter: String? = nil, grouped: Bool, triggers: [(table: String, keys: [String])]? = nil) {
        self.format = format; self.from = from; self.keyColumns = keyColumns
        self.name = name ?? { $0[0] }
        self.updated = updated; self.filter = filter; self.grouped = grouped
        self.triggers = triggers ?? [(from, keyColumns)]
    }

    /// The rows of `from` for the package whose key values are the SQL expressions `keys`.
    func matching(_ keys: [String]) -> String {
        var conditions = zip(keyColumns, keys).map { "\($0) = \($1)" }
        if let filter { conditions.append(filter) }
        return conditions.joined(separator: " AND ")
    }

    /// `INSERT … SELECT` of the catalog rows of `from`: of one package (`keys`) or of all.
    func upsert(_ keys: [String]?) -> String {
        let formatLiteral = "'\(format)'"
        let condition = keys.map(matching) ?? (filter ?? "true")
        return """
            INSERT INTO package_catalog (format, name, lname, updated_at)
            SELECT \(formatLiteral), \(name(keyColumns)), lower(\(name(keyColumns))), \(updated) FROM \(from) WHERE \(condition)
            \(grouped ? "GROUP BY \(keyColumns.joined(separator: ", "))" : "")
            ON CONFLICT (format, name) DO UPDATE SET updated_at = excluded.updated_at
            WHERE package_catalog.updated_at <> excluded.updated_at
            """
    }

    /// Removes the catalog row of the package `keys` when none of its rows is left.
    func removeIfGone(_ keys: [String]) -> String {
        """
        DELETE FROM package_catalog WHERE format = '\(format)' AND name = \(name(keys))
        AND NOT EXISTS (SELECT 1 FROM \(from) WHERE \(matching(keys)))
        """
    }

    /// The statements that keep the catalog true to `table`'s rows (`keys`: its key columns).
    func refresh(row alias: String, keys: [String]) -> [String] {
        let values = keys.map { "\(alias).\($0)" }
        return [upsert(values), removeIfGone(values)]
    }

    /// Trigger DDL for the dialect, one statement per element.
    func triggerStatements(postgres: Bool) -> [String] {
        triggers.flatMap { table, keys -> [String] in
            let base = "catalog_\(table)"
            if postgres {
                let body = """
                    IF TG_OP <> 'INSERT' THEN \(refresh(row: "OLD", keys: keys).joined(separator: "; ")); END IF;
                    IF TG_OP <> 'DELETE' THEN \(refresh(row: "NEW", keys: keys).joined(separator: "; ")); END IF;
                    RETURN NULL;
                    """
                return ["CREATE OR REPLACE FUNCTION \(base)() RETURNS trigger LANGUAGE plpgsql AS $nora$ BEGIN \(body) END $nora$",
                        "DROP TRIGGER IF EXISTS \(base) ON \(table)",
                        "CREATE TRIGGER \(base) AFTER INSERT OR UPDATE OR DELETE ON \(table) FOR EACH ROW EXECUTE FUNCTION \(base)()"]
            }
            func trigger(_ event: String, _ statements: [String]) -> String {
                "CREATE TRIGGER IF NOT EXISTS \(base)_\(event.lowercased()) AFTER \(event) ON \(table) BEGIN \(statements.map { $0 + ";" }.joined(separator: " ")) END"
            }
            return [trigger("INSERT", refresh(row: "NEW", keys: keys)),
                    trigger("UPDATE", refresh(row: "OLD", keys: keys) + refresh(row: "NEW", keys: keys)),
                    trigger("DELETE", refresh(row: "OLD", keys: keys))]
        }
    }
}
