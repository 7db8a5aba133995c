import PigstyModel
import PigstyBackends
import PigstyOutput
import PigstyDeploy
import Foundation
import PigstyDiagnostics
import PigstyInventory

/// lower + emit: a checked inventory → every node's files.
public enum Compiler {
    /// Runs every back end. Returns nil (with diagnostics) when back ends disagree about a file.
    /// Back ends only read the graph, so they run side by side, each into its own tree and sink;
    /// the results are merged in back-end order, which keeps the output and the diagnostics the
    /// same as a sequential run.
    /// `clock` gets each back end's time as a part of `emit`.
    public static func emit(_ graph: ResourceGraph, sink: DiagnosticSink, backends: [any Backend] = Backends.all,
                            clock: StageClock? = nil) -> FileTree? {
        let results = concurrentMap(backends.count) { i in
            let start = StageClock.now
            var own = FileTree()
            let ownSink = DiagnosticSink()
            backends[i].emit(graph, into: &own, sink: ownSink)
            return (tree: own, diagnostics: ownSink.diagnostics, seconds: StageClock.now - start)
        }
        let mergeStart = StageClock.now
        for (i, result) in results.enumerated() {
            clock?.record(backends[i].name, of: "emit", seconds: result.seconds)
            for d in result.diagnostics { sink.report(d) }
        }
        let tree = FileTree.merged(results.map(\.tree))
        clock?.record("(merge)", of: "emit", seconds: StageClock.now - mergeStart)
        let validateStart = StageClock.now
        defer { clock?.record("(validate)", of: "emit", seconds: StageClock.now - validateStart) }
        let conflicts = tree.conflicts.sorted { ($0.node, $0.path, $0.producers.joined(separator: ",")) < ($1.node, $1.path, $1.producers.joined(separator: ",")) }
        for c in conflicts {
            sink.report(.fileConflict,
                        "\(c.path) on \(c.node) is generated twice with different content (\(c.producers.joined(separator: ", ")))",
                        at: nil)
        }
        ApplyBundle.validate(tree, sink: sink)
        return sink.hasErrors ? nil : tree
    }

    /// check, lower and emit, keeping the graph (for `plan`, `bundle`, `ship`). Nil when anything failed.
    /// `inventoryName` (default: the file's path) names the inventory in the resource graph (the
    /// `graph` export); generated files never contain it. `clock` records each stage.
    public static func build(_ file: SourceFile, facts: FactsTable = FactsTable(), sink: DiagnosticSink,
                             options: CheckOptions = CheckOptions(), clock: StageClock? = nil,
                             inventoryName: String? = nil,
                             certificates: CertificateStage? = nil) -> (graph: ResourceGraph, tree: FileTree)? {
        guard let resolved = StageClock.time(clock, "check", { Frontend.check(file, sink: sink, options: options) }),
              !sink.hasErrors else { return nil }
        var graph = StageClock.time(clock, "lower") {
            ResourceGraph.lower(resolved, facts: facts, inventoryName: inventoryName ?? file.path, clock: clock)
        }
        if let certificates {
            guard let issued = StageClock.time(clock, "issue", { certificates.run(graph) }) else { return nil }
            graph = issued
        }
        guard let tree = StageClock.time(clock, "emit", { emit(graph, sink: sink, clock: clock) }) else { return nil }
        return (graph, tree)
    }

    /// The whole pipeline for one inventory file: check, lower, emit. Nil when anything failed.
    public static func compile(_ file: SourceFile, facts: FactsTable = FactsTable(), sink: DiagnosticSink,
                               options: CheckOptions = CheckOptions(), clock: StageClock? = nil,
                               inventoryName: String? = nil, certificates: CertificateStage? = nil) -> FileTree? {
        build(file, facts: facts, sink: sink, options: options, clock: clock, inventoryName: inventoryName,
              certificates: certificates)?.tree
    }
}
