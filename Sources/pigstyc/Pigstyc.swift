import ArgumentParser
import Foundation

/// The `pigstyc` command line: a thin shell over the PigstyKit library.
struct Pigstyc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pigstyc",
        abstract: "A compiler for Pigsty inventories (pigsty.yml).",
        discussion: """
        Exit status: 0 when there are no errors (warnings allowed), 1 when the inventory has errors,
        2 for usage mistakes and unreadable input.
        """,
        version: "0.1.0",
        subcommands: [Check.self, Compile.self, Diff.self, Explain.self, Graph.self, Plan.self, BundleCommand.self, Ship.self,
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
            // Usage mistakes and I/O problems share status 2; inventory errors are 1.
            exit(2)
        }
    }
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
