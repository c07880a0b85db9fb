// swift-tools-version: 6.2
import PackageDescription

/// Targets follow ../shared/ARCHITECTURE.md: core targets, one target per format,
/// the server assembly and the `nora` executable.
let package = Package(
    name: "nora",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nora", targets: ["nora"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", exact: "2.5.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", exact: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", exact: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", exact: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", exact: "0.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", exact: "0.9.20"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", exact: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", exact: "1.35.2"),
        // Used by `nora go publish` (and the pull-through caches to come); HummingbirdTesting
        // already builds it for the tests.
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
    ],
    targets: [
        .target(name: "NoraCore", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        .target(name: "NoraStorage", dependencies: [
            "NoraCore",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "_NIOFileSystem", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
        ]),
        .target(name: "NoraStorageConformance", dependencies: [
            "NoraCore", "NoraStorage",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .target(name: "NoraMetadata", dependencies: [
            "NoraCore",
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "SQLiteKit", package: "sqlite-kit"),
            .product(name: "PostgresKit", package: "postgres-kit"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "NoraAuth", dependencies: [
            "NoraCore", "NoraMetadata",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "SQLKit", package: "sql-kit"),
        ]),
        .target(name: "NoraRaw", dependencies: [
            "NoraCore", "NoraStorage", "NoraMetadata", "NoraAuth",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "SQLKit", package: "sql-kit"),
        ]),
        .target(name: "NoraOCI", dependencies: [
            "NoraCore", "NoraStorage", "NoraMetadata", "NoraAuth", "NoraProxy",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "NoraArchive", dependencies: [
            "NoraCore",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "NoraNpm", dependencies: [
            "NoraCore", "NoraStorage", "NoraMetadata", "NoraAuth", "NoraProxy",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "NoraPyPI", dependencies: [
            "NoraCore", "NoraStorage", "NoraMetadata", "NoraAuth", "NoraProxy", "NoraArchive",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "NoraCargo", dependencies: [
            "NoraCore", "NoraStorage", "NoraMetadata", "NoraAuth", "NoraProxy", "NoraArchive",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "NoraGo", dependencies: [
            "NoraCore", "NoraStorage", "NoraMetadata", "NoraAuth", "NoraProxy", "NoraArchive",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "_NIOFileSystem", package: "swift-nio"),
        ]),
        .target(name: "NoraMaven", dependencies: [
            "NoraCore", "NoraStorage", "NoraMetadata", "NoraAuth", "NoraProxy",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "NoraProxy", dependencies: [
            "NoraCore", "NoraStorage", "NoraMetadata",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        // Operations behind the CLI (`nora mirror`): input-file parsing in plain types, and a
        // client that drives a server's pull-through caches.
        .target(name: "NoraOperations", dependencies: [
            "NoraCore", "NoraProxy", "NoraGo", "NoraMaven", "NoraCargo",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "NoraWeb", dependencies: [
            "NoraCore", "NoraMetadata", "NoraAuth",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "NoraServer", dependencies: [
            "NoraCore", "NoraStorage", "NoraMetadata", "NoraAuth", "NoraRaw", "NoraOCI",
            "NoraNpm", "NoraPyPI", "NoraCargo", "NoraGo", "NoraMaven", "NoraWeb", "NoraProxy",
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        .executableTarget(name: "nora", dependencies: [
            "NoraCore", "NoraServer", "NoraAuth", "NoraMetadata", "NoraGo", "NoraPyPI", "NoraStorage", "NoraWeb", "NoraProxy", "NoraOCI", "NoraOperations",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "NoraCoreTests", dependencies: ["NoraCore"]),
        .testTarget(name: "NoraStorageTests", dependencies: ["NoraStorage", "NoraStorageConformance"]),
        // The database a test opens: SQLite in a temp folder, or a fresh PostgreSQL database
        // when NORA_TEST_DATABASE_URL names a server (scripts/test.sh runs the suites both ways).
        .target(name: "NoraMetadataTesting", dependencies: ["NoraMetadata"]),
        .testTarget(name: "NoraMetadataTests", dependencies: ["NoraMetadata", "NoraMetadataTesting"]),
        .testTarget(name: "NoraAuthTests", dependencies: ["NoraAuth", "NoraMetadata", "NoraMetadataTesting"]),
        .testTarget(name: "NoraOCITests", dependencies: ["NoraOCI", "NoraCore", "NoraProxy"]),
        .testTarget(name: "NoraNpmTests", dependencies: ["NoraNpm", "NoraCore"]),
        .testTarget(name: "NoraPyPITests", dependencies: ["NoraPyPI", "NoraCore", "NoraStorage", "NoraArchive"]),
        .testTarget(name: "NoraCargoTests", dependencies: ["NoraCargo", "NoraCore", "NoraMetadata", "NoraMetadataTesting"]),
        .testTarget(name: "NoraGoTests", dependencies: ["NoraGo", "NoraCore"]),
        .testTarget(name: "NoraMavenTests", dependencies: ["NoraMaven", "NoraCore"]),
        .testTarget(name: "NoraProxyTests", dependencies: [
            "NoraProxy", "NoraCore", "NoraStorage", "NoraMetadata",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .testTarget(name: "NoraOperationsTests", dependencies: [
            "NoraOperations", "NoraCore", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "NoraArchiveTests", dependencies: ["NoraArchive", "NoraCore"]),
        .testTarget(name: "NoraWebTests", dependencies: [
            "NoraWeb", "NoraServer", "NoraCore", "NoraMetadata", "NoraAuth", "NoraStorage",
            "NoraNpm", "NoraPyPI", "NoraCargo", "NoraGo", "NoraMaven", "NoraOCI", "NoraRaw",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "NoraServerTests", dependencies: [
            "NoraServer", "NoraRaw", "NoraAuth", "NoraCore", "NoraMetadata", "NoraMetadataTesting", "NoraStorage",
            "NoraOCI", "NoraNpm", "NoraPyPI", "NoraCargo", "NoraGo", "NoraMaven",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
    ]
)

// libFuzzer targets (scripts/fuzz.sh, docs/hardening.md), only when NORA_FUZZ=1, so the normal
// build and tests never see them. Each fuzz library compiles its format's parser files (symlinked
// from Sources/) with coverage instrumentation and AddressSanitizer, and reaches the rest of
// the format through `@testable import` of the normal debug module — so a fuzz build reuses
// the debug build's modules and compiles only the parsers again.
if Context.environment["NORA_FUZZ"] == "1" {
    // The symlinked files lost their module's own scope: `@testable`-import that module (and
    // the other Nora modules named) implicitly in every file, as if they were still at home.
    func fuzzLibrary(_ name: String, _ dependencies: [Target.Dependency], home: [String]) -> Target {
        let imports = home.flatMap { ["-Xfrontend", "-testable-import-module", "-Xfrontend", $0] }
        return .target(name: "Fuzz\(name)", dependencies: ["FuzzSupport"] + dependencies + home.map { .target(name: $0) },
                       path: "fuzz/Sources/Fuzz\(name)",
                       swiftSettings: [.unsafeFlags(["-sanitize=fuzzer,address"] + imports)])
    }
    let libraries: [(String, [Target.Dependency], home: [String])] = [
        ("Core", [.product(name: "TOMLKit", package: "TOMLKit")], home: ["NoraCore"]),
        ("Storage", [], home: ["NoraStorage", "NoraCore"]),
        ("Auth", [.product(name: "HummingbirdBcrypt", package: "hummingbird-auth")], home: ["NoraAuth", "NoraCore"]),
        ("Archive", [.product(name: "ZIPFoundation", package: "ZIPFoundation"), .product(name: "CompressNIO", package: "compress-nio"),
                     .product(name: "NIOCore", package: "swift-nio")], home: ["NoraArchive", "NoraCore"]),
        ("OCI", [.product(name: "HTTPTypes", package: "swift-http-types")], home: ["NoraOCI", "NoraCore"]),
        ("Npm", [.product(name: "Crypto", package: "swift-crypto")], home: ["NoraNpm", "NoraCore"]),
        ("PyPI", [], home: ["NoraPyPI", "NoraArchive", "NoraCore"]),
        ("Cargo", [.product(name: "NIOCore", package: "swift-nio")], home: ["NoraCargo", "NoraCore"]),
        ("Maven", [], home: ["NoraMaven", "NoraCore"]),
        ("Go", [.product(name: "ZIPFoundation", package: "ZIPFoundation")], home: ["NoraGo", "NoraCore"]),
    ]
    package.targets += libraries.map { fuzzLibrary($0.0, $0.1, home: $0.home) }
    package.targets += [
        .target(name: "CLibFuzzer", path: "fuzz/Sources/CLibFuzzer"),
        .target(name: "FuzzSupport", path: "fuzz/Sources/FuzzSupport"),
        .executableTarget(
            name: "nora-fuzz",
            dependencies: ["CLibFuzzer"] + libraries.map { .target(name: "Fuzz\($0.0)") },
            path: "fuzz/Sources/nora-fuzz",
            swiftSettings: [.unsafeFlags(["-sanitize=fuzzer,address"])],
            // libFuzzer's runtime and ASan's; lld because gold fails on libFuzzer's objects here.
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]),
    ]
    package.products += [.executable(name: "nora-fuzz", targets: ["nora-fuzz"])]
}
