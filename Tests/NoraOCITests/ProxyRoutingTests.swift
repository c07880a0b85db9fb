import NoraCore
@testable import NoraOCI
import NoraProxy
import Testing

@Suite struct UpstreamRoutingTests {
    static let hub = UpstreamRouting.Upstream(url: "https://registry-1.docker.io/")
    static let ghcr = UpstreamRouting.Upstream(url: "https://ghcr.io", prefix: "gh")
    static let local = UpstreamRouting.Upstream(url: "http://127.0.0.1:5001", prefix: "up", namespace: "mirror.example")

    func resolve(_ name: String, _ upstreams: [UpstreamRouting.Upstream] = [hub, ghcr, local],
                 _ action: UpstreamRouting.DefaultAction = .allow) throws -> UpstreamRouting.Resolution {
        UpstreamRouting(upstreams: upstreams, defaultAction: action).resolve(try RepositoryName(name))
    }

    @Test func namespaces() {
        #expect(Self.hub.namespace == "docker.io")
        #expect(Self.hub.url == "https://registry-1.docker.io")
        #expect(Self.hub.isDockerHub)
        #expect(Self.ghcr.namespace == "ghcr.io")
        #expect(Self.local.namespace == "mirror.example")
        #expect(UpstreamRouting.Upstream(url: "http://127.0.0.1:5001").namespace == "127.0.0.1")
    }

    @Test func prefixWinsAndIsStripped() throws {
        #expect(try resolve("gh/owner/tool") == .upstream(1, remoteName: "owner/tool"))
        #expect(try resolve("up/team/app") == .upstream(2, remoteName: "team/app"))
        // A prefix alone is a name on the default upstream, not an empty name.
        #expect(try resolve("gh") == .upstream(0, remoteName: "library/gh"))
    }

    @Test func hostComponentRoutesByNamespace() throws {
        #expect(try resolve("docker.io/library/alpine") == .upstream(0, remoteName: "library/alpine"))
        #expect(try resolve("docker.io/alpine") == .upstream(0, remoteName: "library/alpine"))
        #expect(try resolve("ghcr.io/owner/tool") == .upstream(1, remoteName: "owner/tool"))
        #expect(try resolve("mirror.example/a/b") == .upstream(2, remoteName: "a/b"))
    }

    @Test func unknownHostAndPlainNamesGoToTheFirstUpstream() throws {
        #expect(try resolve("quay.io/org/img") == .upstream(0, remoteName: "quay.io/org/img"))
        #expect(try resolve("alpine") == .upstream(0, remoteName: "library/alpine"))
        #expect(try resolve("bitnami/redis") == .upstream(0, remoteName: "bitnami/redis"))
        // library/ is Docker Hub's alone.
        #expect(try resolve("alpine", [Self.local]) == .upstream(0, remoteName: "alpine"))
    }

    @Test func denyRefusesWhatNoPrefixOrHostMatched() throws {
        #expect(try resolve("alpine", [Self.hub, Self.ghcr], .deny) == .denied)
        #expect(try resolve("quay.io/org/img", [Self.hub, Self.ghcr], .deny) == .denied)
        #expect(try resolve("gh/owner/tool", [Self.hub, Self.ghcr], .deny) == .upstream(1, remoteName: "owner/tool"))
        #expect(try resolve("docker.io/alpine", [Self.hub, Self.ghcr], .deny) == .upstream(0, remoteName: "library/alpine"))
    }

    @Test func noUpstreams() throws {
        #expect(try resolve("alpine", []) == .none)
    }
}

