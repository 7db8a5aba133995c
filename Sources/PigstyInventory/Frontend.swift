import Foundation
#if canImport(Glibc)
import Glibc
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
    /// Reads a file into a `SourceFile`. Throws `InputError` for I/O problems (exit code 2).
    /// The size is looked at first (`fstat` on the opened file), so a file over
    /// `YAMLLimits.maxBytes` (`PGS0109`) is refused before a byte of it is read.
    public static func read(path: String, limits: YAMLLimits = .standard) throws -> SourceFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            switch errno {
            case ENOENT, ENOTDIR: throw InputError(path: path, reason: "no such file")
            case EISDIR: throw InputError(path: path, reason: "it is a directory")
            default: throw InputError(path: path, reason: "permission denied or unreadable (\(String(cString: strerror(errno))))")
            }
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw InputError(path: path, reason: String(cString: strerror(errno))) }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: throw InputError(path: path, reason: "it is a directory")
        case S_IFREG: break
        default: throw InputError(path: path, reason: "it is not a regular file")
        }
        let size = Int(st.st_size)
        guard size <= limits.maxBytes else { throw tooLarge(path, size, limits) }
        // Read to the end, in case the file grew since fstat, but never past the limit.
        var bytes = [UInt8](repeating: 0, count: size + 1)
        var filled = 0
        while true {
            if filled == bytes.count {
                guard bytes.count <= limits.maxBytes else { throw tooLarge(path, bytes.count, limits) }
                bytes += [UInt8](repeating: 0, count: min(max(bytes.count, 4096), limits.maxBytes + 1 - bytes.count))
            }
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw InputError(path: path, reason: "permission denied or unreadable (\(String(cString: strerror(errno))))") }
            if n == 0 { break }
            filled += n
        }
        bytes.removeSubrange(filled...)
        return SourceFile(path: path, bytes: bytes)
    }

    private static func tooLarge(_ path: String, _ size: Int, _ limits: YAMLLimits) -> InputError {
        InputError(path: path, reason: "it is \(size) bytes, more than the limit of \(limits.maxBytes) bytes "
            + "(\(DiagnosticCode.fileTooLarge.rawValue)); it was not read")
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
