import Testing
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyOutput
@testable import PigstyDeploy
@testable import PigstyFormats
@testable import PigstyJMESPath
import PigstyTestSupport

/// A structural check of Grafana provisioning files, mirroring what Grafana's provisioning reader
/// accepts (there is no Grafana in the test image): `apiVersion` ≥ 1, datasources with `name` and
/// `type`, names unique, at most one `isDefault` per organisation, uids of at most 40
/// `[A-Za-z0-9_-]`, `access` proxy or direct, typed fields, and no key Grafana does not know.
enum GrafanaProvisioningCheck {
    static let topKeys: Set<String> = ["apiVersion", "datasources", "deleteDatasources", "prune"]
    static let datasourceKeys: Set<String> = [
        "name", "type", "access", "orgId", "uid", "url", "user", "database", "basicAuth", "basicAuthUser",
        "withCredentials", "isDefault", "jsonData", "secureJsonData", "version", "editable",
    ]
    static let deleteKeys: Set<String> = ["name", "orgId", "uid"]
    static let providerTopKeys: Set<String> = ["apiVersion", "providers"]
    static let providerKeys: Set<String> = [
        "name", "orgId", "folder", "folderUid", "type", "disableDeletion", "updateIntervalSeconds",
        "allowUiUpdates", "options",
    ]
    static let providerOptionKeys: Set<String> = ["path", "foldersFromFilesStructure"]

    static func parse(_ text: String, _ problems: inout [String]) -> YAMLNode? {
        let sink = DiagnosticSink()
        let doc = YAML.parse(text, path: "provisioning.yml", into: sink)
        if sink.hasErrors || doc?.mapping == nil { problems.append("not a YAML mapping"); return nil }
        return doc
    }

    static func unknownKeys(_ node: YAMLNode, _ known: Set<String>, _ at: String, _ problems: inout [String]) {
        for pair in node.mapping ?? [] {
            let key = pair.key.keyName ?? "?"
            if !known.contains(key) { problems.append("\(at): unknown key '\(key)'") }
        }
    }

    static func apiVersion(_ doc: YAMLNode, _ problems: inout [String]) {
        guard let v = doc["apiVersion"]?.int, v >= 1 else { problems.append("apiVersion must be an integer ≥ 1"); return }
    }

    static func datasources(_ text: String) -> [String] {
        var problems: [String] = []
        guard let doc = parse(text, &problems) else { return problems }
        apiVersion(doc, &problems)
        unknownKeys(doc, topKeys, "top level", &problems)
        var names = Set<String>(), uids = Set<String>(), defaults: [Int: Int] = [:]
        let uidChars = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        for (i, ds) in (doc["datasources"]?.sequence ?? []).enumerated() {
            let at = "datasources[\(i)]"
            guard ds.mapping != nil else { problems.append("\(at): not a mapping"); continue }
            unknownKeys(ds, datasourceKeys, at, &problems)
            guard let name = ds["name"]?.string, !name.isEmpty else { problems.append("\(at): no name"); continue }
            if ds["type"]?.string?.isEmpty ?? true { problems.append("\(at) \(name): no type") }
            if !names.insert(name).inserted { problems.append("\(at): duplicate name \(name)") }
            if let uidNode = ds["uid"] {
                let uid = uidNode.string ?? ""
                if uid.isEmpty || uid.count > 40 || !uid.allSatisfy({ uidChars.contains($0) }) {
                    problems.append("\(at) \(name): invalid uid '\(uid)'")
                }
                if !uids.insert(uid).inserted { problems.append("\(at) \(name): duplicate uid \(uid)") }
            }
            if let access = ds["access"], !["proxy", "direct"].contains(access.string ?? "") {
                problems.append("\(at) \(name): access must be proxy or direct")
            }
            for key in ["isDefault", "editable", "basicAuth", "withCredentials"] {
                if let v = ds[key], v.bool == nil { problems.append("\(at) \(name): \(key) must be a boolean") }
            }
            for key in ["orgId", "version"] {
                if let v = ds[key], v.int == nil { problems.append("\(at) \(name): \(key) must be an integer") }
            }
            for key in ["jsonData", "secureJsonData"] {
                if let v = ds[key], v.mapping == nil { problems.append("\(at) \(name): \(key) must be a mapping") }
            }
            if ds["isDefault"]?.bool == true { defaults[ds["orgId"]?.int ?? 1, default: 0] += 1 }
        }
        for (org, n) in defaults where n > 1 { problems.append("org \(org): \(n) datasources are isDefault") }
        for (i, d) in (doc["deleteDatasources"]?.sequence ?? []).enumerated() {
            unknownKeys(d, deleteKeys, "deleteDatasources[\(i)]", &problems)
            if d["name"]?.string == nil && d["uid"]?.string == nil { problems.append("deleteDatasources[\(i)]: no name or uid") }
        }
        return problems
    }

