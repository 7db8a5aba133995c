import Foundation
import PackagePlugin

/// Embeds `schema/*.yml` into the PigstySchema module at build time: the binary carries its schema
/// (no run-time file lookup) and no generated Swift file lives in `Sources/`.
@main
struct EmbedSchemaPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let schemaDir = context.package.directoryURL.appendingPathComponent("schema")
        let names = try FileManager.default.contentsOfDirectory(atPath: schemaDir.path)
            .filter { $0.hasSuffix(".yml") }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let inputs = names.map { schemaDir.appendingPathComponent($0) }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedSchema.swift")
        return [.buildCommand(
            displayName: "Embedding schema/*.yml into \(target.name)",
            executable: try context.tool(named: "embed-schema-tool").url,
            arguments: [output.path] + inputs.map(\.path),
            inputFiles: inputs,
            outputFiles: [output]
        )]
    }
}
