import Foundation
import Testing
@testable import PigstySchema

struct JSONSchemaExporterTests {
    let text = JSONSchemaExporter.export(Schema.pigsty)

    func parsed() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func isValidDraft07JSON() throws {
        let root = try parsed()
        #expect(root["$schema"] as? String == "http://json-schema.org/draft-07/schema#")
        #expect(root["$id"] as? String == JSONSchemaExporter.id)
        #expect(root["title"] is String)
        #expect(root["description"] is String)
        #expect(root["required"] as? [String] == ["all"])
        let definitions = try #require(root["definitions"] as? [String: Any])
        let group = try #require(definitions["group"] as? [String: Any])
        #expect(group["additionalProperties"] as? Bool == false)
        let groupProps = try #require(group["properties"] as? [String: Any])
        #expect(Set(groupProps.keys) == ["hosts", "vars", "children"])
        // Every $ref points at an existing definition.
        var refs: [String] = []
        func collect(_ v: Any) {
            if let d = v as? [String: Any] {
                if let r = d["$ref"] as? String { refs.append(r) }
                d.values.forEach(collect)
            } else if let a = v as? [Any] {
                a.forEach(collect)
            }
        }
        collect(root)
        #expect(!refs.isEmpty)
        for r in Set(refs) {
            #expect(r.hasPrefix("#/definitions/"))
            #expect(definitions[String(r.dropFirst("#/definitions/".count))] != nil, "\(r)")
        }
    }

    @Test func isDeterministic() {
        #expect(text.hasSuffix("}\n"))
        #expect(JSONSchemaExporter.export(Schema.pigsty) == text)
        let reloaded = Schema(files: EmbeddedSchema.files.reversed())
        #expect(JSONSchemaExporter.export(reloaded) == text)
        // Keys are sorted and indented by two spaces.
        #expect(text.hasPrefix("{\n  \"$id\": "))
        #expect(!text.contains("\t"))
    }

    @Test func containsEveryParameter() throws {
        let root = try parsed()
        let vars = try #require((root["definitions"] as? [String: Any])?["vars"] as? [String: Any])
        let properties = try #require(vars["properties"] as? [String: Any])
        #expect(properties.count == Schema.pigsty.parameters.count)
        #expect(properties.count >= 351)
        for p in Schema.pigsty.parameters {
            let property = properties[p.name] as? [String: Any]
            #expect(property != nil, "\(p.name) missing")
            #expect((property?["description"] as? String)?.contains("(level \(p.levelText)") == true, "\(p.name)")
        }
    }

    @Test func typesAndSecrets() throws {
        let root = try parsed()
        let vars = try #require((root["definitions"] as? [String: Any])?["vars"] as? [String: Any])
        let properties = try #require(vars["properties"] as? [String: Any])
        let port = try #require(properties["pg_port"] as? [String: Any])
        #expect(typed(port)["type"] as? String == "integer")
        #expect(typed(port)["maximum"] as? Int == 65535)
        // A typed value may also be a template (or a vault value): the alternative is the template.
        #expect(((port["anyOf"] as? [Any])?.last as? [String: Any])?["$ref"] as? String == "#/definitions/template")
        let users = try #require(properties["pg_users"] as? [String: Any])
        #expect(typed(users)["type"] as? String == "array")
        #expect(((typed(users)["items"] as? [String: Any])?["$ref"] as? String) == "#/definitions/record_pg_user")
        for p in Schema.pigsty.parameters where p.isSecret {
            let property = properties[p.name] as? [String: Any]
            #expect(property?["default"] == nil, "\(p.name) default exported")
        }
        if let cluster = Schema.pigsty.parameter("pg_cluster"), cluster.required {
            let types = typed(properties["pg_cluster"] as? [String: Any] ?? [:])["type"] as? [String]
            #expect(types?.contains("null") == true)
        }
        let user = try #require((root["definitions"] as? [String: Any])?["record_pg_user"] as? [String: Any])
        #expect(user["additionalProperties"] as? Bool == false)
        #expect((user["required"] as? [String])?.contains("name") == true)
    }

    @Test func misspelledParametersAreRejectedButUserVariablesPass() throws {
        let root = try parsed()
        let vars = try #require((root["definitions"] as? [String: Any])?["vars"] as? [String: Any])
        let anyOf = try #require((vars["propertyNames"] as? [String: Any])?["anyOf"] as? [[String: Any]])
        let names = try #require(anyOf.first?["enum"] as? [String])
        #expect(names == Schema.pigsty.parameters.map(\.name))
        #expect(names.count >= 351)
        let pattern = try #require((anyOf.last?["not"] as? [String: Any])?["pattern"] as? String)
        let regex = try NSRegularExpression(pattern: pattern)
        func matchesPrefix(_ s: String) -> Bool {
            regex.firstMatch(in: s, range: NSRange(location: 0, length: (s as NSString).length)) != nil
        }
        func allowed(_ name: String) -> Bool { names.contains(name) || !matchesPrefix(name) }
        #expect(!allowed("pg_verison"))
        #expect(!allowed("node_tunee"))
        #expect(allowed("pg_version"))
        #expect(allowed("app_name"))
        #expect(allowed("ansible_user"))
        #expect(allowed("ansible_host"))
        #expect(!pattern.contains("ansible"))
    }

    @Test func fixtureShapes() throws {
        let out = JSONSchemaExporter.export(Fixture.schema)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let defs = try #require(root["definitions"] as? [String: Any])
        let tuple = try #require(defs["record_t_rto_plan"] as? [String: Any])
        #expect(tuple["type"] as? String == "array")
        #expect(tuple["minItems"] as? Int == 2)
        #expect(tuple["maxItems"] as? Int == 3)
        let grant = try #require(defs["record_t_grant"] as? [String: Any])
        #expect((grant["anyOf"] as? [Any])?.count == 2)
        let props = try #require((defs["vars"] as? [String: Any])?["properties"] as? [String: Any])
        let conf = try #require(props["t_conf"] as? [String: Any])
        #expect(typed(conf)["enum"] as? [String] == ["oltp.yml", "olap.yml", "crit.yml", "tiny.yml"])
        #expect(conf["default"] as? String == "oltp.yml")
        #expect((conf["description"] as? String) == "A template. (level C, default \"oltp.yml\")")
        let nullable = try #require(props["t_nullable"] as? [String: Any])
        #expect(typed(nullable)["type"] as? [String] == ["string", "number", "null"])
        #expect(props["t_password"].flatMap { ($0 as? [String: Any])?["default"] } == nil)
        #expect(JSON.validNumber("1e-05") && JSON.validNumber("-0.5") && !JSON.validNumber("01") && !JSON.validNumber("1."))
        #expect(JSON.quoted("a\"b\\c\n\u{01}") == #""a\"b\\c\n\u0001""#)
    }
}

/// The typed alternative of a property that also accepts a template (`anyOf: [typed, template]`).
private func typed(_ property: [String: Any]) -> [String: Any] {
    (property["anyOf"] as? [Any])?.first as? [String: Any] ?? property
}
