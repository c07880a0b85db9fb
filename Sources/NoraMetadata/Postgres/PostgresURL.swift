import Foundation
import NIOSSL
import NoraCore
import PostgresNIO

/// `postgres://user:password@host:port/database?sslmode=…` (also `postgresql://`) as a
/// connection-pool configuration.
///
/// `sslmode` follows PostgresKit's reading of libpq's names: `disable` never uses TLS,
/// `prefer`/`allow` (the default) use it when the server offers it, and `require`,
/// `verify-ca` and `verify-full` insist on it — always with full certificate verification.
enum PostgresURL {
    static func isPostgres(_ url: String) -> Bool { url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") }

    static func configuration(_ text: String) throws -> PostgresClient.Configuration {
        guard let url = URLComponents(string: text), let host = url.host, !host.isEmpty,
              let user = url.user, !user.isEmpty else {
            throw AppError(.internalError, "a PostgreSQL URL needs a user and a host: postgres://user:password@host:5432/database")
        }
        let database = url.path.split(separator: "/").first.map(String.init)
        let mode = url.queryItems?.last { ["sslmode", "tlsmode", "ssl", "tls"].contains($0.name.lowercased()) }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch mode.lowercased() {
        case "disable", "false": tls = .disable
        case "prefer", "allow", "true": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw AppError(.internalError, "unknown sslmode '\(mode)' (disable, prefer, require, verify-full)")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: url.port ?? 5432, username: url.user?.removingPercentEncoding ?? user,
            password: url.password?.removingPercentEncoding, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// The URL with its password hidden, for messages and logs.
    static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? "postgres://…"
    }
}
