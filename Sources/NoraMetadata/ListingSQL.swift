import SQLKit

/// Pieces of SQL the per-format listings share; standard SQL that SQLite and PostgreSQL both run.
public enum ListingSQL {
    /// `CAST(SUM(x) AS BIGINT)`: PostgreSQL sums bigints as numeric; the cast keeps one integer type everywhere.
    public static func sum(_ expression: any SQLExpression) -> any SQLExpression {
        SQLQueryString("CAST(SUM(\(expression)) AS BIGINT)")
    }

    /// Reads an integer aggregate (`COUNT`, `SUM`) that may come back NULL (empty table).
    public static func integer(_ row: (any SQLRow)?, _ column: String) throws -> Int64 {
        guard let row else { return 0 }
        return try row.decodeNil(column: column) ? 0 : row.decode(column: column, as: Int64.self)
    }
}
