import ArgumentParser
import Foundation
import PigstyCompiler
import PigstyDiagnostics
import PigstyInventory

struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Write one deterministic <node>.tar.gz apply bundle per node, and SHA256SUMS, to DIR.")

    @Argument(help: "The inventory file.")
    var inventory: String = "pigsty.yml"

    @Option(name: .shortAndLong, help: "Output directory (created if missing).")
    var output: String

    @Option(name: .shortAndLong, help: "Only these nodes: IPs, groups or clusters, comma-separated (as Ansible's -l).")
    var limit: String?

    @Option(help: "Node facts file (as for compile).")
    var facts: String?

    @Flag(help: "Treat unknown parameters as errors.")
    var strict = false

    func run() throws {
        let sink = DiagnosticSink()
        let inputs = try Inputs.load(inventory: inventory, facts: facts, sink: sink, format: .text)
        let (graph, tree) = try inputs.build(inventory: inventory, strict: strict, format: .text, sink: sink)
        let nodes = try Inputs.select(limit, graph: graph, among: tree.nodeNames)
        let writer = TreeWriter(tree: tree)
        let dir = URL(fileURLWithPath: output)
        var sums = ""
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (node, bytes) in writer.bundles(tree.nodeNames.filter(nodes.contains)) {
                let name = "\(node).tar.gz"
                try Data(bytes).write(to: dir.appendingPathComponent(name), options: .atomic)
                sums += "\(TreeWriter.sha256(bytes))  \(name)\n"
            }
            try Data(sums.utf8).write(to: dir.appendingPathComponent("SHA256SUMS"), options: .atomic)
        } catch {
            printError("pigstyc: error: cannot write \(output): \(error.localizedDescription)")
            throw Status.cannotWrite
        }
        printError("pigstyc: wrote \(nodes.count) bundle\(nodes.count == 1 ? "" : "s") to \(output)/")
    }
}
