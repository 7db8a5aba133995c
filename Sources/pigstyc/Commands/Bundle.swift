import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PigstyCompiler
import PigstyDiagnostics
import PigstyInventory

struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Write one deterministic <node>.tar.gz apply bundle per node, and SHA256SUMS, to DIR.")

    @Argument(help: "The inventory file.")
    var inventory: String = "pigsty.yml"

    @Option(name: .shortAndLong, help: "Output directory (created if missing).")
    var output: String

    @Option(name: .shortAndLong, help: "Only these nodes: IPs, groups or clusters, comma-separated (as Ansible's -l).")
    var limit: String?

    @Option(help: "Node facts file (as for compile).")
    var facts: String?

    @Flag(help: "Treat unknown parameters as errors.")
    var strict = false

    @Option(help: ArgumentHelp("Sign the bundles with this Ed25519 key (PEM); created, mode 0600, if missing.",
                               discussion: "Writes SHA256SUMS.sig, each bundle's apply.list.sig and bundle.pub.",
                               valueName: "FILE"))
    var signKey: String?

    @Option(help: "A CA directory (e.g. files/pki/ca): bundle the certificates Pigsty's roles expect, issuing the missing or outdated ones beside it.")
    var ca: String?

    @OptionGroup var vault: VaultOptions

    func run() throws {
        let sink = DiagnosticSink()
        let inputs = try Inputs.load(inventory: inventory, facts: facts, sink: sink, format: .text)
        let (graph, tree) = try inputs.build(inventory: inventory, strict: strict, vault: try vault.secret(), format: .text, sink: sink, ca: ca)
        let nodes = try Inputs.select(limit, graph: graph, among: tree.nodeNames)
        let writer = TreeWriter(tree: tree)
        let dir = URL(fileURLWithPath: output)
        let signer = try signKey.map(KeyCommand.Init.loadOrCreate)
        var sums = ""
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (node, bytes) in writer.bundles(tree.nodeNames.filter(nodes.contains), signer: signer) {
                let name = "\(node).tar.gz"
                try Self.writePrivate(bytes, to: dir.appendingPathComponent(name).path)
                sums += "\(TreeWriter.sha256(bytes))  \(name)\n"
            }
            try Self.writePrivate(Array(sums.utf8), to: dir.appendingPathComponent("SHA256SUMS").path)
            if let signer {
                try Self.writePrivate(signer.sign(Array(sums.utf8)), to: dir.appendingPathComponent("SHA256SUMS.sig").path)
                try Self.writePrivate(Array(signer.publicPEM.utf8), to: dir.appendingPathComponent("bundle.pub").path, mode: 0o644)
            }
        } catch {
            printError("pigstyc: error: cannot write \(output): \(error.localizedDescription)")
            throw Status.cannotWrite
        }
        printError("pigstyc: wrote \(nodes.count) bundle\(nodes.count == 1 ? "" : "s") to \(output)/")
    }

    struct WriteError: Error, CustomStringConvertible { let description: String }

    /// Writes `bytes` to `path` as a new file of mode 0600 (a bundle holds every secret of its
    /// node), created next to it and renamed over it: never readable by others, not even briefly,
    /// whatever the umask; a link at `path` is replaced, not followed.
    static func writePrivate(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws {
        let temp = path + ".tmp-\(getpid())"
        _ = unlink(temp)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriteError(description: "cannot create \(temp): \(String(cString: strerror(errno)))") }
        var offset = 0
        var failure: Int32 = 0
        if fchmod(fd, mode) != 0 { failure = errno }
        while failure == 0 && offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { failure = n < 0 ? errno : ENOSPC } else { offset += n }
        }
        close(fd)
        if failure == 0 && rename(temp, path) != 0 { failure = errno }
        if failure != 0 {
            _ = unlink(temp)
            throw WriteError(description: "cannot write \(path): \(String(cString: strerror(failure)))")
        }
    }
}
