import ArgumentParser
import PigstyDiagnostics
import PigstyInventory
import PigstySchema

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a parameter's schema, its effective value and where that value comes from.")

    @Argument(help: "A parameter name, e.g. pg_version, or a derived fact such as pg_instance.")
    var parameter: String

    @Option(help: "Show the value in effect on this host (an inventory IP).")
    var host: String?

    @Argument(help: "The inventory file.")
    var inventory: String = "pigsty.yml"

    func run() throws {
        let sink = DiagnosticSink()
        let file = try Inputs.load(inventory: inventory, facts: nil, sink: sink, format: .text).file
        guard let resolved = Frontend.load(file, sink: sink), !sink.hasErrors else {
            print(DiagnosticRenderer(format: .text, sources: sink.sources).render(sink.sorted, inputs: [inventory]), terminator: "")
            throw ExitCode(1)
        }
        let report = Explanation(resolved: resolved)
        let text: String
        do {
            text = try report.explain(parameter, host: host)
        } catch let e as Explanation.Problem {
            printError("pigstyc: error: \(e.message)")
            throw ExitCode(2)
        }
        print(text, terminator: "")
    }
}
