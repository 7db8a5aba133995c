import PigstyDiagnostics
import PigstyModel
import PigstyFormats

/// A back end: turns part of the graph into files. One file per back end, each a small type.
public protocol Backend {
    /// Short name, used in the manifest's `producer` field.
    var name: String { get }
    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink)
}

/// The back ends `compile` runs, in order.
public enum Backends {
    public static var all: [any Backend] { registered }
    /// Back ends register here (kept as a plain list so the order is explicit).
    static let registered: [any Backend] = BackendList.all
}

/// The first line(s) of every generated file: who made it, for which node, from what.
public enum Header {
    /// `# pigstyc: <what> for <node>, generated from <inventory>; do not edit`.
    /// Written through `LineWriter.comment`: a line break in a name cannot end the comment.
    public static func hash(_ what: String, node: String, inventory: String) -> String {
        var w = LineWriter()
        hash(what, node: node, inventory: inventory, into: &w)
        return w.text
    }

    /// The header line, written into `w`.
    public static func hash(_ what: String, node: String, inventory: String, into w: inout LineWriter) {
        w.comment("pigstyc: \(what) for \(node), generated from \(inventory); do not edit")
    }
}
