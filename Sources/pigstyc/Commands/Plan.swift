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

    @Option(help: ArgumentHelp("Also save the plan, each node's bundle sha256 and a digest of its inputs to FILE (JSON; see docs/bundles.md), for `ship --plan FILE`.",
                               valueName: "FILE"))
    var out: String?

    @Option(help: "A CA directory (as for bundle and ship): the bundles in a saved plan hold the certificates, and its digest covers them.")
    var ca: String?

    @OptionGroup var vault: VaultOptions

    func run() throws {
        let (graph, tree, full, inputs) = try Inputs.plannedInputs(inventory: inventory, facts: facts, strict: strict,
                                                                   vault: try vault.secret(), ca: ca)
        let nodes = try Inputs.select(limit, graph: graph, among: graph.nodes.map(\.ip))
        let plan = full.limited(to: nodes)
        if let out {
            var bundles: [String: String] = [:]
            for (node, bytes) in TreeWriter(tree: tree).bundles(tree.nodeNames.filter(nodes.contains)) {
                bundles[node] = TreeWriter.sha256(bytes)
            }
            let saved = SavedPlan(inputs: try PlanFile.inputs(inputs, graph: graph, ca: ca, limit: limit, strict: strict),
                                  bundles: bundles, plan: plan)
            do {
                try BundleCommand.writePrivate(Array(saved.json.utf8), to: out, mode: 0o644)
            } catch {
                printError("pigstyc: error: \(error)")
                throw Status.cannotWrite
            }
            printError("pigstyc: saved the plan to \(out) (inputs \(saved.digest.prefix(12))…)")
        }
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
