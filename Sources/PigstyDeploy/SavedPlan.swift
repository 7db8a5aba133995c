import Foundation
import PigstyModel
import PigstyOutput

/// A plan saved by `pigstyc plan --out FILE` and shipped by `pigstyc ship --plan FILE`: the waves,
/// each node's bundle sha256, and a digest of every input the bundles were made from, so that a
/// plan reviewed yesterday is shipped only while nothing it was made from has changed.
/// The JSON is deterministic (sorted keys, no time stamps): the same inputs give the same bytes.
public struct SavedPlan: Sendable, Equatable {
    public static let format = "pigstyc-plan 1"

    /// The inputs the digest covers, each length-prefixed so that no two sets of inputs hash the
    /// same bytes.
    public struct Inputs: Sendable {
        public var version: String
        /// The inventory as the compiler read it.
        public var inventory: [UInt8]
        public var facts: [UInt8]?
        /// The secret values the compile used, vault plaintexts among them (they are not in the
        /// inventory's bytes); sorted.
        public var secrets: [String]
        /// The CA directory's certificates (relative path, bytes), nil without `--ca`.
        public var certificates: [(path: String, bytes: [UInt8])]?
        public var limit: String?
        public var strict: Bool

        public init(version: String, inventory: [UInt8], facts: [UInt8]?, secrets: [String],
                    certificates: [(path: String, bytes: [UInt8])]?, limit: String?, strict: Bool) {
            self.version = version
            self.inventory = inventory
            self.facts = facts
            self.secrets = secrets
            self.certificates = certificates
            self.limit = limit
            self.strict = strict
        }

        public var digest: String {
            var bytes = Array("pigstyc-plan-inputs 1\n".utf8)
            func add(_ name: String, _ value: [UInt8]?) {
                guard let value else { bytes += Array("\(name) -\n".utf8); return }
                bytes += Array("\(name) \(value.count)\n".utf8) + value
            }
            add("version", Array(version.utf8))
            add("inventory", inventory)
            add("facts", facts)
            bytes += Array("secrets \(secrets.count)\n".utf8)
            for s in secrets.sorted() { add("secret", Array(s.utf8)) }
            if let certificates {
                bytes += Array("certificates \(certificates.count)\n".utf8)
                for c in certificates.sorted(by: { $0.path < $1.path }) {
                    add("path", Array(c.path.utf8))
                    add("certificate", c.bytes)
                }
            } else {
                bytes += Array("certificates -\n".utf8)
            }
            add("limit", limit.map { Array($0.utf8) })
            add("strict", Array((strict ? "1" : "0").utf8))
            return TreeWriter.sha256(bytes)
        }
    }

    public var version: String
    public var digest: String
    public var limit: String?
    public var strict: Bool
    public var facts: Bool
    public var ca: Bool
    /// Each node's bundle sha256 (the bytes `pigstyc bundle` writes for it).
    public var bundles: [String: String]
    public var waves: [ApplyWave]

    public init(inputs: Inputs, bundles: [String: String], plan: ApplyPlan) {
        version = inputs.version
        digest = inputs.digest
        limit = inputs.limit
        strict = inputs.strict
        facts = inputs.facts != nil
        ca = inputs.certificates != nil
        self.bundles = bundles
        waves = plan.waves
    }

    public var plan: ApplyPlan { ApplyPlan(waves: waves) }

    public var json: String {
        let object: [String: Any] = [
            "format": Self.format,
            "pigstyc": version,
            "inputs": ["digest": digest, "limit": limit.map { $0 as Any } ?? NSNull(), "strict": strict, "facts": facts, "ca": ca],
            "nodes": bundles.mapValues { ["bundle": $0] },
            "waves": waves.map { w -> [String: Any] in
                ["name": w.name, "steps": w.steps.map(\.rawValue), "nodes": w.nodes, "health": w.health]
            },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object,
                                                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    public struct Malformed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads a saved plan; anything not as `json` writes it is refused.
    public init(json bytes: [UInt8]) throws {
        func bad(_ what: String) -> Malformed { Malformed(description: "not a pigstyc plan: \(what)") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { throw bad("not a JSON object") }
        guard object["format"] as? String == Self.format else { throw bad("format is not '\(Self.format)'") }
        guard let version = object["pigstyc"] as? String else { throw bad("no pigstyc version") }
        guard let inputs = object["inputs"] as? [String: Any], let digest = inputs["digest"] as? String,
              digest.count == 64, digest.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { throw bad("no inputs.digest") }
        guard let strict = inputs["strict"] as? Bool, let facts = inputs["facts"] as? Bool, let ca = inputs["ca"] as? Bool else {
            throw bad("inputs.strict, inputs.facts or inputs.ca missing")
        }
        let limit: String?
        switch inputs["limit"] {
        case is NSNull: limit = nil
        case let s as String: limit = s
        default: throw bad("inputs.limit is neither a string nor null")
        }
        guard let nodes = object["nodes"] as? [String: Any] else { throw bad("no nodes") }
        var bundles: [String: String] = [:]
        for (node, v) in nodes {
            guard let entry = v as? [String: Any], let sha = entry["bundle"] as? String, sha.count == 64 else { throw bad("node \(node) has no bundle sha256") }
            bundles[node] = sha
        }
        guard let rawWaves = object["waves"] as? [[String: Any]], !rawWaves.isEmpty else { throw bad("no waves") }
        var waves: [ApplyWave] = []
        for w in rawWaves {
            guard let name = w["name"] as? String, let steps = w["steps"] as? [String], let ns = w["nodes"] as? [String],
                  let health = w["health"] as? [String: String] else { throw bad("a wave lacks name, steps, nodes or health") }
            let parsed = steps.compactMap(ApplyStep.init(rawValue:))
            guard parsed.count == steps.count, !parsed.isEmpty else { throw bad("wave \(name) has an unknown step") }
            guard !ns.isEmpty, ns.allSatisfy({ bundles[$0] != nil }), health.keys.allSatisfy(ns.contains) else {
                throw bad("wave \(name) names a node without a bundle")
            }
            waves.append(ApplyWave(name: name, steps: parsed, nodes: ns, health: health))
        }
        self.version = version
        self.digest = digest
        self.limit = limit
        self.strict = strict
        self.facts = facts
        self.ca = ca
        self.bundles = bundles
        self.waves = waves
    }
}
