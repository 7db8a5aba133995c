import ArgumentParser
import PigstyDiagnostics
import PigstyInventory

extension DiagnosticFormat: ExpressibleByArgument {}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse, resolve and validate an inventory; print diagnostics.")

    @Argument(help: "The inventory file.")
    var inventory: String = "pigsty.yml"

    @Flag(help: "Treat unknown parameters as errors, not warnings.")
    var strict = false

    @Option(help: "Output format: text, json, junit or checkstyle.")
    var format: DiagnosticFormat = .text

    @OptionGroup var vault: VaultOptions

    func run() throws {
        let sink = DiagnosticSink()
        let file = try Inputs.load(inventory: inventory, facts: nil, sink: sink, format: format).file
        let resolved = Frontend.check(file, sink: sink, options: CheckOptions(strict: strict, vault: try vault.secret()))
        let output = DiagnosticRenderer(format: format, sources: sink.sources).render(sink.sorted, inputs: [Inputs.displayName(inventory)])
        print(output, terminator: "")
        // The process ends here: skip tearing down the inventory's object graph.
        keepUntilExit(resolved)
        if sink.hasErrors { throw Status.errors }
    }
}
