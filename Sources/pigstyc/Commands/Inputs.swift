import ArgumentParser
import PigstyCompiler
import PigstyDiagnostics
import PigstyInventory

/// Reading the inventory and the optional facts file, shared by the commands that compile.
/// I/O problems exit 2; a bad facts file prints its diagnostics and exits 1.
struct Inputs {
    let file: SourceFile
    let facts: FactsTable

    static func load(inventory: String, facts: String?, sink: DiagnosticSink, format: DiagnosticFormat) throws -> Inputs {
        do {
            let file = try Frontend.read(path: inventory)
            guard let facts else { return Inputs(file: file, facts: FactsTable()) }
            guard let table = FactsTable.parse(try Frontend.read(path: facts), sink: sink) else {
                printError(DiagnosticRenderer(format: format, sources: sink.sources).render(sink.sorted, inputs: [facts]))
                throw ExitCode(1)
            }
            return Inputs(file: file, facts: table)
        } catch let e as InputError {
            printError("pigstyc: error: \(e)")
            throw ExitCode(2)
        }
    }
}
