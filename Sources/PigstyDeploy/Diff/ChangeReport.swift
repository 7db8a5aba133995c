import Foundation
import PigstyModel
/// The text `pigstyc diff` prints: per node, the files that change and the services that
/// reload or restart, then (optionally) unified diffs with secrets masked, then a summary.
public struct ChangeReport {
    public let diff: TreeDiff
    public let mask: SecretMask
    public let oldLabel: String
    public let newLabel: String

    public init(diff: TreeDiff, mask: SecretMask, oldLabel: String = "a", newLabel: String = "b") {
        self.diff = diff
        self.mask = mask
        self.oldLabel = oldLabel
        self.newLabel = newLabel
    }

    /// Files whose change is a major upgrade (`pg_version`), which apply refuses: `node path (what)`.
    public var refusals: [String] {
        diff.nodes.flatMap { n in n.files.compactMap { c in ChangeEffect.of(c).majorUpgrade.map { "\(n.node) \(c.path) (\($0))" } } }
    }

    public func render(withContent: Bool) -> String {
        if diff.isEmpty { return "No changes.\n" }
        var out = ""
        var fileCount = 0, objectCount = 0
        for node in diff.nodes {
            out += "== \(node.node)\n"
            for change in node.objects {
                objectCount += 1
                out += "   \(change.kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(mask.apply(change.what))\n"
            }
            for change in node.files {
                fileCount += 1
                let attributes = change.attributeChanges
                out += "   \(change.kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(change.path)"
                out += attributes.isEmpty ? "\n" : " (\(attributes.joined(separator: ", ")))\n"
                let effect = ChangeEffect.of(change)
                if let upgrade = effect.majorUpgrade { out += "            major upgrade (\(upgrade)): not applied\n" }
                if let note = effect.note { out += "            \(note)\n" }
                for p in effect.parameters { out += "            \(p.name): \(p.effect)\n" }
            }
            // The units apply.sh would reload or restart for these files, merged per unit.
            for effect in UnitEffect.merged(node.files.flatMap { ChangeEffect.of($0).effects }) {
                out += "   \(effect)\n"
            }
            if withContent {
                for change in node.files {
                    out += mask.unified(change.old, change.new,
                                        oldName: "\(oldLabel)/\(node.node)\(change.path)",
                                        newName: "\(newLabel)/\(node.node)\(change.path)")
                }
            }
        }
        out += "\(diff.nodes.count) node\(diff.nodes.count == 1 ? "" : "s"), \(fileCount) file\(fileCount == 1 ? "" : "s")"
        if objectCount > 0 { out += ", \(objectCount) object\(objectCount == 1 ? "" : "s")" }
        out += " changed.\n"
        return out
    }

    /// The same report as JSON (`pigstyc diff --format json`), secrets masked as in the text:
    /// `{"changed", "nodes": [{"node", "files": [{"path", "change", "attributes", "diff"?, "note"?,
    /// "majorUpgrade"?, "parameters"?: [{"name", "effect"}]}],
    /// "units": [{"unit", "action"}]}], "summary": {"nodes", "files"}}`. `diff` (the unified diff
    /// of the file) is left out without content.
    public func json(withContent: Bool) -> String {
        var nodes: [[String: Any]] = []
        var fileCount = 0
        for node in diff.nodes {
            var files: [[String: Any]] = []
            for change in node.files {
                fileCount += 1
                var entry: [String: Any] = ["path": mask.apply(change.path), "change": change.kind.rawValue,
                                            "attributes": change.attributeChanges.map(mask.apply)]
                let effect = ChangeEffect.of(change)
                if let upgrade = effect.majorUpgrade { entry["majorUpgrade"] = upgrade }
                if let note = effect.note { entry["note"] = note }
                if !effect.parameters.isEmpty {
                    entry["parameters"] = effect.parameters.map { ["name": $0.name, "effect": $0.effect] }
                }
                if withContent {
                    entry["diff"] = mask.unified(change.old, change.new,
                                                 oldName: "\(oldLabel)/\(node.node)\(change.path)",
                                                 newName: "\(newLabel)/\(node.node)\(change.path)")
                }
                files.append(entry)
            }
            let units = UnitEffect.merged(node.files.flatMap { ChangeEffect.of($0).effects }).map {
                ["unit": $0.unit, "action": $0.action.rawValue]
            }
            var entry: [String: Any] = ["node": node.node, "files": files, "units": units]
            if !node.objects.isEmpty {
                entry["objects"] = node.objects.map { ["change": $0.kind.rawValue, "object": mask.apply($0.what)] }
            }
            nodes.append(entry)
        }
        let object: [String: Any] = ["changed": !diff.isEmpty, "nodes": nodes,
                                     "summary": ["nodes": diff.nodes.count, "files": fileCount]]
        let data = (try? JSONSerialization.data(withJSONObject: object,
                                                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
