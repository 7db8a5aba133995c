import ArgumentParser
import PigstyCompiler
import PigstyDiagnostics
import PigstyInventory

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show which files and services change on each node between two inventories.",
        discussion: """
        Compiles both inventories and prints, per node, a unified diff of every file that would be \
        added, removed or changed (secrets masked) and the services that would reload or restart. \
        With --format json the report is a JSON object (nodes, files, unit effects, diffs) and \
        diagnostics are JSON too; junit and checkstyle apply to diagnostics only.

        Exit status, like `terraform plan -detailed-exitcode`: 0 no changes, 2 changes, 1 an \
        inventory has errors, 64 usage mistake, 66 an inventory cannot be read.
        """)

    @Argument(help: "The inventory as it is deployed now.")
    var old: String

    @Argument(help: "The inventory to compare it with.")
    var new: String

    @Option(help: "Node facts for both inventories (see `compile --facts`).")
    var facts: String?

    @Flag(help: "List changed files and services only, without the content diff.")
    var stat = false

    @Flag(help: "Treat unknown parameters as errors.")
    var strict = false

    @Option(help: "Report and diagnostics format: text or json; junit or checkstyle (diagnostics only).")
    var format: DiagnosticFormat = .text

    func run() throws {
        let before = try compile(old)
        let after = try compile(new)
        let mask = SecretMask(before.secrets.union(after.secrets))
        let diff = TreeDiff(old: before.tree, new: after.tree)
        let report = ChangeReport(diff: diff, mask: mask, oldLabel: "a", newLabel: "b")
        print(format == .json ? report.json(withContent: !stat) : report.render(withContent: !stat), terminator: "")
        if !diff.isEmpty { throw Status.changes }
    }

    private func compile(_ path: String) throws -> (tree: FileTree, secrets: Set<String>) {
        let sink = DiagnosticSink()
        // An unreadable file exits 66 (never 2, which means "changes").
        let inputs = try Inputs.load(inventory: path, facts: facts, sink: sink, format: format)
        // Both trees name the new inventory in their headers, so a renamed file is not a change everywhere.
        guard let built = Compiler.build(inputs.file, facts: inputs.facts, sink: sink, options: CheckOptions(strict: strict),
                                         inventoryName: new) else {
            printError(DiagnosticRenderer(format: format, sources: sink.sources).render(sink.sorted, inputs: [path]))
            throw Status.errors
        }
        return (built.tree, built.graph.secretValues)
    }
}
