import ArgumentParser
import Foundation
import PigstyDiagnostics
import PigstyInventory
import PigstySchema

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a parameter's schema, its effective value and where that value comes from.",
        discussion: """
        The schema part (type, level, default, allowed values) needs no inventory. The values and \
        their definitions are shown for the inventory given, or ./pigsty.yml when it exists.
        """)

    @Argument(help: "A parameter name, e.g. pg_version, or a derived fact such as pg_instance.")
    var parameter: String

    @Option(help: "Show the value in effect on this host (an inventory IP).")
    var host: String?

    @Argument(help: "The inventory file (default: ./pigsty.yml when it exists).")
    var inventory: String?

    @OptionGroup var vault: VaultOptions

    func run() throws {
        let path = inventory ?? (FileManager.default.fileExists(atPath: "pigsty.yml") ? "pigsty.yml" : nil)
        let report: Explanation
        if let path {
            let sink = DiagnosticSink()
            let file = try Inputs.load(inventory: path, facts: nil, sink: sink, format: .text).file
            guard let resolved = Frontend.load(file, sink: sink, vault: try vault.secret()), !sink.hasErrors else {
                print(DiagnosticRenderer(format: .text, sources: sink.sources).render(sink.sorted, inputs: [Inputs.displayName(path)]), terminator: "")
                throw Status.errors
            }
            report = Explanation(resolved: resolved)
        } else {
            report = Explanation(schema: .pigsty)
        }
        let text: String
        do {
            text = try report.explain(parameter, host: host)
        } catch let e as Explanation.Problem {
            printError("pigstyc: error: \(e.message)" + (path == nil && host != nil ? " (no ./pigsty.yml here; name the inventory)" : ""))
            throw Status.usage
        }
        print(text, terminator: "")
    }
}
