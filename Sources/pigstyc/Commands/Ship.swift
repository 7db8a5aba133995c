import ArgumentParser
import Foundation
import PigstyCompiler
import PigstyDiagnostics
import PigstyInventory

struct Ship: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy each node's bundle over SSH and run its apply.sh, wave by wave as `plan` orders them.",
        discussion: """
        Every node of a wave gets its bundle on standard input and runs apply.sh --only <the wave's \
        steps>; the next wave starts only when the whole wave succeeded. Exit status 1 when a node \
        failed (later waves are not run). Members of a quorum or HA group (etcd, MinIO, a Patroni \
        cluster, keepalived peers) are in serial waves of one member each, and each is health-checked \
        before the next starts.

        --check changes nothing: every node gets its bundle and runs apply.sh --dry-run --show-live, \
        and ship prints per node a diff of each file that would change against what is live there \
        (secrets masked as by `diff`), the units it would reload or restart and the actions it would \
        run. Exit status 0 no changes, 2 changes, 1 a node could not be checked.

        Each node records the bundle it applied as a numbered generation, tagged with this ship \
        (a digest of the inputs, as `plan --out` saves it). --rollback undoes the ship of these \
        inputs: wave by wave, in the same order and with the same health checks, every node that ship \
        changed returns to the generation it had before (removals included); a node it did not change, \
        or changed again since, is left alone or refused.

        --plan FILE ships the waves saved by `plan --out FILE`, and refuses (exit 1, before any \
        connection) when the inputs changed since: inventory, facts, vault values, CA certificates, \
        pigstyc's version or the options.
        """)

    @Argument(help: "The inventory file.")
    var inventory: String = "pigsty.yml"

    @Option(name: .shortAndLong, help: "Only these nodes: IPs, groups or clusters, comma-separated (as Ansible's -l).")
    var limit: String?

    @Option(help: "The SSH command, split on blanks; the target and the remote command are appended.")
    var ssh: String = "ssh -o BatchMode=yes"

    @Option(help: "How many nodes of a wave run at once.")
    var parallel: Int = 4

    @Flag(help: "Skip the health check after each member of a quorum or HA group (members still apply one at a time).")
    var noHealthCheck = false

    @Flag(help: "Print the commands per wave; connect nowhere.")
    var dryRun = false

    @Flag(help: "Change nothing: show per node what apply would change against what is live there (exit 0 none, 2 changes, 1 error).")
    var check = false

    @Flag(help: "Undo the ship of these inputs: wave by wave, each node it changed returns to its previous generation.")
    var rollback = false

    @Option(help: ArgumentHelp("Ship the plan saved by `plan --out FILE`; refused when its inputs changed since.", valueName: "FILE"))
    var plan: String?

    @Option(help: "Node facts file (as for compile).")
    var facts: String?

    @Flag(help: "Treat unknown parameters as errors.")
    var strict = false

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1") }
        guard !ssh.split(whereSeparator: \.isWhitespace).isEmpty else { throw ValidationError("--ssh is empty") }
        guard !(check && dryRun) else { throw ValidationError("--check and --dry-run: choose one (--check connects and changes nothing)") }
        guard !(rollback && (check || plan != nil)) else { throw ValidationError("--rollback goes with neither --check nor --plan") }
    }

    @Option(help: "A CA directory (e.g. files/pki/ca): ship the certificates Pigsty's roles expect, issuing the missing or outdated ones beside it.")
    var ca: String?

    @OptionGroup var vault: VaultOptions

    func run() throws {
        // A saved plan is read first: a malformed one stops before anything is compiled or sent.
        let saved = try plan.map(PlanFile.load)
        let limit = self.limit ?? saved?.limit
        let strict = self.strict || saved?.strict == true
        if let saved, let path = plan {
            if saved.facts != (facts != nil) || saved.ca != (ca != nil) {
                printError("pigstyc: error: \(path) was made \(saved.facts ? "with" : "without") --facts and \(saved.ca ? "with" : "without") --ca; "
                           + "give the same options; nothing was shipped")
                throw Status.errors
            }
        }
        let (graph, tree, full, inputs) = try Inputs.plannedInputs(inventory: inventory, facts: facts, strict: strict,
                                                                   vault: try vault.secret(), ca: ca)
        let nodes = try Inputs.select(limit, graph: graph, among: tree.nodeNames)
        let writer = TreeWriter(tree: tree)
        var bundles: [String: [UInt8]] = [:], steps: [String: Set<ApplyStep>] = [:], targets: [String: Shipper.Target] = [:]
        for (node, bytes) in writer.bundles(tree.nodeNames.filter(nodes.contains)) {
            bundles[node] = bytes
            steps[node] = Set(ApplyBundle.steps(tree.files(on: node)))
            if let n = graph.node(node), let t = Shipper.target(for: n) { targets[node] = t }
        }
        var waves = full.limited(to: nodes)
        if let saved, let path = plan {
            try Self.verify(saved, path: path, digest: try PlanFile.inputs(inputs, graph: graph, ca: ca, limit: limit, strict: strict).digest,
                            bundles: bundles)
            waves = saved.plan
        }
        // The ship's tag: the digest of its inputs without -l, so a rollback finds the generations
        // whatever subset it is given.
        let tag = try PlanFile.inputs(inputs, graph: graph, ca: ca, limit: nil, strict: strict).digest
        let options = Shipper.Options(ssh: ssh.split(whereSeparator: \.isWhitespace).map(String.init),
                                      parallel: parallel, dryRun: dryRun, healthChecks: !noHealthCheck,
                                      applyArguments: check ? [] : [rollback ? "--rollback-ship" : "--tag", tag])
        let shipper = Shipper(plan: waves, targets: targets, bundles: bundles, steps: steps, options: options)
        if check {
            try runCheck(shipper, graph: graph, tree: tree)
            return
        }
        let result = shipper.run { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        if !result.ok { throw Status.errors }
    }

    /// A saved plan is shipped only when it was made from exactly these inputs, and compiles to
    /// exactly the bundles it names.
    static func verify(_ saved: SavedPlan, path: String, digest: String, bundles: [String: [UInt8]]) throws {
        func refuse(_ why: String) throws -> Never {
            printError("pigstyc: error: \(path) is stale: \(why); nothing was shipped (make and review a new plan with `pigstyc plan … --out \(path)`)")
            throw Status.errors
        }
        if saved.version != Pigstyc.configuration.version {
            try refuse("it was made by pigstyc \(saved.version), this is \(Pigstyc.configuration.version ?? "?")")
        }
        if saved.digest != digest {
            try refuse("its inputs changed since it was saved (the inventory, facts, vault values, CA certificates or options)")
        }
        let now = bundles.mapValues(TreeWriter.sha256)
        if now != saved.bundles { try refuse("the bundles it names differ from those compiled now") }
        let planned = Set(saved.waves.flatMap(\.nodes))
        if !planned.isSubset(of: Set(bundles.keys)) { try refuse("it names nodes that are not compiled now") }
    }

    /// `--check`: every node's apply.sh in dry-run mode reporting what is live; a diff per node.
    private func runCheck(_ shipper: Shipper, graph: ResourceGraph, tree: FileTree) throws {
        let declared = Set(tree.nodeNames.flatMap { tree.files(on: $0).flatMap(\.secrets) })
        let mask = SecretMask(graph.secretValues, declared: declared)
        let results = shipper.check { line in printError(line) }
        var changed = 0, failed = 0
        var out = ""
        for r in results {
            guard r.status == 0 else {
                failed += 1
                out += "== \(r.node)\n   error: apply.sh --dry-run failed (exit \(r.status)); nothing was changed\n"
                let tail = r.errors.split(separator: "\n").suffix(20)
                for l in tail { out += "    " + mask.apply(String(l)) + "\n" }
                continue
            }
            do {
                let report = try LiveReport.parse(r.output)
                if report.hasChanges { changed += 1 }
                out += LiveCheckReport(node: r.node, report: report, files: tree.files(on: r.node), mask: mask).render()
            } catch {
                failed += 1
                out += "== \(r.node)\n   error: cannot read what apply.sh reported: \(mask.apply(String(describing: error)))\n"
            }
        }
        out += "ship --check: \(counted(results.count, "node")), \(changed) would change"
            + (failed > 0 ? ", \(failed) failed" : "") + "; nothing was changed\n"
        FileHandle.standardOutput.write(Data(out.utf8))
        if failed > 0 { throw Status.errors }
        if changed > 0 { throw Status.changes }
    }
}
