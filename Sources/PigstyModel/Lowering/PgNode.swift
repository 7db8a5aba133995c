import Crypto
import PigstyInventory
import PigstyYAML

/// The supporting files of a PostgreSQL node that Pigsty's pgsql role writes besides the
/// server's own configuration: pgBackRest's configuration, the pgsodium key and its script, the
/// shell profile and aliases, the dbsu's psql and ssh settings, its sudo rules and crontab, and
/// the dbsu account itself.
public struct PgNodeModel: Sendable {
    /// One entry per instance, in `graph.pgInstances` order.
    public let instances: [PgNodeFiles]

    init(instances: [PgNodeFiles] = []) { self.instances = instances }

    static func lower(_ graph: ResourceGraph) -> PgNodeModel {
        PgNodeModel(instances: graph.pgInstances.map { PgNodeFiles.lower($0, graph: graph) })
    }
}

/// What the pgsql role's `pg_dbsu_sudo` grants the dbsu.
public enum DbsuSudo: String, Sendable, Equatable {
    /// No rule at all (`none`, or a value Pigsty's template has no branch for).
    case none
    /// Start, stop, reload and inspect the PostgreSQL node's units (the default).
    case limit
    /// Everything, with the account's password.
    case all
    /// Everything, without a password.
    case nopass
}

/// One PostgreSQL instance's supporting files.
public struct PgNodeFiles: Sendable {
    public let ip: String
    /// `<pg_cluster>-<pg_seq>`.
    public let instance: String
    public let cluster: String
    /// `pg_dbsu` (`postgres` when empty): owner of the instance's files.
    public let dbsu: String
    /// `pg_dbsu_uid`; 543 instead of the default 26 on Debian and Ubuntu (26 is taken there).
    public let dbsuUID: Int?
    /// `pg_dbsu_home`.
    public let dbsuHome: String
    /// `/etc/profile.d/pgsql.sh`.
    public let profile: PgProfile
    /// `pg_data`, as the aliases of `/etc/profile.d/pg-alias.sh` use it.
    public let dataDir: String
    public let sudo: DbsuSudo
    /// The dbsu's crontab; nil when `pg_crontab` is empty.
    public let crontab: PgCrontab?
    /// `/etc/pgbackrest/pgbackrest.conf`; nil without `pgbackrest_enabled`.
    public let backrest: PgBackrestConfig?
    /// The pgsodium server key (`pgsodium_key`, else the SHA-256 of `pg_cluster` in hex); nil
    /// without `patroni_enabled` (Pigsty writes it while configuring Patroni).
    public let pgsodiumKey: String?
    /// `patroni_log_dir`, where Patroni's event callback logs; nil without `patroni_enabled`.
    public let patroniLogDir: String?

    static func lower(_ ins: PgInstanceResource, graph: ResourceGraph) -> PgNodeFiles {
        let h = ins.host
        let facts = graph.node(ins.ip)?.facts ?? .standard
        let dbsu = h.string("pg_dbsu") ?? "postgres"
        var uid = h.int("pg_dbsu_uid")
        if facts.package == "deb", uid == 26 { uid = 543 }
        let data = Jinja.text(h.value("pg_data"))
        let bin = Jinja.text(h.value("pg_bin_dir"))
        let sudo = DbsuSudo(rawValue: Jinja.text(h.value("pg_dbsu_sudo"))) ?? .none
        let jobs = (h.value("pg_crontab")?.sequence ?? []).map { Jinja.str($0) }
        let crontab = jobs.isEmpty ? nil : PgCrontab(
            path: (facts.package == "deb" ? "/var/spool/cron/crontabs/" : "/var/spool/cron/") + dbsu,
            group: facts.package == "deb" ? "crontab" : dbsu, user: dbsu, jobs: jobs)
        var key: String?
        if ins.patroniEnabled {
            // A null key counts as unset (Pigsty's `default()` would print `None`).
            if let configured = h.value("pgsodium_key"), !configured.isNull {
                key = Jinja.text(configured)
            } else {
                key = sha256Hex(ins.cluster)
            }
        }
        return PgNodeFiles(
            ip: ins.ip, instance: ins.name, cluster: ins.cluster, dbsu: dbsu, dbsuUID: uid,
            dbsuHome: Jinja.text(h.value("pg_dbsu_home")),
            profile: PgProfile(binDir: bin, home: posixDirname(bin), dataDir: data,
                               port: Jinja.text(h.value("pg_port")), database: Jinja.text(h.value("pg_primary_db"))),
            dataDir: data, sudo: sudo, crontab: crontab,
            backrest: PgBackrestConfig.lower(ins, facts: facts, owner: dbsu), pgsodiumKey: key,
            patroniLogDir: ins.patroniEnabled ? Jinja.text(h.value("patroni_log_dir")) : nil)
    }

