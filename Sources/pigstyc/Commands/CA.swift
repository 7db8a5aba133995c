import ArgumentParser
import Foundation
import PigstyCompiler
import PigstyDiagnostics
import PigstyInventory

struct CACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "Manage the certificate authority (files/pki/ca) and the certificates issued from it.",
        subcommands: [Init.self, Issue.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a CA: DIR/ca.key (ECDSA P-256, mode 0600) and a self-signed DIR/ca.crt.",
            discussion: "An existing CA is never overwritten (exit 73). An existing Pigsty files/pki/ca is used as it is, without this command. The private key is never printed.")

        @Argument(help: "The CA directory (created mode 0700 if missing).")
        var dir: String = "files/pki/ca"

        @Option(help: "The CA certificate's common name (Pigsty's ca_cn).")
        var cn: String = "pigsty-ca"

        func run() throws {
            do {
                try CertificateAuthority.create(in: dir, commonName: cn)
            } catch {
                printError("pigstyc: error: \(error)")
                throw Status.cannotWrite
            }
            printError("pigstyc: CA \(dir)/ca.crt (\(cn)), private key \(dir)/ca.key (mode 0600)")
        }
    }

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue the certificates INVENTORY needs into the directory above the CA (files/pki/<module>/).",
            discussion: """
            Certificates that exist, are signed by the CA, have the names and addresses the inventory \
            asks for and do not expire within a day are kept; the others are issued (keys mode 0600). \
            `compile --ca DIR` does the same before writing the files. Lists what it issued.
            """)

        @Argument(help: "The inventory file.")
        var inventory: String = "pigsty.yml"

        @Option(help: "The CA directory.")
        var ca: String = "files/pki/ca"

        @Option(help: "Node facts (see `compile --facts`).")
        var facts: String?

        @Flag(help: "Treat unknown parameters as errors.")
        var strict = false

        @OptionGroup var vault: VaultOptions

        func run() throws {
            let stage = CertificateStage(ca: try CACommand.load(ca), save: true)
            let sink = DiagnosticSink()
            let inputs = try Inputs.load(inventory: inventory, facts: facts, sink: sink, format: .text)
            guard Compiler.build(inputs.file, facts: inputs.facts, sink: sink,
                                 options: CheckOptions(strict: strict, vault: try vault.secret()), certificates: stage) != nil else {
                try CACommand.fail(stage, sink: sink, inventory: inventory)
                return
            }
            CACommand.report(stage, dir: ca)
        }
    }

    /// The CA in `dir`; a missing or unreadable one exits 66.
    static func load(_ dir: String) throws -> CertificateAuthority {
        do {
            return try CertificateAuthority(loading: dir)
        } catch {
            printError("pigstyc: error: \(error)")
            throw Status.noInput
        }
    }

    /// What the stage issued, one line each, on standard error (names, never key material).
    static func report(_ stage: CertificateStage, dir: String) {
        guard let r = stage.result else { return }
        let pki = stage.ca.pkiDirectory
        for c in r.changes { printError("pigstyc: issued \(pki)/\(c.certificate)\(c.reason == .missing ? "" : " (\(c.reason.rawValue))")") }
        printError("pigstyc: \(counted(r.changes.count, "certificate")) issued, \(r.reused) reused from \(pki)/")
    }

    /// A failed build with a certificate stage: the stage's error (exit 73) or the diagnostics (exit 1).
    static func fail(_ stage: CertificateStage, sink: DiagnosticSink, inventory: String, format: DiagnosticFormat = .text) throws {
        if let e = stage.error {
            printError("pigstyc: error: \(e)")
            throw Status.cannotWrite
        }
        printError(DiagnosticRenderer(format: format, sources: sink.sources).render(sink.sorted, inputs: [Inputs.displayName(inventory)]))
        throw Status.errors
    }
}
