import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyOutput
@testable import PigstyDeploy
@testable import PigstyFormats
@testable import PigstyJMESPath
import PigstyTestSupport

/// What running some back ends on inline inventory text produced.
struct Emitted {
    let graph: ResourceGraph
    let tree: FileTree
    let sink: DiagnosticSink
}

/// Checks (or, with `checked: false`, only parses and resolves) inventory text named `pigsty.yml`,
/// lowers it with `facts` and runs `backends`. Expects the front end to report no error and the
/// back ends to agree on every file; what the back ends report stays in `sink` for the caller.
func emit(_ text: String, _ backends: [any Backend], facts: FactsTable = FactsTable(),
          checked: Bool = true) throws -> Emitted {
    let sink = DiagnosticSink()
    let file = SourceFile(path: "pigsty.yml", text: text)
    let resolved = try #require(checked ? Frontend.check(file, sink: sink) : Frontend.load(file, sink: sink))
    #expect(!sink.hasErrors, "\(sink.diagnostics.map(\.message))")
    let graph = ResourceGraph.lower(resolved, facts: facts, inventoryName: "pigsty.yml")
    var tree = FileTree()
    for backend in backends { backend.emit(graph, into: &tree, sink: sink) }
    #expect(tree.conflicts.isEmpty)
    return Emitted(graph: graph, tree: tree, sink: sink)
}

/// As root, hands a path to `nobody` (PostgreSQL and pgbouncer refuse to run as root).
func giveToNobody(_ url: URL) {
    guard getuid() == 0, let pw = getpwnam("nobody") else { return }
    #expect(chown(url.path, pw.pointee.pw_uid, pw.pointee.pw_gid) == 0, "chown \(url.path)")
}

/// Writes a file that `nobody` owns.
func writeForNobody(_ text: String, to url: URL) throws {
    try text.write(to: url, atomically: false, encoding: .utf8)
    giveToNobody(url)
}

/// Runs a program to completion (standard input empty); exit status and combined output.
func runTool(_ exe: String, _ args: [String], cwd: URL? = nil, stdin: String? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    if let cwd { p.currentDirectoryURL = cwd }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    let input = stdin.map { _ in Pipe() }
    p.standardInput = input ?? FileHandle.nullDevice
    try p.run()
    if let input, let stdin {
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}