    /// Jinja's `hash('sha256')`: the lower-case hex digest of the text's UTF-8 bytes.
    static func sha256Hex(_ s: String) -> String {
        SHA256.hash(data: Array(s.utf8)).map { b in
            let hex = String(b, radix: 16)
            return b < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Python's `os.path.dirname` (Ansible's `dirname` filter): the text before the last `/`,
    /// without trailing slashes unless it is all slashes.
    static func posixDirname(_ p: String) -> String {
        guard let slash = p.lastIndex(of: "/") else { return "" }
        let head = String(p[...slash])
        if head.allSatisfy({ $0 == "/" }) { return head }
        var trimmed = Substring(head)
        while trimmed.last == "/" { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}

/// The environment `/etc/profile.d/pgsql.sh` exports for every login shell.
public struct PgProfile: Sendable, Equatable {
    /// `pg_bin_dir`, put first on `PATH` with `/pg/bin`.
    public let binDir: String
    /// `PGHOME`: the directory above `pg_bin_dir`.
    public let home: String
    public let dataDir: String
    public let port: String
    /// `PGDATABASE`: `pg_primary_db`.
    public let database: String
}

/// The dbsu's crontab (`pg_crontab`).
public struct PgCrontab: Sendable, Equatable {
    /// `/var/spool/cron/<dbsu>` (EL) or `/var/spool/cron/crontabs/<dbsu>` (Debian, Ubuntu).
    public let path: String
    /// `crontab` on Debian and Ubuntu, the dbsu's name on EL.
    public let group: String
    public let user: String
    /// The entries, one cron line each, as written.
    public let jobs: [String]
}

/// `/etc/pgbackrest/pgbackrest.conf` of one PostgreSQL instance, as Pigsty's pgsql role writes it
/// (`pgbackrest_enabled`): the cluster's stanza, global archive/backup/log settings, the repository
/// chosen by `pgbackrest_method` from `pgbackrest_repo`, and process limits from the node's CPUs.
public struct PgBackrestConfig: Sendable, Equatable {
    public struct Option: Sendable, Equatable {
        /// The option name (`repo1-path`).
        public let key: String
        public let value: String
    }

    /// The stanza: `pg_cluster`.
    public let stanza: String
    /// `pg1-path`: `pg_data`.
    public let dataPath: String
    public let port: String
    /// `log-path`: `pgbackrest_log_dir`.
    public let logPath: String
    /// With `pg_mode: ivory`: `pg-version-force` (`pg_version`, 18 when unset) and no archive header check.
    public let versionForce: String?
    /// `repo1-<key>` options in the order `pgbackrest_repo[pgbackrest_method]` lists them, keys
    /// with `_` as `-`, `${pg_cluster}` substituted in values.
    public let repo: [Option]
    /// Values of the repository that are secrets (`s3_key_secret`, `cipher_pass`, …).
    public let secrets: [String]
    /// `process-max` for backup, archive-get and archive-push: a quarter of the CPUs, 2 to 4.
    public let processMax: Int
    /// `process-max` for restore: every CPU, at most 8.
    public let restoreProcessMax: Int
    /// Owner of the file and its directory: `pg_dbsu`.
    public let owner: String

    /// Repository keys whose values are secrets, besides names ending in `_pass`, `_secret`,
    /// `_password`, `_passphrase` or `_token`.
    static let secretKeys: Set<String> = ["s3_key_secret", "cipher_pass", "s3_token", "azure_key", "gcs_key",
                                          "sftp_private_key_passphrase"]

    static func isSecretKey(_ key: String) -> Bool {
        secretKeys.contains(key) || ["_pass", "_secret", "_password", "_passphrase", "_token"].contains { key.hasSuffix($0) }
    }

    static func lower(_ ins: PgInstanceResource, facts: NodeFacts, owner: String) -> PgBackrestConfig? {
        let h = ins.host
        guard Jinja.bool(h.value("pgbackrest_enabled")) else { return nil }
        let method = Jinja.text(h.value("pgbackrest_method"))
        // A method naming no entry is a check error (PGS0410); nothing is written for it.
        guard let entry = h.value("pgbackrest_repo")?.mapping?.last(where: { $0.key.keyName == method })?.value.mapping else {
            return nil
        }
        var repo: [Option] = []
        var secrets: [String] = []
        for pair in entry {
            let key = Jinja.str(pair.key)
            let value = Jinja.str(pair.value).replacingOccurrences(of: "${pg_cluster}", with: ins.cluster)
            repo.append(Option(key: "repo1-" + key.replacingOccurrences(of: "_", with: "-"), value: value))
            if isSecretKey(key) { secrets.append(value) }
        }
        let cpu = max(facts.cpu, 1)
        let quarter = (cpu + 3) / 4
        let ivory = h.string("pg_mode") == "ivory"
        return PgBackrestConfig(
            stanza: ins.cluster, dataPath: Jinja.text(h.value("pg_data")),
            port: Jinja.text(h.value("pg_port")), logPath: Jinja.text(h.value("pgbackrest_log_dir")),
            versionForce: ivory ? (h.string("pg_version") ?? "18") : nil,
            repo: repo, secrets: secrets, processMax: min(max(quarter, 2), 4), restoreProcessMax: min(cpu, 8),
            owner: owner)
    }
}
