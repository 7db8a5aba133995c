import ArgumentParser
import Foundation
import PigstyCompiler
import PigstyDiagnostics
import PigstyInventory

struct Plan: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    static let configuration = CommandConfiguration(
        abstract: "Print the order in which nodes apply their bundles: waves of nodes that may run in parallel.",
        discussion: "A dependency cycle (e.g. two standby clusters following each other) is error PGS0830, exit 1.")

    @Argument(help: "The inventory file.")
    var inventory: String = "pigsty.yml"

    @Option(name: .shortAndLong, help: "Only these nodes: IPs, groups or clusters, comma-separated (as Ansible's -l).")
    var limit: String?

    @Option(help: "text or json.")
    var format: Format = .text

    @Option(help: "Node facts file (as for compile).")
    var facts: String?

    @Flag(help: "Treat unknown parameters as errors.")
    var strict = false

    @OptionGroup var vault: VaultOptions

    func run() throws {
        let (graph, _, full) = try Inputs.planned(inventory: inventory, facts: facts, strict: strict, vault: try vault.secret())
        let nodes = try Inputs.select(limit, graph: graph, among: graph.nodes.map(\.ip))
        let plan = full.limited(to: nodes)
        switch format {
        case .text: print(plan.text, terminator: "")
        case .json:
            let waves: [[String: Any]] = plan.waves.map {
                ["name": $0.name, "steps": $0.steps.map(\.rawValue), "nodes": $0.nodes]
            }
            let data = try JSONSerialization.data(withJSONObject: ["waves": waves], options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
