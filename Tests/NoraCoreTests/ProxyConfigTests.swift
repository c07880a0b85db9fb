import NoraCore
import Testing

/// The pull-through proxy's settings: NORA's names, defaults, lists and TOML tables.
@Suite struct ProxyConfigTests {
    private func parse(_ toml: String? = nil, _ env: [String: String] = [:]) throws(ConfigError) -> NoraConfig {
        try ConfigLoader.parse(toml: toml, environment: env).0
    }

    @Test func defaultsAreNORAsPublicUpstreams() throws {
        let proxy = try parse().proxy
        #expect(!proxy.offline)
        #expect(proxy.npm.upstreams == [UpstreamEntry(url: "https://registry.npmjs.org")])
        #expect(proxy.pypi.upstreams == [UpstreamEntry(url: "https://pypi.org/simple")])
        #expect(proxy.maven.upstreams == [UpstreamEntry(url: "https://repo1.maven.org/maven2")])
        #expect(proxy.cargo.upstreams == [UpstreamEntry(url: "https://crates.io")])
        #expect(proxy.go.upstreams == [UpstreamEntry(url: "https://proxy.golang.org")])
        #expect(proxy.docker.upstreams == [UpstreamEntry(url: "https://registry-1.docker.io")])
        #expect(proxy.npm.metadataTTL == 300 && proxy.npm.timeoutSeconds == 30 && proxy.npm.serveStale && proxy.npm.revalidate)
        #expect(proxy.docker.metadataTTL == -1 && proxy.docker.timeoutSeconds == 300 && proxy.docker.readTimeoutSeconds == 60)
        #expect(proxy.docker.defaultAction == .allow)
        #expect(proxy.circuitBreaker == ProxyConfig.CircuitBreaker())
        #expect(!proxy.circuitBreaker.enabled && proxy.circuitBreaker.threshold == 5 && proxy.circuitBreaker.resetTimeoutSeconds == 30)
    }

    @Test func emptyValueTurnsAProxyOff() throws {
        let config = try parse(nil, ["NORA_NPM_PROXY": "", "NORA_PYPI_PROXIES": "", "NORA_DOCKER_PROXIES": ""])
        #expect(!config.proxy.npm.enabled && !config.proxy.pypi.enabled && !config.proxy.docker.enabled)
        #expect(config.proxy.go.enabled)
    }

