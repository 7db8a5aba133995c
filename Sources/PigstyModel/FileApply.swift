/// A part of a node's apply run. Inside one node the steps run in this order; every step creates
/// its directories (and the system users and groups its files belong to), installs its files, then
/// reloads or restarts the units whose files changed.
public enum ApplyStep: String, CaseIterable, Sendable, Comparable, Codable {
    /// Node baseline (`node.yml`'s node role): keepalived and anything no other step claims.
    case node
    /// HAProxy itself and its `haproxy_services` (the haproxy role of `node.yml`).
    case haproxy
    /// INFRA services on admin/infra nodes: nginx, dnsmasq, VictoriaMetrics, vmalert, Grafana.
    case infra
    case etcd
    case minio
    /// PostgreSQL through Patroni: Patroni's configuration, `pg_hba.conf`, `postgresql.auto.conf`.
    case pgsql
    case pgbouncer
    /// vip-manager (the L2 VIP of a PostgreSQL cluster).
    case vip
    /// PostgreSQL services in HAProxy (`pg_services`), after every member is configured.
    case service
    /// Records other modules register on infra nodes: DNS records, scrape targets, datasources.
    case register
    case redis

    public static func < (a: ApplyStep, b: ApplyStep) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// What a unit needs after one of its files changed.
public enum UnitAction: String, Sendable, Codable, Comparable {
    case reload, restart

    public static func < (a: UnitAction, b: UnitAction) -> Bool { a == .reload && b == .restart }
}

/// A systemd unit and what to do to it.
public struct UnitEffect: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let unit: String
    public let action: UnitAction

    public init(_ action: UnitAction, _ unit: String) {
        self.unit = unit
        self.action = action
    }

    public var description: String { "\(action.rawValue) \(unit)" }

    public static func < (a: UnitEffect, b: UnitEffect) -> Bool { (a.unit, a.action) < (b.unit, b.action) }

    /// Several changed files may touch the same unit: restart wins over reload; one effect per unit,
    /// sorted by unit name.
    /// A name systemctl accepts as a unit, safe to hand to it as one argument.
    public static func isUnitName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 200 && s.first != "-" && s.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
                || b == UInt8(ascii: "@") || b == UInt8(ascii: ":")
        }
    }

    public static func reload(_ unit: String) -> UnitEffect { UnitEffect(.reload, unit) }
    public static func restart(_ unit: String) -> UnitEffect { UnitEffect(.restart, unit) }

    public static func merged(_ effects: some Sequence<UnitEffect>) -> [UnitEffect] {
        var strongest: [String: UnitAction] = [:]
        for e in effects { strongest[e.unit] = max(strongest[e.unit] ?? .reload, e.action) }
        return strongest.map { UnitEffect($0.value, $0.key) }.sorted()
    }
}

/// Where a generated file belongs in an apply run: its step and the units its change affects.
/// Each file declares it where it is created (`GeneratedFile.apply`).
public struct ApplyClass: Sendable, Equatable {
    /// `.in(.etcd, .restart("etcd"))`: a file of `step` whose change has these effects.
    public static func `in`(_ step: ApplyStep, _ effects: UnitEffect...) -> ApplyClass { ApplyClass(step: step, effects: effects) }

    public let step: ApplyStep
    /// The effects, their text and the change rule, in one immutable box: a file is copied often
    /// (trees are merged, sorted, written), and one reference costs less than an array, a string
    /// and a rule.
    private let box: Box

    public var effects: [UnitEffect] { box.effects }
    /// How the effects depend on what changed in the file (nil: any change has all of `effects`).
    public var rule: ChangeRule? { box.rule }
    /// The effects as apply.list writes them: `action:unit,…`, or `-` for none.
    public var unitsText: String { box.unitsText }
    /// A file that must not exist before this service's first start (a file inside the data
    /// directory Patroni initialises): apply.sh writes it only once the service's readiness check
    /// passes, after the step's services are started.
    public var afterStart: String? { box.afterStart }
    /// A check of the new file itself before it is installed (a fixed shell line that gets the
    /// file's path as `$1`, e.g. `visudo -c -q -f "$1"`): when it fails, apply installs nothing
    /// more and stops, and the old file stays.
    public var verifiedBy: FileCheck? { box.verifiedBy }

