import PigstyDiagnostics
import PigstyInventory

public enum CompilerDiagnostic {
    public static let fileConflict = "PGS0810"
}

/// lower + emit: a checked inventory → every node's files.
public enum Compiler {
    /// Runs every back end. Returns nil (with diagnostics) when back ends disagree about a file.
    public static func emit(_ graph: ResourceGraph, sink: DiagnosticSink, backends: [any Backend] = Backends.all) -> FileTree? {
        var tree = FileTree()
        for backend in backends { backend.emit(graph, into: &tree, sink: sink) }
        for c in tree.conflicts {
            sink.error(CompilerDiagnostic.fileConflict,
                       "\(c.path) on \(c.node) is generated twice with different content (\(c.producers.joined(separator: ", ")))",
                       at: nil)
        }
        ApplyBundle.validate(tree, sink: sink)
        return sink.hasErrors ? nil : tree
    }

    /// check, lower and emit, keeping the graph (for `plan`, `bundle`, `ship`). Nil when anything failed.
    public static func build(_ file: SourceFile, facts: FactsTable = FactsTable(), sink: DiagnosticSink,
                             options: CheckOptions = CheckOptions()) -> (graph: ResourceGraph, tree: FileTree)? {
        guard let resolved = Frontend.check(file, sink: sink, options: options), !sink.hasErrors else { return nil }
        let graph = ResourceGraph.lower(resolved, facts: facts, inventoryName: file.path)
        guard let tree = emit(graph, sink: sink) else { return nil }
        return (graph, tree)
    }

    /// The whole pipeline for one inventory file: check, lower, emit. Nil when anything failed.
    public static func compile(_ file: SourceFile, facts: FactsTable = FactsTable(), sink: DiagnosticSink,
                               options: CheckOptions = CheckOptions()) -> FileTree? {
        guard let resolved = Frontend.check(file, sink: sink, options: options), !sink.hasErrors else { return nil }
        let graph = ResourceGraph.lower(resolved, facts: facts, inventoryName: file.path)
        return emit(graph, sink: sink)
    }
}
