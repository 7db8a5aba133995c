import PigstyModel
import CZlib

/// A deterministic `.tar.gz`: ustar entries in the order given (callers sort them), mtime 0,
/// uid/gid 0, user and group `root`, no gzip timestamp or name. Long paths get a PAX header.
public enum Tarball {
    public struct Entry: Sendable {
        public let path: String
        public let bytes: [UInt8]
        public let mode: Int
        public let isDirectory: Bool

        public init(path: String, bytes: [UInt8], mode: Int, isDirectory: Bool = false) {
            self.path = path
            self.bytes = bytes
            self.mode = mode
            self.isDirectory = isDirectory
        }
    }

    /// The tar archive (uncompressed).
    public static func tar(_ entries: [Entry]) -> [UInt8] {
        var out: [UInt8] = []
        for e in entries {
            let name = e.isDirectory && !e.path.hasSuffix("/") ? e.path + "/" : e.path
            let split = splitUstar(name)
            if split == nil {
                // PAX extended header carrying the full path.
                let record = paxRecord("path", name)
                out += header(name: "PaxHeaders/" + String(decoding: Array(name.utf8.suffix(80)), as: UTF8.self),
                              prefix: "", size: record.count, mode: 0o644, type: UInt8(ascii: "x"))
                out += record
                pad(&out)
            }
            let (prefix, base) = split ?? ("", String(decoding: Array(name.utf8.suffix(99)), as: UTF8.self))
            out += header(name: base, prefix: prefix, size: e.isDirectory ? 0 : e.bytes.count, mode: e.mode,
                          type: e.isDirectory ? UInt8(ascii: "5") : UInt8(ascii: "0"))
            if !e.isDirectory {
                out += e.bytes
                pad(&out)
            }
        }
        out += [UInt8](repeating: 0, count: 1024)
        // Round up to tar's usual 10 KiB record.
        let record = 10240
        if out.count % record != 0 { out += [UInt8](repeating: 0, count: record - out.count % record) }
        return out
    }

    public static func tarGz(_ entries: [Entry]) -> [UInt8] { gzip(tar(entries)) }

    /// name ≤ 100 bytes, or prefix ≤ 155 + "/" + name ≤ 100 split at a slash.
    static func splitUstar(_ path: String) -> (String, String)? {
        let b = Array(path.utf8)
        if b.count <= 100 { return ("", path) }
        // Split at a slash so the name part (after it) fits in 100 and the prefix in 155.
        for i in stride(from: b.count - 1, through: 0, by: -1) where b[i] == UInt8(ascii: "/") {
            let prefix = b[..<i], name = b[(i + 1)...]
            if name.count > 100 { return nil }
            if prefix.count <= 155 && !name.isEmpty {
                return (String(decoding: prefix, as: UTF8.self), String(decoding: name, as: UTF8.self))
            }
        }
        return nil
    }

    static func paxRecord(_ key: String, _ value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n"
        var len = body.utf8.count + 1
        while String(len).utf8.count + body.utf8.count != len { len = String(len).utf8.count + body.utf8.count }
        return Array((String(len) + body).utf8)
    }

    private static func pad(_ out: inout [UInt8]) {
        if out.count % 512 != 0 { out += [UInt8](repeating: 0, count: 512 - out.count % 512) }
    }

    private static func header(name: String, prefix: String, size: Int, mode: Int, type: UInt8) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: [UInt8], _ at: Int, _ len: Int) { for (i, c) in s.prefix(len).enumerated() { h[at + i] = c } }
        func octal(_ v: Int, _ at: Int, _ len: Int) {
            let s = String(v, radix: 8)
            put(Array((String(repeating: "0", count: max(0, len - 1 - s.count)) + s).utf8), at, len - 1)
        }
        put(Array(name.utf8), 0, 100)
        octal(mode & 0o7777, 100, 8)
        octal(0, 108, 8)
        octal(0, 116, 8)
        octal(size, 124, 12)
        octal(0, 136, 12)
        put([UInt8](repeating: 0x20, count: 8), 148, 8)
        h[156] = type
        put(Array("ustar\0".utf8), 257, 6)
        put(Array("00".utf8), 263, 2)
        put(Array("root".utf8), 265, 32)
        put(Array("root".utf8), 297, 32)
        octal(0, 329, 8)
        octal(0, 337, 8)
        put(Array(prefix.utf8), 345, 155)
        let sum = h.reduce(0) { $0 + Int($1) }
        let s = String(sum, radix: 8)
        put(Array((String(repeating: "0", count: max(0, 6 - s.count)) + s).utf8), 148, 6)
        h[154] = 0
        h[155] = 0x20
        return h
    }

    /// gzip (RFC 1952) with zlib's deflate at its default level, 6 (level 9 took three times as
    /// long for 1–5% less): no name, mtime 0, OS 3 (Unix).
    public static func gzip(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]
        var stream = z_stream()
        guard pigstyc_deflate_init_raw(&stream, 6) == Z_OK else { return stored(data) }
        defer { deflateEnd(&stream) }
        var input = data
        let bound = Int(deflateBound(&stream, uLong(data.count)))
        var buffer = [UInt8](repeating: 0, count: bound + 64)
        var produced = 0
        let status: Int32 = input.withUnsafeMutableBufferPointer { inp in
            buffer.withUnsafeMutableBufferPointer { outp in
                stream.next_in = inp.baseAddress
                stream.avail_in = uInt(inp.count)
                stream.next_out = outp.baseAddress
                stream.avail_out = uInt(outp.count)
                let r = deflate(&stream, Z_FINISH)
                produced = outp.count - Int(stream.avail_out)
                return r
            }
        }
        guard status == Z_STREAM_END else { return stored(data) }
        out += buffer[..<produced]
        trailer(&out, data)
        return out
    }

    /// Fallback: deflate "stored" blocks (no compression), still a valid gzip file.
    static func stored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]
        var i = 0
        repeat {
            let n = min(65535, data.count - i)
            let last: UInt8 = i + n >= data.count ? 1 : 0
            out += [last, UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8((~n >> 8) & 0xff)]
            out += data[i..<(i + n)]
            i += n
        } while i < data.count
        trailer(&out, data)
        return out
    }

    private static func trailer(_ out: inout [UInt8], _ data: [UInt8]) {
        let crc = data.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        let size = UInt32(truncatingIfNeeded: data.count)
        for v in [crc, size] { out += [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)] }
    }
}
