import Foundation
import HummingbirdBcrypt
import NoraAuth
import NoraCore
import Testing

@Suite struct AuthenticatorTests {
    static let users: Htpasswd = {
        let contents = """
        admin:\(Bcrypt.hash("correct horse", cost: 4))
        colon:\(Bcrypt.hash("a:b:c", cost: 4))
        """
        return try! Htpasswd(contents: contents)
    }()

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// An authenticator over the htpasswd users above and a token store with one write token;
    /// the body gets (authenticator, store, secret, token id).
    func withAuthenticator(_ body: (Authenticator, TokenStore, String, String) async throws -> Void) async throws {
        try await withTokenDatabase { _, store in
            let (token, secret) = try await store.create(name: "ci", owner: "ci-bot", role: .write, expiresInSeconds: 3600)
            try await body(Authenticator(users: Self.users, tokens: store), store, secret, token.id)
        }
    }

    @Test func noHeaderIsAnonymous() async throws {
        try await withAuthenticator { auth, _, _, _ async throws in
            #expect(try await auth.authenticate(authorization: nil) == .anonymous)
            #expect(try await auth.authenticate(authorization: "") == .anonymous)
            #expect(try await auth.authenticate(authorization: "   ") == .anonymous)
        }
    }

    @Test func basicUserPasswordIsAnAdmin() async throws {
        try await withAuthenticator { auth, _, _, _ async throws in
            let expected = Identity(name: "admin", role: .admin, credential: .password)
            #expect(try await auth.authenticate(authorization: Self.basic("admin", "correct horse")) == .identified(expected))
            // Again (served from the verified-password cache) and with a lower-case scheme.
            let lower = "basic " + Data("admin:correct horse".utf8).base64EncodedString()
            #expect(try await auth.authenticate(authorization: lower) == .identified(expected))
            #expect(Authenticator.htpasswdUserRole == .admin)
        }
    }

    @Test func passwordMayContainColons() async throws {
        try await withAuthenticator { auth, _, _, _ async throws in
            let outcome = try await auth.authenticate(authorization: Self.basic("colon", "a:b:c"))
            #expect(outcome == .identified(Identity(name: "colon", role: .admin, credential: .password)))
            guard case .rejected = try await auth.authenticate(authorization: Self.basic("colon", "a")) else {
                Issue.record("a prefix of the password must not be accepted"); return
            }
        }
    }

    @Test func wrongPasswordOrUnknownUserIsRejected() async throws {
        try await withAuthenticator { auth, _, _, _ async throws in
            for header in [Self.basic("admin", "wrong"), Self.basic("admin", ""), Self.basic("admin", "correct horse "),
                           Self.basic("nobody", "correct horse"), Self.basic("", "correct horse"), Self.basic("Admin", "correct horse")] {
                let outcome = try await auth.authenticate(authorization: header)
                #expect(outcome == .rejected("invalid user name or password"), "\(header)")
            }
        }
    }

    @Test func successfulLoginDoesNotLetAWrongPasswordThrough() async throws {
        try await withAuthenticator { auth, _, _, _ async throws in
            guard case .identified = try await auth.authenticate(authorization: Self.basic("admin", "correct horse")) else {
                Issue.record("expected the right password to be accepted"); return
            }
            guard case .rejected = try await auth.authenticate(authorization: Self.basic("admin", "correct horsf")) else {
                Issue.record("expected a wrong password to be rejected after a cached success"); return
            }
        }
    }

    @Test(arguments: ["Basic !!!notbase64!!!", "Basic YWRtaW4", "Basic ====", "Basic " + Data("no-colon".utf8).base64EncodedString(),
                      "Basic " + Data([0xff, 0xfe, 0x3a, 0x41]).base64EncodedString()])
    func malformedBasicIsRejected(_ header: String) async throws {
        try await withAuthenticator { auth, _, _, _ async throws in
            #expect(try await auth.authenticate(authorization: header) == .rejected("malformed Basic credentials"))
        }
    }

    @Test func basicWithoutCredentialsIsRejected() async throws {
        try await withAuthenticator { auth, _, _, _ async throws in
            for header in ["Basic", "Basic ", "Basic   "] {
                guard case .rejected = try await auth.authenticate(authorization: header) else {
                    Issue.record("'\(header)' must be rejected"); continue
                }
            }
        }
    }

