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

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// The front end as one call: read → parse → resolve → check.
public enum Frontend {
    /// Reads an inventory (or facts) file into a `SourceFile`. Throws `InputError` for I/O
    /// problems. A regular file's size is looked at first (`fstat` on the opened file), so a file
    /// over `YAMLLimits.maxBytes` (`PGS0109`) is refused before a byte of it is read; pipes, FIFOs
    /// and `/dev/stdin` are read as streams, and reading stops after `limit + 1` bytes, so an
    /// endless or huge stream costs no more memory than the limit.
    public static func read(path: String, limits: YAMLLimits = .standard) throws -> SourceFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT, ENOTDIR: throw InputError(path: path, reason: "no such file")
            case EISDIR: throw InputError(path: path, reason: "it is a directory")
            case EACCES: throw InputError(path: path, reason: "permission denied")
            default: throw InputError(path: path, reason: String(cString: strerror(errno)))
            }
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw InputError(path: path, reason: String(cString: strerror(errno))) }
        if st.st_mode & S_IFMT == S_IFDIR { throw InputError(path: path, reason: "it is a directory") }
        let regular = st.st_mode & S_IFMT == S_IFREG
        if regular, Int(st.st_size) > limits.maxBytes { throw tooLarge(path, "it is \(st.st_size) bytes, more", limits) }
        var bytes: [UInt8] = []
        if regular { bytes.reserveCapacity(Int(st.st_size) + 1) }
        let chunk = 1 << 16
        var buffer = [UInt8](repeating: 0, count: chunk)
        while bytes.count <= limits.maxBytes {
            let want = min(chunk, limits.maxBytes + 1 - bytes.count)
            let n = buffer.withUnsafeMutableBytes { readBytes(fd, $0.baseAddress, want) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        // A stream (or a file that grew since fstat) longer than the limit: what was read is dropped.
        if bytes.count > limits.maxBytes { throw tooLarge(path, "it holds more", limits) }
        return SourceFile(path: path, bytes: bytes)
    }

    private static func tooLarge(_ path: String, _ what: String, _ limits: YAMLLimits) -> InputError {
        InputError(path: path, reason: "\(what) than the limit of \(limits.maxBytes) bytes "
            + "(\(DiagnosticCode.fileTooLarge.rawValue)); it was not read")
    }

    /// Parses and resolves a source; nil when the inventory structure is unusable.
    /// Templates and `!vault` values are evaluated here (their errors go to `sink`).
    public static func load(_ file: SourceFile, sink: DiagnosticSink, schema: Schema = .pigsty,
                            vault: VaultSecret? = nil) -> ResolvedInventory? {
        guard let inventory = InventoryParser.parse(file: file, sink: sink) else { return nil }
        SecretRedactor.redact(inventory, schema: schema)
        return ResolvedInventory.resolve(inventory, schema: schema, sink: sink, vault: vault)
    }

    /// Parses, resolves and checks; the result is nil when the inventory could not be resolved.
    /// Whether it is usable for compilation is `!sink.hasErrors`.
    @discardableResult
    public static func check(_ file: SourceFile, sink: DiagnosticSink, options: CheckOptions = CheckOptions(),
                             schema: Schema = .pigsty) -> ResolvedInventory? {
        if options.strict { sink.promotedToError.insert(.unknownParameter) }
        guard let resolved = load(file, sink: sink, schema: schema, vault: options.vault) else { return nil }
        InventoryChecker(resolved: resolved, sink: sink, options: options).run()
        return resolved
    }
}

/// POSIX `read(2)` (the name is taken by `Frontend.read` inside the enum).
private func readBytes(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
