import ArgumentParser
import Foundation
import PigstyCMDB
import PigstyCompiler
import PigstyDiagnostics
import PigstyInventory

/// Reading the inventory and the optional facts file, shared by the commands that compile.
/// An unreadable file exits 66; a bad facts file prints its diagnostics and exits 1.
/// INVENTORY may also be a `postgres://` / `postgresql://` URL (`#rev=N` for a past revision):
/// the inventory tables of a CMDB (`pigstyc cmdb load`), composed into the same inventory.
struct Inputs {
    let file: SourceFile
    let facts: FactsTable
    /// The facts file as read (a saved plan's digest covers it).
    var factsFile: SourceFile? = nil

    /// The inventory's file, or its CMDB's tables (a database that cannot be read exits 66).
    static func read(inventory: String, sink: DiagnosticSink) throws -> SourceFile {
        guard CMDBLocation.isURL(inventory) else { return try Frontend.read(path: inventory) }
        let location: CMDBLocation
        do {
            location = try CMDBLocation(inventory)
        } catch let e as CMDBLocation.Invalid {
            printError("pigstyc: error: \(e)")
            throw Status.usage
        }
        do {
            return try CMDBSource.source(location, sink: sink)
        } catch let e as PQError {
            throw InputError(path: location.display, reason: e.message)
        } catch let e as CMDBError {
            throw InputError(path: location.display, reason: e.description)
        }
    }

    /// How messages name an inventory: a CMDB URL without its password.
    static func displayName(_ inventory: String) -> String {
        guard CMDBLocation.isURL(inventory), let location = try? CMDBLocation(inventory) else { return inventory }
        return location.display
    }

    static func load(inventory: String, facts: String?, sink: DiagnosticSink, format: DiagnosticFormat) throws -> Inputs {
        do {
            let file = try read(inventory: inventory, sink: sink)
            guard let facts else { return Inputs(file: file, facts: FactsTable()) }
            // The inventory's hosts, to refuse facts for a host it does not list (its own problems
            // are reported when it is checked).
            let hosts = InventoryParser.parse(file: file, sink: DiagnosticSink()).map { Set($0.hosts.map(\.name)) }
            let factsSource = try Frontend.read(path: facts)
            guard let table = FactsTable.parse(factsSource, sink: sink, inventoryHosts: hosts) else {
                printError(DiagnosticRenderer(format: format, sources: sink.sources).render(sink.sorted, inputs: [facts]))
                throw Status.errors
            }
            return Inputs(file: file, facts: table, factsFile: factsSource)
        } catch let e as InputError {
            printError("pigstyc: error: \(e)")
            throw Status.noInput
        }
    }
}

/// `--vault-password-file` (else `ANSIBLE_VAULT_PASSWORD_FILE`): the password for `!vault` values.
struct VaultOptions: ParsableArguments {
    @Option(name: .customLong("vault-password-file"),
            help: "A file holding the Ansible Vault password for !vault values (default: $ANSIBLE_VAULT_PASSWORD_FILE).")
    var vaultPasswordFile: String?

    /// The password, read now; an unreadable or empty file exits 66.
    func secret() throws -> VaultSecret? {
        let env = ProcessInfo.processInfo.environment["ANSIBLE_VAULT_PASSWORD_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        guard let path = vaultPasswordFile ?? env else { return nil }
        do {
            return try VaultSecret.read(file: path)
        } catch let e as InputError {
            printError("pigstyc: error: \(e)")
            throw Status.noInput
        }
    }
}

extension Inputs {
    /// check, lower and emit (for `plan`, `bundle`, `ship`). Diagnostics go to standard error;
    /// errors exit 1.
    /// With `ca`, the certificates are issued from it first (saved beside it, as `compile --ca`);
    /// a CA that cannot be used exits 73.
    func build(inventory: String, strict: Bool, vault: VaultSecret?, format: DiagnosticFormat, sink: DiagnosticSink,
               ca: String? = nil) throws -> (graph: ResourceGraph, tree: FileTree) {
        let stage = try ca.map { CertificateStage(ca: try CACommand.load($0), save: true) }
        let built = Compiler.build(file, facts: facts, sink: sink, options: CheckOptions(strict: strict, vault: vault),
                                   certificates: stage)
        if let e = stage?.error {
            printError("pigstyc: error: \(e)")
            throw Status.cannotWrite
        }
        if let stage, let ca { CACommand.report(stage, dir: ca) }
        if !sink.diagnostics.isEmpty {
            printError(DiagnosticRenderer(format: format, sources: sink.sources).render(sink.sorted, inputs: [Inputs.displayName(inventory)]))
        }
        guard let built else { throw Status.errors }
        return built
    }

    /// The nodes `-l LIMIT` selects among `candidates` (all of them without a limit); a pattern that
    /// matches nothing is a usage mistake (64).
    static func select(_ limit: String?, graph: ResourceGraph, among candidates: [String]) throws -> Set<String> {
        guard let limit else { return Set(candidates) }
        do {
            return try NodeLimit(limit).select(graph, among: candidates)
        } catch let e as NodeLimit.NoMatch {
            printError("pigstyc: error: \(e)")
            throw Status.usage
        }
    }

    /// load, check, lower, emit and plan (for `plan` and `ship`): diagnostics go to standard
    /// error; errors and dependency cycles exit 1.
    static func planned(inventory: String, facts: String?, strict: Bool, vault: VaultSecret?, ca: String? = nil) throws
        -> (graph: ResourceGraph, tree: FileTree, plan: ApplyPlan) {
        let p = try plannedInputs(inventory: inventory, facts: facts, strict: strict, vault: vault, ca: ca)
        return (p.graph, p.tree, p.plan)
    }

    /// `planned`, with the inputs as read.
    static func plannedInputs(inventory: String, facts: String?, strict: Bool, vault: VaultSecret?, ca: String? = nil) throws
        -> (graph: ResourceGraph, tree: FileTree, plan: ApplyPlan, inputs: Inputs) {
        let sink = DiagnosticSink()
        let inputs = try Inputs.load(inventory: inventory, facts: facts, sink: sink, format: .text)
        let (graph, tree) = try inputs.build(inventory: inventory, strict: strict, vault: vault, format: .text, sink: sink, ca: ca)
        let planSink = DiagnosticSink()
        for f in sink.sources.values { planSink.register(f) }
        guard let plan = ApplyPlan.make(graph, tree: tree, sink: planSink) else {
            printError(DiagnosticRenderer(format: .text, sources: sink.sources).render(planSink.sorted, inputs: [Inputs.displayName(inventory)]))
            throw Status.errors
        }
        return (graph, tree, plan, inputs)
    }
}
