import Foundation
import Testing
@testable import PigstySchema

struct EmbeddedSchemaTests {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test func embeddedCopyEqualsSchemaFiles() throws {
        let dir = Self.packageRoot.appendingPathComponent("schema")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".yml") }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let onDisk = try names.map { name in
            (name, String(decoding: try Data(contentsOf: dir.appendingPathComponent(name)), as: UTF8.self))
        }
        let embedded = EmbeddedSchema.files
        var stale: [String] = []
        if embedded.map(\.name) != names { stale.append("files differ: embedded \(embedded.map(\.name)), on disk \(names)") }
        for (name, text) in onDisk {
            guard let e = embedded.first(where: { $0.name == name }) else { continue }
            if e.text != text { stale.append("\(name) differs") }
        }
        let hint = ProcessInfo.processInfo.environment["PIGSTYC_UPDATE_GOLDEN"] == "1"
            ? "rebuild (swift build embeds schema/*.yml through the EmbedSchemaPlugin)"
            : "the embedded schema is stale: rebuild (swift build embeds schema/*.yml through the EmbedSchemaPlugin)"
        #expect(stale.isEmpty, "\(hint): \(stale.joined(separator: "; "))")
        #expect(!names.isEmpty)
    }

    @Test func embeddedFilesAreSortedAndNonEmpty() {
        let names = EmbeddedSchema.files.map(\.name)
        #expect(names == names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(names.contains("records.yml"))
        #expect(EmbeddedSchema.files.allSatisfy { !$0.text.isEmpty })
    }
}
