// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "pigstyc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pigstyc", targets: ["pigstyc"]),
        .library(name: "PigstyKit", targets: ["PigstyInventory", "PigstyCompiler"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
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
        .systemLibrary(name: "CLinux"),
        .target(name: "PigstyDiagnostics"),
        .target(name: "PigstyYAML", dependencies: ["CYAML", "PigstyDiagnostics"]),
        .target(name: "PigstySchema", dependencies: ["PigstyYAML", "PigstyDiagnostics"]),
        .target(name: "PigstyInventory", dependencies: ["PigstyYAML", "PigstySchema", "PigstyDiagnostics"]),
        .target(
            name: "PigstyCompiler",
            dependencies: ["PigstyInventory", "CZlib", "CLinux", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .executableTarget(
            name: "pigstyc",
            dependencies: [
                "PigstyInventory",
                "PigstyCompiler",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "PigstyDiagnosticsTests", dependencies: ["PigstyDiagnostics"]),
        .testTarget(name: "PigstyYAMLTests", dependencies: ["PigstyYAML"]),
        .testTarget(name: "PigstySchemaTests", dependencies: ["PigstySchema"]),
        .testTarget(name: "PigstyInventoryTests", dependencies: ["PigstyInventory"]),
        .testTarget(name: "PigstyCompilerTests", dependencies: ["PigstyCompiler"]),
        .testTarget(name: "PigstycCLITests", dependencies: ["pigstyc"]),
    ],
    swiftLanguageModes: [.v5]
)
