import ArgumentParser
import Foundation

/// The `pigstyc` command line: a thin shell over the PigstyKit library.
struct Pigstyc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pigstyc",
        abstract: "A compiler for Pigsty inventories (pigsty.yml).",
        discussion: """
        Exit status: 0 success (warnings allowed); 1 the inventory has errors (also: `compile \
        --check` found stale files, `ship` had a failed node, `ship --plan` a stale plan); 2 `diff` or `ship --check` found changes; 64 usage \
        mistake (unknown option, parameter, host or --limit pattern); 66 an input cannot be read; \
        73 the output cannot be written; 70 internal error.
        """,
        version: "0.1.0",
        subcommands: [Check.self, Compile.self, Diff.self, Explain.self, Graph.self, Plan.self, BundleCommand.self, KeyCommand.self, CACommand.self, Ship.self, CMDBCommand.self, InventoryCommand.self,
                      SchemaCommand.self]
    )
}

@main
enum Main {
    static func main() {
        do {
            var command = try Pigstyc.parseAsRoot()
            try command.run()
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            let code = Pigstyc.exitCode(for: error)
            let message = Pigstyc.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                exit(0)
            }
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            // Argument parser errors (unknown option, bad value, failed validate()) are usage mistakes;
            // anything else escaping a command is a bug, never a result code such as diff's 2.
            exit(code == .validationFailure ? Status.usage.rawValue : Status.internalError.rawValue)
        }
    }
}

/// The exit statuses of every command (sysexits.h for the failures that are not results). A result
/// (errors found, changes found) never shares a status with a usage or I/O problem.
enum Status {
    /// The inventory or facts file has errors; `compile --check`: stale output; `ship`: a node failed.
    static let errors = ExitCode(1)
    /// `diff`: the two inventories compile to different trees (as `terraform plan -detailed-exitcode`);
    /// `ship --check`: a node would change.
    static let changes = ExitCode(2)
    /// EX_USAGE: unknown option or subcommand, bad option value, unknown parameter or host, a
    /// `--limit` that matches nothing.
    static let usage = ExitCode(64)
    /// EX_SOFTWARE: an unexpected error inside pigstyc.
    static let internalError = ExitCode(70)
    /// EX_NOINPUT: the inventory or facts file cannot be read.
    static let noInput = ExitCode(66)
    /// EX_CANTCREAT: the output directory cannot be written.
    static let cannotWrite = ExitCode(73)
}

/// `count` and the noun, plural unless the count is 1: `1 node`, `3 nodes`.
func counted(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(count) \(count == 1 ? singular : plural ?? singular + "s")"
}

/// Writes text to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

/// Objects the process keeps until it exits. Freeing a 10k-host inventory object by object takes
/// longer than checking it; the operating system reclaims the memory at once.
nonisolated(unsafe) private var keptUntilExit: [Any] = []

func keepUntilExit(_ object: Any?) {
    if let object { keptUntilExit.append(object) }
}
