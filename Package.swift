// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "pigstyc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pigstyc", targets: ["pigstyc"]),
        .library(name: "PigstyKit", targets: ["PigstyInventory", "PigstyCMDB", "PigstyModel", "PigstyBackends", "PigstyOutput", "PigstyDeploy", "PigstyPKI", "PigstyCompiler"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(name: "CLinux"),
        .target(name: "PigstyDiagnostics"),
        .target(name: "PigstyYAML", dependencies: ["CYAML", "PigstyDiagnostics"]),
        .target(
            name: "PigstySchema",
            dependencies: ["PigstyYAML", "PigstyDiagnostics"],
            plugins: ["EmbedSchemaPlugin"]
        ),
        .target(name: "PigstyInventory", dependencies: ["PigstyYAML", "PigstySchema", "PigstyDiagnostics",
                                                     .product(name: "Crypto", package: "swift-crypto"),
                                                     .product(name: "_CryptoExtras", package: "swift-crypto")]),
        // lower: the resolved inventory as a typed resource graph (the only stage that reads parameters).
        .target(name: "PigstyJMESPath", dependencies: ["PigstyInventory", "PigstyYAML"]),
        .target(name: "PigstyModel", dependencies: ["PigstyInventory", "PigstySchema", "PigstyJMESPath", "PigstyDiagnostics", "PigstyFormats",
                                                 .product(name: "Crypto", package: "swift-crypto")]),
        // The output formats (YAML, JSON, INI, line formats): quoting and escaping in one place.
        .target(name: "PigstyFormats", dependencies: ["PigstyYAML"]),
        // emit: pure renderers of the typed graph.
        .target(
            name: "PigstyBackends",
            dependencies: ["PigstyModel", "PigstyFormats", "PigstyJMESPath", "PigstyDiagnostics", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // write: file trees on disk, manifests, tarballs.
        .target(
            name: "PigstyOutput",
            dependencies: ["PigstyModel", "PigstyFormats", "CZlib", "CLinux", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // issue: the certificates the graph asks for, from a CA directory (files/pki/ca), issued once and reused.
        .target(name: "PigstyPKI", dependencies: ["PigstyModel",
                                               .product(name: "X509", package: "swift-certificates"),
                                               .product(name: "SwiftASN1", package: "swift-asn1"),
                                               .product(name: "Crypto", package: "swift-crypto")]),
        // plan, apply bundles, ship, diff.
        .target(name: "PigstyDeploy", dependencies: ["PigstyModel", "PigstyOutput", "PigstyFormats", "CLinux"]),
        // The inventory in PostgreSQL (Pigsty's CMDB schema): libpq client, load, read, dump, revisions.
        .target(name: "PigstyCMDB", dependencies: ["CLibPQ", "PigstyInventory", "PigstyYAML", "PigstyDiagnostics"]),
        // The facade the CLI uses: check, lower, emit, write, deploy.
        .target(
            name: "PigstyCompiler",
            dependencies: ["PigstyInventory", "PigstyModel", "PigstyBackends", "PigstyOutput", "PigstyDeploy", "PigstyJMESPath", "PigstyPKI"]
        ),
        .executableTarget(
            name: "pigstyc",
            dependencies: [
                "PigstyInventory",
                "PigstyCompiler",
                "PigstyCMDB",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Build-time embedding of schema/*.yml into PigstySchema (no generated file in Sources/).
        .executableTarget(name: "embed-schema-tool", path: "Plugins/EmbedSchemaTool"),
        .plugin(name: "EmbedSchemaPlugin", capability: .buildTool(), dependencies: ["embed-schema-tool"]),
        // Code only the tests use (inventory mutators for the fuzzers).
        .target(name: "PigstyTestSupport", dependencies: ["PigstyYAML"]),
        .testTarget(name: "PigstyDiagnosticsTests", dependencies: ["PigstyDiagnostics"]),
        .testTarget(name: "PigstyYAMLTests", dependencies: ["PigstyYAML"]),
        .testTarget(name: "PigstySchemaTests", dependencies: ["PigstySchema"]),
        .testTarget(name: "PigstyInventoryTests", dependencies: ["PigstyInventory", "PigstyTestSupport"]),
        .testTarget(
            name: "PigstyCompilerTests",
            dependencies: ["PigstyCompiler", "PigstyModel", "PigstyBackends", "PigstyOutput", "PigstyDeploy",
                           "PigstyFormats", "PigstyJMESPath", "PigstyPKI", "PigstyTestSupport"]
        ),
        .testTarget(name: "PigstycCLITests", dependencies: ["pigstyc", "PigstyCMDB"]),
    ],
    swiftLanguageModes: [.v5]
)
