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

    public func render(withContent: Bool) -> String {
        if diff.isEmpty { return "No changes.\n" }
        var out = ""
        var fileCount = 0
        for node in diff.nodes {
            out += "== \(node.node)\n"
            for change in node.files {
                fileCount += 1
                let attributes = change.attributeChanges
                out += "   \(change.kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(change.path)"
                out += attributes.isEmpty ? "\n" : " (\(attributes.joined(separator: ", ")))\n"
            }
            // The units apply.sh would reload or restart for these files, merged per unit.
            for effect in UnitEffect.merged(node.files.flatMap(\.file.apply.effects)) {
                out += "   \(effect)\n"
            }
            if withContent {
                for change in node.files {
                    let text = LineDiff.unified(change.old?.content, change.new?.content,
                                                oldName: "\(oldLabel)/\(node.node)\(change.path)",
                                                newName: "\(newLabel)/\(node.node)\(change.path)")
                    out += mask.apply(text)
                }
            }
        }
        out += "\(diff.nodes.count) node\(diff.nodes.count == 1 ? "" : "s"), \(fileCount) file\(fileCount == 1 ? "" : "s") changed.\n"
        return out
    }
}
