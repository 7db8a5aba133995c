import ArgumentParser
import PigstySchema

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft-07) of pigsty.yml, for yaml-language-server and other editors.")

    func run() throws {
        print(JSONSchemaExporter.export(Schema.pigsty), terminator: "")
    }
}
