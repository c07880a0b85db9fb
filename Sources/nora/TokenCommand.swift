import ArgumentParser
import Foundation
import Logging
import NoraAuth
import NoraCore
import NoraMetadata
import NoraServer
import Prometheus

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage API tokens (stored hashed in the metadata database).",
        discussion: "Uses the same configuration as 'serve' (NORA_DATABASE_URL, NORA_STORAGE_PATH, …). Admins can do the same over HTTP under /api/tokens.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print its secret (shown once).")
        @Option(help: "A name to recognise the token by, e.g. 'ci'.") var name: String
        @Option(help: "read, write or admin.") var role: String = "read"
        @Option(help: "Lifetime such as 30d, 12h or 2w; no expiry when omitted.") var expires: String?
        @Option(help: "The user the token acts as (shown in logs and as publisher).") var owner: String = "cli"

        func run() async throws {
            guard let role = Role(name: role) else { throw ValidationError("--role must be read, write or admin") }
            let lifetime = try expires.map { text in
                guard let seconds = DurationText.seconds(text) else { throw ValidationError("--expires must look like 30d, 12h or 2w") }
                return seconds
            }
            try await withTokenStore { tokens in
                let (token, secret) = try await tokens.create(name: name, owner: owner, role: role, expiresInSeconds: lifetime)
                print(secret)
                FileHandleOutput.stderr("created token \(token.id) '\(token.name)' (\(token.role)) — store the secret now, it is not shown again")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        func run() async throws {
            try await withTokenStore { tokens in
                print(["ID", "NAME", "OWNER", "ROLE", "CREATED", "EXPIRES"].joined(separator: "\t"))
                for t in try await tokens.list() {
                    let created = Clock.iso8601(millis: t.createdAt * 1000)
                    let expires = t.expiresAt.map { Clock.iso8601(millis: $0 * 1000) } ?? "never"
                    print([t.id, t.name, t.owner, t.role, created, expires].joined(separator: "\t"))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by id (or by name when unique).")
        @Argument(help: "Token id or name.") var token: String
        func run() async throws {
            try await withTokenStore { tokens in
                guard try await tokens.revoke(token) > 0 else { throw FatalError("no token '\(token)'") }
                print("revoked \(token)")
            }
        }
    }
}

/// Runs `body` with the token store of the configured database.
func withTokenStore(_ body: (TokenStore) async throws -> Void) async throws {
    try await withStores { parts, _ in try await body(parts.tokens) }
}
