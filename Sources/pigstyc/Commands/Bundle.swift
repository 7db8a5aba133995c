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

    @OptionGroup var vault: VaultOptions

    func run() throws {
        let sink = DiagnosticSink()
        let inputs = try Inputs.load(inventory: inventory, facts: facts, sink: sink, format: .text)
        let (graph, tree) = try inputs.build(inventory: inventory, strict: strict, vault: try vault.secret(), format: .text, sink: sink)
        let nodes = try Inputs.select(limit, graph: graph, among: tree.nodeNames)
        let writer = TreeWriter(tree: tree)
        let dir = URL(fileURLWithPath: output)
        var sums = ""
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (node, bytes) in writer.bundles(tree.nodeNames.filter(nodes.contains)) {
                let name = "\(node).tar.gz"
                try Self.writePrivate(bytes, to: dir.appendingPathComponent(name).path)
                sums += "\(TreeWriter.sha256(bytes))  \(name)\n"
            }
            try Self.writePrivate(Array(sums.utf8), to: dir.appendingPathComponent("SHA256SUMS").path)
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
    static func writePrivate(_ bytes: [UInt8], to path: String) throws {
        let temp = path + ".tmp-\(getpid())"
        _ = unlink(temp)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriteError(description: "cannot create \(temp): \(String(cString: strerror(errno)))") }
        var offset = 0
        var failure: Int32 = 0
        if fchmod(fd, 0o600) != 0 { failure = errno }
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
