import Crypto
import Foundation
import NoraCore
import NoraMetadata
import SQLKit

/// Short-lived bearer tokens signed with HMAC-SHA256 (JWT compact form, `HS256`).
///
/// The key lives in the database (`nora_secrets`), so every replica issues and accepts
/// the same tokens. A token carries the caller's name, role and an explicit scope; it is
/// not looked up on use, so revoking the API token or user behind it takes effect when
/// the (short) access token expires.
public struct SignedTokens: Sendable {
    public struct Claims: Codable, Sendable, Equatable {
        public let sub: String
        public let role: String
        public let scope: [String]
        public let kind: String
        /// Where the identity came from, e.g. `token:<id>` or `password`; refresh checks it again.
        public let cred: String
        public let iat: Int64
        public let exp: Int64
        public let iss: String

        public init(sub: String, role: String, scope: [String], kind: String, cred: String, iat: Int64, exp: Int64, iss: String) {
            self.sub = sub; self.role = role; self.scope = scope; self.kind = kind
            self.cred = cred; self.iat = iat; self.exp = exp; self.iss = iss
        }
    }

    let key: SymmetricKey
    public let issuer: String

    public init(key: SymmetricKey, issuer: String) { self.key = key; self.issuer = issuer }

    public static let migrations: [Migration] = [
        Migration("auth-002-secrets") { db in
            try await db.create(table: "nora_secrets")
                .column("name", type: .text, .primaryKey(autoIncrement: false))
                .column("value", type: .text, .notNull)
                .run()
        }
    ]

    /// Loads the named signing key, creating it once (the first replica to insert wins).
    public static func load(db: MetadataDatabase, name: String, issuer: String) async throws -> SignedTokens {
        let candidate = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }.hexString
        let stored: String = try await db.transaction { db in
            try await db.insert(into: "nora_secrets").columns("name", "value")
                .values(SQLBind(name), SQLBind(candidate)).ignoringConflicts(with: "name").run()
            guard let row = try await db.select().column("value").from("nora_secrets").where("name", .equal, name).first() else {
                throw AppError(.internalError, "signing key \(name) missing")
            }
            return try row.decode(column: "value", as: String.self)
        }
        guard let bytes = Self.hexBytes(stored), bytes.count == 32 else { throw AppError(.internalError, "signing key \(name) is corrupt") }
        return SignedTokens(key: SymmetricKey(data: bytes), issuer: issuer)
    }

    public func issue(_ claims: Claims) -> String {
        let header = Self.base64url(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payload = Self.base64url(JSON.encode(claims))
        let signingInput = "\(header).\(payload)"
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: key)
        return "\(signingInput).\(Self.base64url(Array(mac)))"
    }

    /// The claims of a valid, unexpired token of `kind`, or nil.
    public func verify(_ token: String, kind: String, now: Int64 = Clock.nowSeconds()) -> Claims? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signature = Self.base64urlDecode(parts[2]) else { return nil }
        let signingInput = "\(parts[0]).\(parts[1])"
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Array(signingInput.utf8), using: key),
              let payload = Self.base64urlDecode(parts[1]),
              let claims = try? JSON.decode(Claims.self, from: payload),
              claims.kind == kind, claims.iss == issuer, claims.exp > now
        else { return nil }
        return claims
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64urlDecode(_ text: some StringProtocol) -> [UInt8]? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map(Array.init)
    }

    static func hexBytes(_ hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: chars.count, by: 2) {
            guard let byte = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }
}
