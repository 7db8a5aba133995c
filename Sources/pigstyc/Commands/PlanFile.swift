import Foundation
import PigstyCompiler
import PigstyDiagnostics
import PigstyInventory

/// Saved plans (`plan --out`, `ship --plan`): the digest of a compile's inputs, and the bundles'
/// sha256.
enum PlanFile {
    /// What the digest covers for a compile of `inputs` (after it ran: certificates it issued
    /// count), with these options.
    static func inputs(_ inputs: Inputs, graph: ResourceGraph, ca: String?, limit: String?, strict: Bool) throws -> SavedPlan.Inputs {
        SavedPlan.Inputs(version: Pigstyc.configuration.version, inventory: inputs.file.bytes, facts: inputs.factsFile?.bytes,
                         secrets: graph.secretValues.sorted(), certificates: try ca.map(certificates), limit: limit, strict: strict)
    }

    /// The certificates beside a CA directory (`<pki>/*.crt` and `<pki>/<kind>/*.crt`, the
    /// CA's own among them), by path relative to the PKI directory. Links are not followed.
    static func certificates(_ ca: String) throws -> [(path: String, bytes: [UInt8])] {
        let pki = try CACommand.load(ca).pkiDirectory
        let fm = FileManager.default
        var out: [(path: String, bytes: [UInt8])] = []
        func regular(_ p: String) -> Bool {
            guard let a = try? fm.attributesOfItem(atPath: p) else { return false }
            return a[.type] as? FileAttributeType == .typeRegular
        }
        func directory(_ p: String) -> Bool {
            guard let a = try? fm.attributesOfItem(atPath: p) else { return false }
            return a[.type] as? FileAttributeType == .typeDirectory
        }
        for top in ((try? fm.contentsOfDirectory(atPath: pki)) ?? []).sorted() {
            let p = pki + "/" + top
            if top.hasSuffix(".crt"), regular(p), let d = fm.contents(atPath: p) { out.append((top, Array(d))) }
            guard directory(p) else { continue }
            for name in ((try? fm.contentsOfDirectory(atPath: p)) ?? []).sorted() where name.hasSuffix(".crt") {
                let q = p + "/" + name
                if regular(q), let d = fm.contents(atPath: q) { out.append((top + "/" + name, Array(d))) }
            }
        }
        return out
    }

    /// Reads a saved plan: unreadable exits 66, malformed 1.
    static func load(_ path: String) throws -> SavedPlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            printError("pigstyc: error: cannot read the plan '\(path)'")
            throw Status.noInput
        }
        do {
            return try SavedPlan(json: Array(data))
        } catch let e as SavedPlan.Malformed {
            printError("pigstyc: error: \(path): \(e); nothing was shipped")
            throw Status.errors
        }
    }
}
