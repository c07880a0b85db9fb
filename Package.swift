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
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", exact: "0.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
    ],
    targets: [
        .target(name: "NoraCore", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
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
        .target(name: "NoraServer", dependencies: [
            "NoraCore", "NoraStorage", "NoraMetadata", "NoraAuth", "NoraRaw",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        .executableTarget(name: "nora", dependencies: [
            "NoraCore", "NoraServer", "NoraAuth", "NoraMetadata",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "NoraCoreTests", dependencies: ["NoraCore"]),
        .testTarget(name: "NoraStorageTests", dependencies: ["NoraStorage", "NoraStorageConformance"]),
        .testTarget(name: "NoraMetadataTests", dependencies: ["NoraMetadata"]),
        .testTarget(name: "NoraAuthTests", dependencies: ["NoraAuth", "NoraMetadata"]),
        .testTarget(name: "NoraServerTests", dependencies: [
            "NoraServer", "NoraRaw", "NoraAuth", "NoraCore", "NoraMetadata",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
    ]
)
