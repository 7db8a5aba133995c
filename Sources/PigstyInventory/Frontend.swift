import Foundation
import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// Why the front end could not even start: the input could not be read.
public struct InputError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot read '\(path)': \(reason)" }
}

/// The front end as one call: read → parse → resolve → check.
public enum Frontend {
    /// Reads a file into a `SourceFile`. Throws `InputError` for I/O problems (exit code 2).
    public static func read(path: String) throws -> SourceFile {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw InputError(path: path, reason: "no such file")
        }
        guard !isDir.boolValue else { throw InputError(path: path, reason: "it is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(path: path, reason: "permission denied or unreadable")
        }
        return SourceFile(path: path, bytes: [UInt8](data))
    }

    /// Parses and resolves a source; nil when the inventory structure is unusable.
    public static func load(_ file: SourceFile, sink: DiagnosticSink, schema: Schema = .pigsty) -> ResolvedInventory? {
        guard let inventory = InventoryParser.parse(file: file, sink: sink) else { return nil }
        SecretRedactor.redact(inventory, schema: schema)
        return ResolvedInventory.resolve(inventory, schema: schema)
    }

    /// Parses, resolves and checks; the result is nil when the inventory could not be resolved.
    /// Whether it is usable for compilation is `!sink.hasErrors`.
    @discardableResult
    public static func check(_ file: SourceFile, sink: DiagnosticSink, options: CheckOptions = CheckOptions(),
                             schema: Schema = .pigsty) -> ResolvedInventory? {
        if options.strict { sink.promotedToError.insert(.unknownParameter) }
        guard let resolved = load(file, sink: sink, schema: schema) else { return nil }
        InventoryChecker(resolved: resolved, sink: sink, options: options).run()
        return resolved
    }
}
