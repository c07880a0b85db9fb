/// The pull-through proxy's rows of the settings table (NORA's names; see `ProxyConfig`).
extension ConfigLoader {
    static let proxySettings: [Setting] = general + formatSettings("npm", \.npm) + formatSettings("pypi", \.pypi) + [
        // After `pypi.proxy` and its auth: the ordered list wins when both are set.
        Setting(tomlKey: "pypi.proxies", envName: "NORA_PYPI_PROXIES") { c, v throws(ConfigError) in
            c.proxy.pypi.upstreams = try UpstreamEntry.parseList(v)
        },
    ] + [
        Setting(tomlKey: "maven.proxies", envName: "NORA_MAVEN_PROXIES") { c, v throws(ConfigError) in
            c.proxy.maven.upstreams = try UpstreamEntry.parseList(v)
        },
        Setting(tomlKey: "maven.checksum_verify", envName: "NORA_MAVEN_CHECKSUM_VERIFY") { c, v throws(ConfigError) in
            c.proxy.mavenChecksumVerify = try boolean(v)
        },
    ] + formatSettings("maven", \.maven, single: false) + formatSettings("cargo", \.cargo) + formatSettings("go", \.go) + [
        Setting(tomlKey: "go.proxy_timeout_zip", envName: "NORA_GO_PROXY_TIMEOUT_ZIP") { c, v throws(ConfigError) in
            c.proxy.goZipTimeoutSeconds = try integer(v, in: 1...86_400)
        },
    ] + docker

    private static let general: [Setting] = [
        Setting(tomlKey: "server.offline", envName: "NORA_OFFLINE") { c, v throws(ConfigError) in c.proxy.offline = try boolean(v) },
        Setting(tomlKey: "circuit_breaker.enabled", envName: "NORA_CB_ENABLED") { c, v throws(ConfigError) in
            c.proxy.circuitBreaker.enabled = try boolean(v)
        },
        Setting(tomlKey: "circuit_breaker.failure_threshold", envName: "NORA_CB_THRESHOLD") { c, v throws(ConfigError) in
            c.proxy.circuitBreaker.threshold = try integer(v, in: 1...1_000_000)
        },
        Setting(tomlKey: "circuit_breaker.reset_timeout", envName: "NORA_CB_RESET_TIMEOUT") { c, v throws(ConfigError) in
            c.proxy.circuitBreaker.resetTimeoutSeconds = try integer(v, in: 1...86_400)
        },
    ]

    /// `<format>.proxy` (when the format has a single-upstream key), `proxy_auth`, `proxy_timeout`,
    /// `metadata_ttl`, `serve_stale`, `revalidate`. The auth row follows the URL rows so it
    /// applies to the upstream they set.
    private static func formatSettings(_ format: String, _ path: WritableKeyPath<ProxyConfig, ProxyConfig.FormatProxy> & Sendable,
                                       single: Bool = true) -> [Setting] {
        let env = "NORA_\(format.uppercased())_"
        var rows: [Setting] = []
        if single {
            rows.append(Setting(tomlKey: "\(format).proxy", envName: env + "PROXY") { c, v throws(ConfigError) in
                let entries = try UpstreamEntry.parseList(v)
                guard entries.count <= 1 else { throw invalid(v, "one upstream URL (use \(format == "pypi" ? "NORA_PYPI_PROXIES" : "a single URL") for a list)") }
                c.proxy[keyPath: path].upstreams = entries
            })
        }
        rows += [
            Setting(tomlKey: "\(format).proxy_auth", envName: env + "PROXY_AUTH") { c, v throws(ConfigError) in
                guard !c.proxy[keyPath: path].upstreams.isEmpty, !v.isEmpty else { return }
                c.proxy[keyPath: path].upstreams[0].auth = v
            },
            Setting(tomlKey: "\(format).proxy_timeout", envName: env + "PROXY_TIMEOUT") { c, v throws(ConfigError) in
                c.proxy[keyPath: path].timeoutSeconds = try integer(v, in: 1...86_400)
            },
            Setting(tomlKey: "\(format).metadata_ttl", envName: env + "METADATA_TTL") { c, v throws(ConfigError) in
                c.proxy[keyPath: path].metadataTTL = Int64(try integer(v, in: -1...Int(Int32.max)))
            },
            Setting(tomlKey: "\(format).serve_stale", envName: env + "SERVE_STALE") { c, v throws(ConfigError) in
                c.proxy[keyPath: path].serveStale = try boolean(v)
            },
            Setting(tomlKey: "\(format).revalidate", envName: env + "REVALIDATE") { c, v throws(ConfigError) in
                c.proxy[keyPath: path].revalidate = try boolean(v)
            },
        ]
        return rows
    }

    /// Docker: the deprecated `NORA_DOCKER_UPSTREAMS` comes first so `NORA_DOCKER_PROXIES` wins when both are set.
    private static let docker: [Setting] = [
        Setting(tomlKey: "docker.upstreams", envName: "NORA_DOCKER_UPSTREAMS") { c, v throws(ConfigError) in
            c.proxy.docker.upstreams = try UpstreamEntry.parseList(v)
        },
        Setting(tomlKey: "docker.upstreams", envName: "NORA_DOCKER_PROXIES") { c, v throws(ConfigError) in
            c.proxy.docker.upstreams = try UpstreamEntry.parseList(v)
        },
        Setting(tomlKey: "docker.metadata_ttl", envName: "NORA_DOCKER_METADATA_TTL") { c, v throws(ConfigError) in
            c.proxy.docker.metadataTTL = Int64(try integer(v, in: -1...Int(Int32.max)))
        },
        Setting(tomlKey: "docker.serve_stale", envName: "NORA_DOCKER_SERVE_STALE") { c, v throws(ConfigError) in
            c.proxy.docker.serveStale = try boolean(v)
        },
        Setting(tomlKey: "docker.default_action", envName: "NORA_DOCKER_DEFAULT_ACTION") { c, v throws(ConfigError) in
            guard let action = ProxyConfig.DockerProxy.DefaultAction(rawValue: v.lowercased()) else { throw invalid(v, "must be allow or deny") }
            c.proxy.docker.defaultAction = action
        },
        Setting(tomlKey: "docker.proxy_timeout", envName: "NORA_DOCKER_PROXY_TIMEOUT") { c, v throws(ConfigError) in
            c.proxy.docker.timeoutSeconds = try integer(v, in: 1...86_400)
        },
        Setting(tomlKey: "docker.read_timeout", envName: "NORA_DOCKER_READ_TIMEOUT") { c, v throws(ConfigError) in
            c.proxy.docker.readTimeoutSeconds = try integer(v, in: 1...86_400)
        },
    ]
}
