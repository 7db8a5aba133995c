import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
    /// Reads a file into a `SourceFile`. Throws `InputError` for I/O problems. Pipes, FIFOs and
    /// `/dev/stdin` are read as streams; reading stops after `limit + 1` bytes, so an endless or
    /// huge input costs no more memory than the parser's size limit (which then reports it).
    public static func read(path: String, limit: Int = YAMLLimits.standard.maxBytes) throws -> SourceFile {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw InputError(path: path, reason: "no such file")
        }
        guard !isDir.boolValue else { throw InputError(path: path, reason: "it is a directory") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == EACCES ? "permission denied" : String(cString: strerror(errno))
            throw InputError(path: path, reason: reason)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        let chunk = 1 << 16
        var buffer = [UInt8](repeating: 0, count: chunk)
        while bytes.count <= limit {
            let want = min(chunk, limit + 1 - bytes.count)
            let n = buffer.withUnsafeMutableBytes { readBytes(fd, $0.baseAddress, want) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return SourceFile(path: path, bytes: bytes)
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

/// POSIX `read(2)` (the name is taken by `Frontend.read` inside the enum).
private func readBytes(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
