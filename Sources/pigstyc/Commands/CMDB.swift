import ArgumentParser
import Foundation
import PigstyCMDB
import PigstyDiagnostics
import PigstyInventory

/// `pigstyc cmdb load|log|dump`: the inventory in PostgreSQL (Pigsty's CMDB tables).
struct CMDBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cmdb",
        abstract: "Keep the inventory in PostgreSQL: load it, list its revisions, dump it as YAML.",
        discussion: """
        The tables are Pigsty's CMDB tables (pigsty.group, host, global_var, group_var, \
        host_var) with pigstyc's own additions (nested groups, order, exact values, \
        revisions); see docs/cmdb.md. Every command that takes INVENTORY also reads \
        postgres://… URLs (#rev=N for a past revision).
        """,
        subcommands: [CMDBLoad.self, CMDBLog.self, CMDBDump.self])
}

/// `--db URL`, else `$METADB_URL` (the variable Pigsty's own tools read).
struct DatabaseOption: ParsableArguments {
    @Option(name: .customLong("db"), help: "The CMDB: a postgres:// or postgresql:// URL (default: $METADB_URL).")
    var db: String?

    func location() throws -> CMDBLocation {
        let env = ProcessInfo.processInfo.environment["METADB_URL"].flatMap { $0.isEmpty ? nil : $0 }
        guard let url = db ?? env else {
            printError("pigstyc: error: no database: give --db postgres://… (or set METADB_URL)")
            throw Status.usage
        }
        do {
            return try CMDBLocation(url)
        } catch let e as CMDBLocation.Invalid {
            printError("pigstyc: error: --db: \(e)")
            throw Status.usage
        }
    }

    /// Connects; a database that cannot be reached exits with `status`.
    func connect(_ location: CMDBLocation, status: ExitCode) throws -> PQConnection {
        do {
            return try location.connect()
        } catch let e as PQError {
            printError("pigstyc: error: cannot connect to \(location.display): \(e.message)")
            throw status
        }
    }
}

struct CMDBLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Check an inventory and write it into the CMDB tables in one transaction, recording a revision when anything changed.",
        discussion: """
        The schema is created when absent. An inventory with errors is not loaded; a failure \
        during the load (a constraint, a trigger, a lost connection) leaves the tables as they \
        were. Exit status: 0 loaded (or unchanged), 1 the inventory has errors or cannot be \
        stored, 66 the inventory cannot be read, 73 the database cannot be written.
        """)

    @Argument(help: "The inventory (a file, or another CMDB's postgres:// URL).")
    var inventory: String = "pigsty.yml"

    @OptionGroup var database: DatabaseOption

    @Option(help: "Who the revision is by (default: the database's current_user).")
    var author: String?

    @Flag(help: "Treat unknown parameters as errors.")
    var strict = false

    @OptionGroup var vault: VaultOptions

    func run() throws {
        let location = try database.location()
        let sink = DiagnosticSink()
        let file = try Inputs.load(inventory: inventory, facts: nil, sink: sink, format: .text).file
        let resolved = Frontend.check(file, sink: sink, options: CheckOptions(strict: strict, vault: try vault.secret()))
        keepUntilExit(resolved)
        if !sink.diagnostics.isEmpty {
            printError(DiagnosticRenderer(format: .text, sources: sink.sources).render(sink.sorted, inputs: [Inputs.displayName(inventory)]))
        }
        guard let resolved, !sink.hasErrors else {
            printError("pigstyc: error: nothing loaded into \(location.display): the inventory has errors")
            throw Status.errors
        }
        let rows: CMDBRows
        do {
            rows = try CMDBRows(resolved.inventory)
        } catch let e as CMDBError {
            printError("pigstyc: error: nothing loaded into \(location.display): \(e)")
            throw Status.errors
        }
        if let difference = rows.difference(from: resolved.inventory) {
            printError("pigstyc: error: nothing loaded into \(location.display): the tables cannot hold this inventory exactly (\(difference))")
            throw Status.errors
        }
        let connection = try database.connect(location, status: Status.cannotWrite)
        defer { connection.close() }
        let outcome: CMDBStore.LoadOutcome
        do {
            outcome = try CMDBStore.load(rows, into: connection, author: author)
        } catch let e as PQError {
            printError("pigstyc: error: nothing loaded into \(location.display): \(e.message)")
            throw Status.cannotWrite
        } catch let e as CMDBError {
            printError("pigstyc: error: nothing loaded into \(location.display): \(e)")
            throw Status.cannotWrite
        }
        switch outcome {
        case .unchanged:
            print("\(location.display) already holds this inventory: no revision recorded")
        case .revision(let number, let added, let removed, let changed):
            print("revision \(number) of \(location.display): \(added.count) added, \(removed.count) removed, \(changed.count) changed")
        }
    }
}

