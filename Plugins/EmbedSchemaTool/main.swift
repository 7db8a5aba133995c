import Foundation

// embed-schema-tool OUTPUT FILE...: writes a Swift source declaring `EmbeddedSchema.files`, the
// given files (sorted by name, byte order) with their exact text as raw string literals.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("embed-schema-tool: \(message)\n".utf8))
    exit(1)
}

let args = CommandLine.arguments.dropFirst()
guard let output = args.first else { fail("usage: embed-schema-tool OUTPUT FILE...") }
let paths = args.dropFirst().sorted {
    URL(fileURLWithPath: $0).lastPathComponent.utf8.lexicographicallyPrecedes(URL(fileURLWithPath: $1).lastPathComponent.utf8)
}
guard !paths.isEmpty else { fail("no schema files") }

var files: [(name: String, text: String)] = []
var longestHashRun = 0
for path in paths {
    let name = URL(fileURLWithPath: path).lastPathComponent
    guard name.utf8.allSatisfy({ b in
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F || b == 0x2D
    }) else { fail("unexpected file name \(name)") }
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    guard let text = String(data: data, encoding: .utf8) else { fail("\(name) is not UTF-8") }
    // Swift string literals normalise CR line endings; the embedded text would differ from the file.
    if data.contains(0x0D) { fail("\(name) has CR line endings") }
    var run = 0
    for b in data {
        run = b == 0x23 ? run + 1 : 0
        longestHashRun = max(longestHashRun, run)
    }
    files.append((name, text))
}

// A raw string with N '#' can only be ended by a quote followed by N '#': choose N longer than any run.
let hashes = String(repeating: "#", count: longestHashRun + 1)
var out = "// Generated at build time from schema/*.yml by the EmbedSchemaPlugin; not a source file.\n"
out += "enum EmbeddedSchema {\n"
out += "    /// The schema files, sorted by file name, with their exact text.\n"
out += "    static let files: [(name: String, text: String)] = [\n"
for f in files {
    // The line break before the closing delimiter is not part of the literal, so one more is added:
    // the literal then ends exactly as the file does.
    out += "        (\"\(f.name)\", \(hashes)\"\"\"\n\(f.text)\n\"\"\"\(hashes)),\n"
}
out += "    ]\n}\n"

let url = URL(fileURLWithPath: output)
// Unchanged output keeps its timestamp, so the module is not rebuilt for nothing.
if let old = FileManager.default.contents(atPath: output), old == Data(out.utf8) { exit(0) }
do { try Data(out.utf8).write(to: url, options: .atomic) } catch { fail("cannot write \(output): \(error)") }