@Suite struct AuthChallengeTests {
    @Test func dockerHubChallenge() {
        let header = #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#
        let challenge = AuthChallenge.first("bearer", in: header)
        #expect(challenge?.scheme == "bearer")
        #expect(challenge?.parameters == ["realm": "https://auth.docker.io/token", "service": "registry.docker.io",
                                          "scope": "repository:library/alpine:pull"])
    }

    @Test func quotedCommasEscapesSpacesAndTokens() {
        let header = #"Bearer  realm = "http://h/t?a=1,b=2" , service=svc, scope="repository:a:pull,push", error="say \"hi\"""#
        let parameters = AuthChallenge.parse(header).first?.parameters
        #expect(parameters?["realm"] == "http://h/t?a=1,b=2")
        #expect(parameters?["service"] == "svc")
        #expect(parameters?["scope"] == "repository:a:pull,push")
        #expect(parameters?["error"] == #"say "hi""#)
    }

    @Test func severalChallenges() {
        let parsed = AuthChallenge.parse(#"Basic realm="Registry", Bearer realm="https://a/token",service="x""#)
        #expect(parsed.map(\.scheme) == ["basic", "bearer"])
        #expect(parsed[0].parameters == ["realm": "Registry"])
        #expect(parsed[1].parameters == ["realm": "https://a/token", "service": "x"])
        #expect(AuthChallenge.first("Bearer", in: #"Basic realm="r", Bearer realm="https://a/t""#)?.parameters["realm"] == "https://a/t")
    }

    @Test func malformedInputDoesNotTrapOrLoop() {
        for header in ["", "   ", ",,,", "Bearer", "Bearer realm=", #"Bearer realm="unterminated"#, "Basic dXNlcjpwYXNz==",
                       "@@@", "Bearer =x", #"Bearer realm="a"garbage"#] {
            _ = AuthChallenge.parse(header)
        }
        #expect(AuthChallenge.parse("Bearer").first == AuthChallenge(scheme: "bearer", parameters: [:]))
        #expect(AuthChallenge.parse("Basic dXNlcjpwYXNz==").first?.scheme == "basic")
    }

    @Test func tokenURL() throws {
        let challenge = AuthChallenge(scheme: "Bearer", parameters: ["realm": "https://auth.example/token", "service": "reg istry"])
        let request = try #require(challenge.tokenURL(repository: "library/alpine"))
        #expect(request.url == "https://auth.example/token?service=reg%20istry&scope=repository:library/alpine:pull")
        #expect(request.key.scope == "repository:library/alpine:pull")
        let scoped = AuthChallenge(scheme: "bearer", parameters: ["realm": "http://h/v2/token?x=1", "scope": "repository:a:pull"])
        #expect(scoped.tokenURL(repository: "ignored")?.url == "http://h/v2/token?x=1&scope=repository:a:pull")
        #expect(AuthChallenge(scheme: "bearer", parameters: ["realm": "/relative"]).tokenURL(repository: "a") == nil)
        #expect(AuthChallenge(scheme: "basic", parameters: ["realm": "https://x"]).tokenURL(repository: "a") == nil)
    }
}

@Suite struct RegistryTokensTests {
    @Test func grantParsing() {
        #expect(TokenGrant(json: Array(#"{"token":"abc","expires_in":300}"#.utf8)) == TokenGrant(token: "abc", expiresIn: 300))
        #expect(TokenGrant(json: Array(#"{"access_token":"xyz"}"#.utf8)) == TokenGrant(token: "xyz", expiresIn: 60))
        #expect(TokenGrant(json: Array(#"{"token":""}"#.utf8)) == nil)
        #expect(TokenGrant(json: Array(#"{"token":"a\nb"}"#.utf8)) == nil)
        #expect(TokenGrant(json: Array("not json".utf8)) == nil)
    }

    @Test func cachedUntilShortlyBeforeExpiry() {
        final class FakeClock: @unchecked Sendable { var now: Int64 = 1000 }
        let clock = FakeClock()
        let tokens = RegistryTokens(now: { clock.now })
        let key = RegistryTokens.Key(realm: "https://a/token", service: "s", scope: "repository:x:pull", credentials: nil)
        let other = RegistryTokens.Key(realm: "https://a/token", service: "s", scope: "repository:x:pull", credentials: "u:p")
        #expect(tokens.token(for: key) == nil)
        tokens.store(TokenGrant(token: "t1", expiresIn: 300), for: key)
        #expect(tokens.token(for: key) == "t1")
        #expect(tokens.token(for: other) == nil)
        clock.now += 260
        #expect(tokens.token(for: key) == "t1")
        clock.now += 20  // 280 s: within the renewal margin (30 s of 300)
        #expect(tokens.token(for: key) == nil)
        tokens.store(TokenGrant(token: "t2", expiresIn: 0), for: key)
        #expect(tokens.token(for: key) == nil)
    }
}

@Suite struct ProxyErrorMappingTests {
    @Test func upstreamTroubleIsAGatewayErrorAndAbsenceIsNotFound() {
        #expect(ProxyError.unavailable("x").ociError(.blobUnknown).status == .badGateway)
        #expect(ProxyError.digestMismatch(expected: "a", actual: "b").ociError(.blobUnknown).code == .unknown)
        #expect(ProxyError.tooLarge(limit: 1).ociError(.blobUnknown).status == .badGateway)
        #expect(ProxyError.timedOut("x").ociError(.manifestUnknown).status == .gatewayTimeout)
        #expect(ProxyError.notFound("x").ociError(.manifestUnknown).code == .manifestUnknown)
        #expect(ProxyError.notCached("x").ociError(.blobUnknown).status == .notFound)
        #expect(ProxyError.unavailable("x").isUpstreamFailure && !ProxyError.notFound("x").isUpstreamFailure)
    }

    @Test func upstreamStatuses() {
        let source = ProxySource(upstream: "http://up", remoteName: "library/alpine")
        #expect(OCIPullThrough.failure(404, "x", source) == .notFound("x"))
        // Docker Hub answers 401 for names it does not have (after the token dance).
        guard case .notFound = OCIPullThrough.failure(401, "x", source) else { Issue.record("401"); return }
        guard case .unavailable = OCIPullThrough.failure(503, "x", source) else { Issue.record("503"); return }
        guard case .unavailable = OCIPullThrough.failure(429, "x", source) else { Issue.record("429"); return }
    }
}