struct CMDBLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "List the revisions of the CMDB: number, time (UTC), author and the rows added (+), removed (-) and changed (~).")

    @OptionGroup var database: DatabaseOption

    @Flag(help: "Print the counts only, not each row.")
    var short = false

    func run() throws {
        let location = try database.location()
        let connection = try database.connect(location, status: Status.noInput)
        defer { connection.close() }
        let revisions: [CMDBStore.Revision]
        do {
            revisions = try CMDBStore.revisions(connection)
        } catch let e as PQError {
            printError("pigstyc: error: cannot read the revisions of \(location.display): \(e.message)")
            throw Status.noInput
        }
        if revisions.isEmpty { print("no revisions in \(location.display)") }
        for r in revisions.reversed() {
            print("revision \(r.number)  \(r.time) UTC  by \(r.author)  +\(r.added.count) -\(r.removed.count) ~\(r.changed.count)")
            if short { continue }
            for (mark, keys) in [("+", r.added), ("-", r.removed), ("~", r.changed)] {
                for k in keys { print("    \(mark) \(k)") }
            }
        }
    }
}

struct CMDBDump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Write the CMDB's inventory (or a revision's, with #rev=N in the URL) as YAML, in Pigsty's inventory style.")

    @OptionGroup var database: DatabaseOption

    @Option(name: .shortAndLong, help: "Write to FILE instead of standard output.")
    var output: String?

    func run() throws {
        let location = try database.location()
        let rows: CMDBRows
        do {
            rows = try CMDBStore.rows(at: location)
        } catch let e as PQError {
            printError("pigstyc: error: cannot read '\(location.display)': \(e.message)")
            throw Status.noInput
        } catch let e as CMDBError {
            printError("pigstyc: error: cannot read '\(location.display)': \(e)")
            throw Status.noInput
        }
        let composed = rows.compose(.pretty)
        if !composed.problems.isEmpty {
            let sink = DiagnosticSink()
            _ = composed.source(named: location.display, sink: sink)
            printError(DiagnosticRenderer(format: .text, sources: sink.sources).render(sink.sorted, inputs: [location.display]))
            throw Status.errors
        }
        guard let output else {
            print(composed.text, terminator: "")
            return
        }
        do {
            try Data(composed.text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            printError("pigstyc: error: cannot write '\(output)': \(error.localizedDescription)")
            throw Status.cannotWrite
        }
    }
}

/// `pigstyc inventory [INVENTORY] --list | --host H`: Ansible's dynamic-inventory protocol.
struct InventoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inventory",
        abstract: "Print the inventory as Ansible dynamic-inventory JSON (--list), or one host's variables (--host H).",
        discussion: """
        INVENTORY is a file or a postgres://… URL, so a one-line script (`exec pigstyc \
        inventory postgres://… "$@"`) points Ansible at the CMDB. Variables are printed as \
        written (templates unevaluated, !vault values as Ansible's __ansible_vault objects).
        """)

    @Argument(help: "The inventory (a file or a postgres:// URL).")
    var inventory: String = "pigsty.yml"

    @Flag(help: "Every group with its hosts, variables and children, and _meta.hostvars.")
    var list = false

    @Option(help: "One host's variables.")
    var host: String?

    func validate() throws {
        if list == (host != nil) { throw ValidationError("give exactly one of --list and --host H") }
    }

    func run() throws {
        let sink = DiagnosticSink()
        let file = try Inputs.load(inventory: inventory, facts: nil, sink: sink, format: .text).file
        let parsed = InventoryParser.parse(file: file, sink: sink)
        if sink.hasErrors || parsed == nil {
            printError(DiagnosticRenderer(format: .text, sources: sink.sources).render(sink.sorted, inputs: [Inputs.displayName(inventory)]))
            throw Status.errors
        }
        let inventory = parsed!
        if list {
            print(AnsibleInventoryJSON.list(inventory), terminator: "")
            return
        }
        guard let text = AnsibleInventoryJSON.host(host!, in: ResolvedInventory.resolve(inventory)) else {
            printError("pigstyc: error: no host '\(host!)' in the inventory")
            throw Status.usage
        }
        print(text, terminator: "")
    }
}
