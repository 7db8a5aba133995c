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

    @Option(help: "Node facts file (as for compile).")
    var facts: String?

    @Flag(help: "Treat unknown parameters as errors.")
    var strict = false

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1") }
        guard !ssh.split(whereSeparator: \.isWhitespace).isEmpty else { throw ValidationError("--ssh is empty") }
    }

    @Option(help: "A CA directory (e.g. files/pki/ca): ship the certificates Pigsty's roles expect, issuing the missing or outdated ones beside it.")
    var ca: String?

    @OptionGroup var vault: VaultOptions

    func run() throws {
        let (graph, tree, full) = try Inputs.planned(inventory: inventory, facts: facts, strict: strict, vault: try vault.secret(), ca: ca)
        let nodes = try Inputs.select(limit, graph: graph, among: tree.nodeNames)
        let writer = TreeWriter(tree: tree)
        var bundles: [String: [UInt8]] = [:], steps: [String: Set<ApplyStep>] = [:], targets: [String: Shipper.Target] = [:]
        for (node, bytes) in writer.bundles(tree.nodeNames.filter(nodes.contains)) {
            bundles[node] = bytes
            steps[node] = Set(ApplyBundle.steps(tree.files(on: node)))
            if let n = graph.node(node), let t = Shipper.target(for: n) { targets[node] = t }
        }
        let options = Shipper.Options(ssh: ssh.split(whereSeparator: \.isWhitespace).map(String.init),
                                      parallel: parallel, dryRun: dryRun, healthChecks: !noHealthCheck)
        let shipper = Shipper(plan: full.limited(to: nodes), targets: targets, bundles: bundles, steps: steps, options: options)
        let result = shipper.run { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        if !result.ok { throw Status.errors }
    }
}
