import Crypto
import Foundation

/// SCRAM-SHA-256 password verifiers (RFC 5802, RFC 7677) as PostgreSQL stores them in
/// `pg_authid.rolpassword`: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
///
/// PostgreSQL hashes a plaintext password with a random salt, so setting the same password again
/// changes the stored verifier. pigstyc computes the verifier at compile time with a salt derived
/// from the role name and the password (HMAC-SHA-256), so the scripts are byte-identical from
/// one compile to the next and running them again leaves `pg_authid` as it is.
public enum PgScram {
    /// PostgreSQL's default `scram_iterations`.
    public static let iterations = 4096

    /// The verifier for `password` of `role`; nil when PostgreSQL would treat the password other
    /// than as its bytes (anything outside printable ASCII goes through SASLprep), or when it is
    /// already an MD5 or SCRAM verifier (PostgreSQL stores those as given).
    public static func verifier(password: String, role: String) -> String? {
        guard !password.isEmpty, password.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }),
              !isVerifier(password) else { return nil }
        // 4096 PBKDF2 rounds cost about a millisecond; every instance of a cluster (and every
        // file that holds the verifier) asks for the same (role, password) pairs.
        let key = role + "\u{0}" + password
        if let known = memo.value(key) { return known }
        let v = compute(password: password, role: role)
        memo.store(key, v)
        return v
    }

    /// What `pg_authid.rolpassword` holds for `password` under `password_encryption = md5`:
    /// `md5` and the hex MD5 of the password followed by the role name; a given verifier as is.
    public static func md5Verifier(password: String, role: String) -> String {
        if isVerifier(password) { return password }
        let digest = Insecure.MD5.hash(data: Array((password + role).utf8))
        return "md5" + digest.map { b in
            let hex = Array("0123456789abcdef".utf8)
            return String(decoding: [hex[Int(b >> 4)], hex[Int(b & 0x0f)]], as: UTF8.self)
        }.joined()
    }

    private static let memo = Memo()

    private final class Memo: @unchecked Sendable {
        private let lock = NSLock()
        private var known: [String: String] = [:]
        func value(_ key: String) -> String? { lock.lock(); defer { lock.unlock() }; return known[key] }
        func store(_ key: String, _ value: String) { lock.lock(); known[key] = value; lock.unlock() }
    }

    private static func compute(password: String, role: String) -> String {
        let key = SymmetricKey(data: Array(password.utf8))
        let salt = Array(HMAC<SHA256>.authenticationCode(for: Array("pigstyc scram salt\u{0}\(role)".utf8), using: key)).prefix(16)
        let salted = pbkdf2(password: Array(password.utf8), salt: Array(salt), iterations: iterations)
        let saltedKey = SymmetricKey(data: salted)
        let clientKey = Array(HMAC<SHA256>.authenticationCode(for: Array("Client Key".utf8), using: saltedKey))
        let storedKey = Array(SHA256.hash(data: clientKey))
        let serverKey = Array(HMAC<SHA256>.authenticationCode(for: Array("Server Key".utf8), using: saltedKey))
        return "SCRAM-SHA-256$\(iterations):\(b64(Array(salt)))$\(b64(storedKey)):\(b64(serverKey))"
    }

    /// Text PostgreSQL takes as a stored verifier rather than a password.
    public static func isVerifier(_ s: String) -> Bool {
        if s.hasPrefix("SCRAM-SHA-256$") { return true }
        return s.utf8.count == 35 && s.hasPrefix("md5") && s.utf8.dropFirst(3).allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// PBKDF2-HMAC-SHA-256 with one 32-byte block (RFC 8018).
    static func pbkdf2(password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = SymmetricKey(data: password)
        var u = Array(HMAC<SHA256>.authenticationCode(for: salt + [0, 0, 0, 1], using: key))
        var out = u
        for _ in 1..<iterations {
            u = Array(HMAC<SHA256>.authenticationCode(for: u, using: key))
            for i in 0..<out.count { out[i] ^= u[i] }
        }
        return out
    }

    static func b64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