    static func dashboards(_ text: String) -> [String] {
        var problems: [String] = []
        guard let doc = parse(text, &problems) else { return problems }
        apiVersion(doc, &problems)
        unknownKeys(doc, providerTopKeys, "top level", &problems)
        var names = Set<String>()
        for (i, p) in (doc["providers"]?.sequence ?? []).enumerated() {
            let at = "providers[\(i)]"
            unknownKeys(p, providerKeys, at, &problems)
            guard let name = p["name"]?.string else { problems.append("\(at): no name"); continue }
            if !names.insert(name).inserted { problems.append("\(at): duplicate name \(name)") }
            if p["type"]?.string != "file" { problems.append("\(at): type must be file") }
            guard let options = p["options"], options.mapping != nil else { problems.append("\(at): no options"); continue }
            unknownKeys(options, providerOptionKeys, "\(at).options", &problems)
            if options["path"]?.string?.isEmpty ?? true { problems.append("\(at): no options.path") }
        }
        return problems
    }
}

struct GrafanaProvisioningCheckTests {
    @Test func generatedProvisioningPassesTheStructuralCheck() throws {
        let tree = try emit(GrafanaBackendTests.inventory, [GrafanaBackend()]).tree
        for node in ["10.10.10.10", "10.10.10.11"] {
            let ds = try #require(tree.file("/etc/grafana/provisioning/datasources/pigsty.yml", on: node))
            #expect(GrafanaProvisioningCheck.datasources(ds.content) == [], "\(node)")
            let reg = try #require(tree.file("/etc/grafana/provisioning/datasources/registered.yml", on: node))
            #expect(GrafanaProvisioningCheck.datasources(reg.content) == [], "\(node)")
            // Grafana loads both files into one organisation: names, uids and the default unique across them.
            let both = ds.content + reg.content.split(separator: "\n", omittingEmptySubsequences: false)
                .drop { !$0.hasPrefix("datasources:") }.dropFirst().joined(separator: "\n")
            #expect(GrafanaProvisioningCheck.datasources(both) == [], "\(node)")
            #expect(both.components(separatedBy: "- name: ").count == 17)
            let dash = try #require(tree.file("/etc/grafana/provisioning/dashboards/pigsty.yml", on: node))
            #expect(GrafanaProvisioningCheck.dashboards(dash.content) == [], "\(node)")
        }
    }

    @Test func theCheckRejectsBrokenProvisioning() {
        // Guards the test above against a check that passes anything.
        let broken = """
        apiVersion: 1
        datasources:
          - { name: A, type: prometheus, isDefault: true, uid: "has.dot" }
          - { name: A, type: prometheus, isDefault: true, jsondata: {} }
          - { name: B, uid: "\(String(repeating: "u", count: 41))", access: server }
        """
        let problems = GrafanaProvisioningCheck.datasources(broken)
        #expect(problems.contains { $0.contains("invalid uid 'has.dot'") })
        #expect(problems.contains { $0.contains("duplicate name A") })
        #expect(problems.contains { $0.contains("unknown key 'jsondata'") })
        #expect(problems.contains { $0.contains("B: no type") })
        #expect(problems.contains { $0.contains("B: invalid uid") })
        #expect(problems.contains { $0.contains("access must be proxy or direct") })
        #expect(problems.contains { $0.contains("2 datasources are isDefault") })
        #expect(GrafanaProvisioningCheck.datasources("datasources: []\n").contains { $0.contains("apiVersion") })
        let providers = """
        apiVersion: 1
        providers:
          - { name: P, type: folder, options: { pathz: /x } }
          - { name: P, type: file, options: { path: /y } }
        """
        let p = GrafanaProvisioningCheck.dashboards(providers)
        #expect(p.contains { $0.contains("type must be file") })
        #expect(p.contains { $0.contains("unknown key 'pathz'") })
        #expect(p.contains { $0.contains("duplicate name P") })
    }
}
