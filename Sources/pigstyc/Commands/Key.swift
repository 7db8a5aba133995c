import ArgumentParser
import Foundation
import PigstyCompiler

struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Manage the Ed25519 key that signs apply bundles.",
        subcommands: [Init.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create DIR/bundle.key (private, mode 0600) and DIR/bundle.pub (install it on the nodes as /etc/pigstyc/bundle.pub).",
            discussion: "An existing key is kept. The private key is never printed.")

        @Argument(help: "The directory of the key (created if missing), e.g. beside the CA directory.")
        var dir: String

        func run() throws {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let path = URL(fileURLWithPath: dir).appendingPathComponent("bundle.key").path
            _ = try Self.loadOrCreate(path)
            printError("pigstyc: signing key \(path), public key \(BundleSigner.publicPath(for: path))")
        }

        /// The key in `path`, created there (mode 0600, its public half beside it) when missing.
        static func loadOrCreate(_ path: String) throws -> BundleSigner {
            if FileManager.default.fileExists(atPath: path) {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    printError("pigstyc: error: cannot read the signing key \(path)")
                    throw Status.noInput
                }
                do {
                    let signer = try BundleSigner(pem: text)
                    let pub = BundleSigner.publicPath(for: path)
                    if !FileManager.default.fileExists(atPath: pub) {
                        try BundleCommand.writePrivate(Array(signer.publicPEM.utf8), to: pub, mode: 0o644)
                    }
                    return signer
                } catch {
                    printError("pigstyc: error: \(path): \(error)")
                    throw Status.noInput
                }
            }
            let signer = BundleSigner()
            do {
                try BundleCommand.writePrivate(Array(signer.privatePEM.utf8), to: path)
                try BundleCommand.writePrivate(Array(signer.publicPEM.utf8), to: BundleSigner.publicPath(for: path), mode: 0o644)
            } catch {
                printError("pigstyc: error: \(error)")
                throw Status.cannotWrite
            }
            return signer
        }
    }
}