    @Test func environmentSettings() throws {
        let config = try parse(nil, [
            "NORA_NPM_PROXY": "http://npm.internal/", "NORA_NPM_PROXY_AUTH": "ci:secret", "NORA_NPM_METADATA_TTL": "-1",
            "NORA_NPM_SERVE_STALE": "false", "NORA_NPM_REVALIDATE": "false", "NORA_NPM_PROXY_TIMEOUT": "7",
            "NORA_PYPI_PROXIES": "https://a.example/simple,https://b.example/simple|u:p",
            "NORA_MAVEN_PROXIES": "https://repo.example/m2|bob:pw, https://repo1.maven.org/maven2",
            "NORA_GO_PROXY_TIMEOUT_ZIP": "600", "NORA_OFFLINE": "true",
            "NORA_CB_ENABLED": "true", "NORA_CB_THRESHOLD": "2", "NORA_CB_RESET_TIMEOUT": "9",
        ])
        #expect(config.proxy.npm.upstreams == [UpstreamEntry(url: "http://npm.internal", auth: "ci:secret")])
        #expect(config.proxy.npm.metadataTTL == -1 && !config.proxy.npm.serveStale && !config.proxy.npm.revalidate)
        #expect(config.proxy.npm.timeoutSeconds == 7)
        #expect(config.proxy.pypi.upstreams == [UpstreamEntry(url: "https://a.example/simple"),
                                                UpstreamEntry(url: "https://b.example/simple", auth: "u:p")])
        #expect(config.proxy.maven.upstreams.map(\.auth) == ["bob:pw", nil])
        #expect(config.proxy.goZipTimeoutSeconds == 600 && config.proxy.offline)
        #expect(config.proxy.circuitBreaker.enabled && config.proxy.circuitBreaker.threshold == 2
                && config.proxy.circuitBreaker.resetTimeoutSeconds == 9)
    }

    @Test func pypiListWinsOverSingleURL() throws {
        let config = try parse(nil, ["NORA_PYPI_PROXY": "https://one.example/simple", "NORA_PYPI_PROXY_AUTH": "a:b",
                                     "NORA_PYPI_PROXIES": "https://two.example/simple,https://three.example/simple"])
        #expect(config.proxy.pypi.upstreams.map(\.url) == ["https://two.example/simple", "https://three.example/simple"])
        let single = try parse(nil, ["NORA_PYPI_PROXY": "https://one.example/simple", "NORA_PYPI_PROXY_AUTH": "a:b"])
        #expect(single.proxy.pypi.upstreams == [UpstreamEntry(url: "https://one.example/simple", auth: "a:b")])
    }

    @Test func dockerUpstreamsFromEnvironmentAndAlias() throws {
        let config = try parse(nil, ["NORA_DOCKER_UPSTREAMS": "https://old.example",
                                     "NORA_DOCKER_PROXIES": "https://registry-1.docker.io,https://ghcr.io|user:tok|gh"])
        #expect(config.proxy.docker.upstreams == [UpstreamEntry(url: "https://registry-1.docker.io"),
                                                  UpstreamEntry(url: "https://ghcr.io", auth: "user:tok", prefix: "gh")])
        let alias = try parse(nil, ["NORA_DOCKER_UPSTREAMS": "https://old.example||p"])
        #expect(alias.proxy.docker.upstreams == [UpstreamEntry(url: "https://old.example", prefix: "p")])
        let deny = try parse(nil, ["NORA_DOCKER_DEFAULT_ACTION": "deny", "NORA_DOCKER_READ_TIMEOUT": "5"])
        #expect(deny.proxy.docker.defaultAction == .deny && deny.proxy.docker.readTimeoutSeconds == 5)
    }

    @Test func tomlTablesAndLists() throws {
        let config = try parse("""
            [server]
            offline = true
            [npm]
            proxy = "https://npm.example"
            metadata_ttl = 0
            [pypi]
            proxies = ["https://a.example/simple", { url = "https://b.example/simple", auth = "u:p" }]
            [circuit_breaker]
            enabled = true
            failure_threshold = 3
            [[docker.upstreams]]
            url = "https://registry-1.docker.io"
            namespace = "docker.io"
            [[docker.upstreams]]
            url = "https://ghcr.io"
            auth = "me:tok"
            prefix = "gh"
            """)
        #expect(config.proxy.offline)
        #expect(config.proxy.npm.upstreams == [UpstreamEntry(url: "https://npm.example")] && config.proxy.npm.metadataTTL == 0)
        #expect(config.proxy.pypi.upstreams == [UpstreamEntry(url: "https://a.example/simple"),
                                                UpstreamEntry(url: "https://b.example/simple", auth: "u:p")])
        #expect(config.proxy.circuitBreaker.enabled && config.proxy.circuitBreaker.threshold == 3)
        #expect(config.proxy.docker.upstreams == [
            UpstreamEntry(url: "https://registry-1.docker.io", namespace: "docker.io"),
            UpstreamEntry(url: "https://ghcr.io", auth: "me:tok", prefix: "gh"),
        ])
    }

    @Test(arguments: [("NORA_NPM_PROXY", "ftp://x"), ("NORA_NPM_PROXY", "https://a,https://b"),
                      ("NORA_NPM_METADATA_TTL", "-2"), ("NORA_CB_THRESHOLD", "0"), ("NORA_DOCKER_DEFAULT_ACTION", "maybe"),
                      ("NORA_MAVEN_PROXIES", "repo1.maven.org"), ("NORA_OFFLINE", "perhaps")])
    func invalidValuesNameTheirKey(_ key: String, _ value: String) {
        let error = #expect(throws: ConfigError.self) { try parse(nil, [key: value]) }
        #expect(error?.key == key)
    }
}
