import _CryptoExtras
import Crypto
import Foundation

/// The password that opens `!vault` values (`--vault-password-file`).
public struct VaultSecret: Sendable {
    let password: [UInt8]

    public init(password: String) { self.password = Array(password.utf8) }

    /// A password file as Ansible reads it: the whole file, surrounding blanks stripped.
    public static func read(file path: String) throws -> VaultSecret {
        let source = try Frontend.read(path: path)
        guard let text = String(bytes: source.bytes, encoding: .utf8) else {
            throw InputError(path: path, reason: "the vault password file is not UTF-8 text")
        }
        let password = Jinja.strip(text)
        guard !password.isEmpty else { throw InputError(path: path, reason: "the vault password file is empty") }
        return VaultSecret(password: password)
    }
}

/// Ansible Vault 1.1/1.2 (AES256): a hex-encoded envelope of hex salt, HMAC-SHA256 and
/// ciphertext; PBKDF2-HMAC-SHA256 (10000 rounds) gives the AES-256 key, the HMAC key and the
/// CTR counter block; the plaintext is PKCS#7-padded.
public enum AnsibleVault {
    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    static let rounds = 10_000

    public static func decrypt(_ text: String, secret: VaultSecret) throws -> String {
        var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { Jinja.strip(String($0)) }.filter { !$0.isEmpty }
        guard let header = lines.first else { throw Failure(message: "the !vault value is empty") }
        lines.removeFirst()
        let fields = header.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 3, fields[0] == "$ANSIBLE_VAULT" else {
            throw Failure(message: "the !vault value does not start with a '$ANSIBLE_VAULT;1.1;AES256' header")
        }
        guard fields[1] == "1.1" || fields[1] == "1.2" else { throw Failure(message: "vault format version '\(fields[1])' is not supported (1.1 and 1.2 are)") }
        guard fields[2] == "AES256" else { throw Failure(message: "vault cipher '\(fields[2])' is not supported (AES256 is)") }
        guard let envelope = hex(lines.joined()), let inner = String(bytes: envelope, encoding: .ascii) else {
            throw Failure(message: "the !vault body is not hexadecimal text")
        }
        let parts = inner.split(separator: "\n").map(String.init)
        guard parts.count == 3, let salt = hex(parts[0]), let mac = hex(parts[1]), let body = hex(parts[2]),
              !body.isEmpty, body.count % 16 == 0 else {
            throw Failure(message: "the !vault body is malformed (expected salt, HMAC and ciphertext)")
        }
        let (aesKey, macKey, iv) = try derive(secret, salt: salt)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: macKey) else {
            throw Failure(message: "the vault password does not open this !vault value (HMAC mismatch)")
        }
        do {
            let plain = [UInt8](try AES._CTR.decrypt(body, using: aesKey, nonce: try AES._CTR.Nonce(nonceBytes: iv)))
            guard let pad = plain.last, pad >= 1, pad <= 16, plain.count >= Int(pad),
                  plain.suffix(Int(pad)).allSatisfy({ $0 == pad }) else {
                throw Failure(message: "the decrypted !vault value has bad padding")
            }
            guard let s = String(bytes: plain.dropLast(Int(pad)), encoding: .utf8) else {
                throw Failure(message: "the decrypted !vault value is not UTF-8 text")
            }
            return s
        } catch let f as Failure {
            throw f
        } catch {
            throw Failure(message: "AES decryption failed: \(error)")
        }
    }

    /// Encrypts a value the way `ansible-vault encrypt_string` does (format 1.1, or 1.2 with a
    /// vault id); `salt` is random unless given.
    public static func encrypt(_ plaintext: String, secret: VaultSecret, vaultID: String? = nil, salt: [UInt8]? = nil) throws -> String {
        var rng = SystemRandomNumberGenerator()
        let salt = salt ?? (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var data = Array(plaintext.utf8)
        let pad = 16 - data.count % 16
        data += [UInt8](repeating: UInt8(pad), count: pad)
        let (aesKey, macKey, iv) = try derive(secret, salt: salt)
        let body = [UInt8](try AES._CTR.encrypt(data, using: aesKey, nonce: try AES._CTR.Nonce(nonceBytes: iv)))
        let mac = Array(HMAC<SHA256>.authenticationCode(for: body, using: macKey))
        let inner = hexString(salt) + "\n" + hexString(mac) + "\n" + hexString(body)
        let outer = hexString(Array(inner.utf8))
        var out = vaultID.map { "$ANSIBLE_VAULT;1.2;AES256;\($0)" } ?? "$ANSIBLE_VAULT;1.1;AES256"
        var i = outer.startIndex
        while i < outer.endIndex {
            let j = outer.index(i, offsetBy: 80, limitedBy: outer.endIndex) ?? outer.endIndex
            out += "\n" + outer[i..<j]
            i = j
        }
        return out + "\n"
    }

    private static func derive(_ secret: VaultSecret, salt: [UInt8]) throws -> (SymmetricKey, SymmetricKey, [UInt8]) {
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: secret.password, salt: salt, using: .sha256,
                                                    outputByteCount: 80, unsafeUncheckedRounds: rounds)
        let bytes = key.withUnsafeBytes { Array($0) }
        return (SymmetricKey(data: bytes[0..<32]), SymmetricKey(data: bytes[32..<64]), Array(bytes[64..<80]))
    }

    static func hex(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let h = nibble(u[i]), let l = nibble(u[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }

    static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
