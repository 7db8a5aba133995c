import ArgumentParser
import PigstyCompiler
import PigstyDiagnostics
import PigstyInventory

struct Graph: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable { case json, dot }

    static let configuration = CommandConfiguration(
        abstract: "Print the resource graph: nodes, clusters, instances and replication (JSON or Graphviz DOT).")

    @Argument(help: "The inventory file.")
    var inventory: String = "pigsty.yml"

    @Option(help: "json or dot.")
    var format: Format = .json

    @Option(help: "Node facts file (as for compile).")
    var facts: String?

    @OptionGroup var vault: VaultOptions

    func run() throws {
        let sink = DiagnosticSink()
        let inputs = try Inputs.load(inventory: inventory, facts: facts, sink: sink, format: .text)
        guard let resolved = Frontend.check(inputs.file, sink: sink, options: CheckOptions(vault: try vault.secret())), !sink.hasErrors else {
            printError(DiagnosticRenderer(format: .text, sources: sink.sources).render(sink.sorted, inputs: [Inputs.displayName(inventory)]))
            throw Status.errors
        }
        let graph = ResourceGraph.lower(resolved, facts: inputs.facts, inventoryName: inventory)
        print(format == .json ? GraphExport.json(graph) : GraphExport.dot(graph), terminator: "")
    }
}
