import Hummingbird
import NoraCore

/// `cargo owner`: list, add and remove the users who may publish, yank and change owners.
/// Owners must be users the registry knows: an htpasswd user or the owner of an API token.
extension CargoRegistry {
    struct OwnerList: Encodable {
        struct User: Encodable { let id: Int; let login: String; let name: String }
        let users: [User]
    }

    struct OwnerChange: Decodable { let users: [String] }
    struct OwnerResult: Encodable { let ok: Bool; let msg: String }

    static let maxOwnerRequestBytes = 64 * 1024

    func listOwners(_ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.read)
        let db = index.db.reader
        let (key, _) = try await existingCrate(try context.parameters.require("name"), in: db)
        let logins = try await index.owners(key, in: db)
        return .json(OwnerList(users: logins.enumerated().map { .init(id: $0.offset + 1, login: $0.element, name: $0.element) }))
    }

    func changeOwners(add: Bool, _ request: Request, _ context: NoraRequestContext) async throws -> Response {
        try context.require(.write)
        let name = try context.parameters.require("name")
        let body = try await request.body.collect(upTo: Self.maxOwnerRequestBytes)
        guard let change = try? JSON.decode(OwnerChange.self, from: body.readableBytesView), !change.users.isEmpty,
              change.users.count <= 100
        else { throw CargoError(.invalidRequest, "expected a JSON body {\"users\": [\"login\", …]} with 1-100 users") }
        if add {
            for login in change.users where !(try await isKnownUser(login)) {
                throw CargoError(.unknownUser, "'\(login.prefix(100))' is not a user of this registry (an htpasswd user or an API token owner)")
            }
        }
        let crateName = try await index.db.transaction(locking: "cargo:\(CrateName.key(name))") { db in
            let (key, crate) = try await existingCrate(name, in: db)
            try await requireOwner(key, crate.name, context, in: db)
            if add {
                for login in change.users { try await index.addOwner(key, login, by: context.identity?.name, in: db) }
            } else {
                let remaining = Set(try await index.owners(key, in: db)).subtracting(change.users)
                guard !remaining.isEmpty else {
                    throw CargoError(.lastOwner, "cannot remove every owner of crate '\(crate.name)'; add another owner first")
                }
                for login in change.users { try await index.removeOwner(key, login, in: db) }
            }
            return crate.name
        }
        let users = change.users.joined(separator: ", ")
        let msg = add ? "user(s) \(users) added as owner(s) of crate \(crateName)" : "user(s) \(users) removed as owner(s) of crate \(crateName)"
        return .json(OwnerResult(ok: true, msg: msg))
    }

    /// An htpasswd user, or the owner of an unexpired API token.
    func isKnownUser(_ login: String) async throws -> Bool {
        guard !login.isEmpty, login.utf8.count <= 100 else { return false }
        if try await authenticator.isStillValid(name: login, credential: "password") { return true }
        let now = Clock.nowSeconds()
        return try await tokens.list().contains { $0.owner == login && ($0.expiresAt ?? Int64.max) > now }
    }
}