    @Test func basicWithTokenAsPasswordIsTheTokenIdentity() async throws {
        try await withAuthenticator { auth, _, secret, tokenID async throws in
            let expected = Identity(name: "ci-bot", role: .write, credential: .token(id: tokenID))
            for user in ["anyone", "__token__", "ci-bot", ""] {
                #expect(try await auth.authenticate(authorization: Self.basic(user, secret)) == .identified(expected))
            }
        }
    }

    @Test func bearerTokenAndTokenScheme() async throws {
        try await withAuthenticator { auth, _, secret, tokenID async throws in
            let expected = Outcome.identified(Identity(name: "ci-bot", role: .write, credential: .token(id: tokenID)))
            #expect(try await auth.authenticate(authorization: "Bearer \(secret)") == expected)
            #expect(try await auth.authenticate(authorization: "bearer \(secret)") == expected)
            #expect(try await auth.authenticate(authorization: "Bearer   \(secret)  ") == expected)
            #expect(try await auth.authenticate(authorization: "Token \(secret)") == expected)
        }
    }

    @Test func bareTokenCargoStyle() async throws {
        try await withAuthenticator { auth, _, secret, tokenID async throws in
            let expected = Outcome.identified(Identity(name: "ci-bot", role: .write, credential: .token(id: tokenID)))
            #expect(try await auth.authenticate(authorization: secret) == expected)
            #expect(try await auth.authenticate(authorization: " \(secret) ") == expected)
        }
    }

    @Test func unknownOrRevokedTokensAreRejected() async throws {
        try await withAuthenticator { auth, store, secret, tokenID async throws in
            let fake = "nora_" + String(repeating: "ab", count: 32)
            #expect(try await auth.authenticate(authorization: "Bearer \(fake)") == .rejected("unknown or expired token"))
            #expect(try await auth.authenticate(authorization: fake) == .rejected("unknown or expired token"))
            #expect(try await auth.authenticate(authorization: "Bearer ") != .anonymous)
            #expect(try await store.revoke(tokenID) == 1)
            #expect(try await auth.authenticate(authorization: "Bearer \(secret)") == .rejected("unknown or expired token"))
            #expect(try await auth.authenticate(authorization: secret) == .rejected("unknown or expired token"))
            // As a Basic password, a revoked token falls back to (and fails) the password check.
            guard case .rejected = try await auth.authenticate(authorization: Self.basic("anyone", secret)) else {
                Issue.record("a revoked token must not authenticate"); return
            }
        }
    }

    @Test func expiredTokenIsRejected() async throws {
        try await withAuthenticator { auth, store, _, _ async throws in
            let (_, expired) = try await store.create(name: "old", owner: "x", role: .admin, expiresInSeconds: -1)
            #expect(try await auth.authenticate(authorization: "Bearer \(expired)") == .rejected("unknown or expired token"))
            guard case .rejected = try await auth.authenticate(authorization: Self.basic("x", expired)) else {
                Issue.record("an expired token must not authenticate"); return
            }
        }
    }

    @Test(arguments: ["Digest username=\"admin\"", "Negotiate abc", "AWS4-HMAC-SHA256 Credential=x", "Basicx YWRtaW4="])
    func unknownSchemeIsRejected(_ header: String) async throws {
        try await withAuthenticator { auth, _, _, _ async throws in
            #expect(try await auth.authenticate(authorization: header) == .rejected("unsupported authorization scheme"))
        }
    }

    @Test func withoutTokenStoreOnlyPasswordsWork() async throws {
        let auth = Authenticator(users: Self.users, tokens: nil)
        let token = "nora_" + String(repeating: "0", count: 64)
        #expect(try await auth.authenticate(authorization: "Bearer \(token)") == .rejected("unknown or expired token"))
        #expect(try await auth.authenticate(authorization: token) == .rejected("unknown or expired token"))
        #expect(try await auth.authenticate(authorization: Self.basic("admin", "correct horse"))
            == .identified(Identity(name: "admin", role: .admin, credential: .password)))
    }

    @Test func noUsersRejectsEveryPassword() async throws {
        let auth = Authenticator(users: .empty, tokens: nil)
        #expect(try await auth.authenticate(authorization: Self.basic("admin", "correct horse")) == .rejected("invalid user name or password"))
        #expect(try await auth.authenticate(authorization: nil) == .anonymous)
    }

    typealias Outcome = Authenticator.Outcome
}
