import ArgumentParser
import PigstyCompiler
import PigstyDiagnostics
import PigstyInventory

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check an inventory and write every node's configuration files to DIR/<node>/files/.")

    @Argument(help: "The inventory file.")
    var inventory: String = "pigsty.yml"

    @Option(name: .shortAndLong, help: "Output directory.")
    var output: String = "out"

    @Option(help: "Node facts (YAML: { default: {os, arch, cpu, mem_mb, disk_gb, iface}, hosts: { IP: {…} } }).")
    var facts: String?

    @Flag(help: "Write nothing; exit 1 when the output directory differs from what would be written.")
    var check = false

    @Flag(help: "Treat unknown parameters as errors.")
    var strict = false

    @Option(help: "Diagnostics format: text, json, junit or checkstyle.")
    var format: DiagnosticFormat = .text

    @Flag(help: "Print the wall time of each stage to standard error.")
    var timings = false

    @Option(help: "A CA directory (e.g. files/pki/ca): install the certificates Pigsty's roles expect, issuing the missing or outdated ones beside it (not with --check).")
    var ca: String?

    @OptionGroup var vault: VaultOptions

    func run() throws {
        let sink = DiagnosticSink()
        let clock = timings ? StageClock() : nil
        defer { if let clock { printError(clock.report) } }
        let inputs = try Inputs.load(inventory: inventory, facts: facts, sink: sink, format: format)
        let stage = try ca.map { CertificateStage(ca: try CACommand.load($0), save: !check) }
        guard let (graph, tree) = Compiler.build(inputs.file, facts: inputs.facts, sink: sink, options: CheckOptions(strict: strict, vault: try vault.secret()),
                                                 clock: clock, certificates: stage) else {
            if let e = stage?.error {
                printError("pigstyc: error: \(e)")
                throw Status.cannotWrite
            }
            report(sink)
            throw ExitCode(1)
        }
        if let stage, let ca {
            if check, let changes = stage.result?.changes, !changes.isEmpty {
                // --check issues nothing: a certificate to issue makes the output stale.
                for c in changes { print("certificate \(stage.ca.pkiDirectory)/\(c) would be issued") }
                throw ExitCode(1)
            }
            if !check { CACommand.report(stage, dir: ca) }
        }
        // Freed by the process's exit, not object by object (that takes a noticeable part of a large compile).
        keepUntilExit(graph)
        keepUntilExit(tree)
        if !sink.diagnostics.isEmpty { report(sink) }
        let writer = TreeWriter(tree: tree)
        if check {
            let diffs = writer.differences(from: output)
            if diffs.isEmpty {
                print("\(output) is up to date (\(counted(tree.nodes.count, "node")), \(counted(tree.fileCount, "file")))")
                return
            }
            for d in diffs { print(d) }
            throw ExitCode(1)
        }
        let summary: TreeWriter.WriteSummary
        do {
            summary = try StageClock.time(clock, "write") {
                try writer.write(to: output) { dir in
                    printError("pigstyc: waiting for another pigstyc writing \(dir)/ to finish")
                }
            }
        } catch {
            printError("pigstyc: error: \(error)")
            throw Status.cannotWrite
        }
        printError("pigstyc: \(counted(tree.fileCount, "file")) for \(counted(tree.nodes.count, "node")) in \(output)/: \(summary.description)")
        if !summary.foreign.isEmpty {
            let n = summary.foreign.count
            printError("pigstyc: warning: left \(n) entr\(n == 1 ? "y" : "ies") in \(output)/ that pigstyc did not write: "
                + summary.foreign.prefix(10).joined(separator: ", ") + (n > 10 ? ", …" : ""))
        }
    }

    private func report(_ sink: DiagnosticSink) {
        let text = DiagnosticRenderer(format: format, sources: sink.sources).render(sink.sorted, inputs: [Inputs.displayName(inventory)])
        printError(text)
    }
}