    public init(step: ApplyStep, effects: [UnitEffect], rule: ChangeRule? = nil, afterStart: String? = nil,
                verifiedBy: FileCheck? = nil) {
        self.step = step
        box = Box(effects.filter { UnitEffect.isUnitName($0.unit) }, rule: rule,
                  afterStart: afterStart.flatMap { UnitEffect.isUnitName($0) ? $0 : nil }, verifiedBy: verifiedBy)
    }

    /// Equal step and effects; the rule is the back end's (its tests check it).
    public static func == (a: ApplyClass, b: ApplyClass) -> Bool {
        a.step == b.step && (a.box === b.box || (a.box.effects == b.box.effects && a.box.afterStart == b.box.afterStart
                                                 && a.box.verifiedBy == b.box.verifiedBy))
    }

    private final class Box: Sendable {
        let effects: [UnitEffect]
        let rule: ChangeRule?
        let unitsText: String
        let afterStart: String?
        let verifiedBy: FileCheck?

        init(_ effects: [UnitEffect], rule: ChangeRule?, afterStart: String?, verifiedBy: FileCheck?) {
            self.effects = effects
            self.rule = rule
            self.afterStart = afterStart
            self.verifiedBy = verifiedBy
            unitsText = effects.isEmpty ? "-" : effects.map { "\($0.action.rawValue):\($0.unit)" }.joined(separator: ",")
        }
    }
}


extension ApplyClass {
    /// The same class with a rule for what a change of the file needs.
    public func with(_ rule: ChangeRule) -> ApplyClass {
        ApplyClass(step: step, effects: effects, rule: rule, afterStart: afterStart, verifiedBy: verifiedBy)
    }

    /// The same class for a file written only after `unit` has started (see `afterStart`).
    public func afterStart(of unit: String) -> ApplyClass {
        ApplyClass(step: step, effects: effects, rule: rule, afterStart: unit, verifiedBy: verifiedBy)
    }

    /// The same class for a file checked by `check` before it is installed.
    public func verified(by check: FileCheck) -> ApplyClass {
        ApplyClass(step: step, effects: effects, rule: rule, afterStart: afterStart, verifiedBy: check)
    }
}

/// The checks a file gets before apply installs it; each a fixed shell line (no inventory value)
/// that is given the new file's path as `$1`.
public enum FileCheck: String, Sendable, Equatable {
    /// A sudoers drop-in: a broken one would stop sudo for every rule on the node.
    case sudoers = "visudo -c -q -f \"$1\""

    public var command: String { rawValue }
}

/// A back end's declaration of the semantics of its file's contents, which `diff` and apply.sh
/// consult instead of treating every change alike.
public enum ChangeRule: Sendable, Equatable {
    /// Lines `key: value` (or `key = value`) for these keys are read only when the service
    /// bootstraps (etcd's `initial-cluster*`): a change limited to them needs none of the file's
    /// unit effects. A new file, or any other change, still has them.
    case bootstrapOnly(keys: [String])
    /// PostgreSQL parameters (`name: value` under a `parameters:` key of Patroni's YAML, or
    /// `name = value` lines of postgresql.auto.conf) of PostgreSQL `version`: the file's effect
    /// (a Patroni reload) applies the `sighup`/`user`/… ones and leaves the `postmaster` ones
    /// pending restart. `versionKey` (`pg_version`) is the major version: a change of it is a major
    /// upgrade, which no apply performs.
    case postgresParameters(version: Int?, versionKey: String?)

    /// The keys whose value must not change between the installed file and the new one.
    public var fixedKeys: [String] {
        if case .postgresParameters(_, let key?) = self { return [key] }
        return []
    }

    /// The keys a change limited to which needs no unit effect.
    public var quietKeys: [String] {
        if case .bootstrapOnly(let keys) = self { return keys }
        return []
    }
}
