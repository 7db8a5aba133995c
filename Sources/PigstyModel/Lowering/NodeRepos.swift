import PigstyInventory
import PigstyYAML

/// One package source file: `/etc/yum.repos.d/<module>.repo` (EL) or
/// `/etc/apt/sources.list.d/<module>.list` (Debian, Ubuntu), holding the `repo_upstream` entries
/// of that module for the node's OS release and architecture.
public struct RepoFile: Sendable, Equatable {
    public let path: String
    public let module: String
    /// `rpm` or `deb`.
    public let format: String
    /// The OS as the file's comment names it (`rocky 9.6 x86_64`).
    public let platform: String
    /// Entries come from the inventory's `repo_upstream` (else Pigsty's per-OS defaults).
    public let userDefined: Bool
    public let yum: [YumRepo]
    public let apt: [AptSource]
}

/// A `[section]` of a yum repository file.
public struct YumRepo: Sendable, Equatable {
    /// The section name (`name` of the upstream record).
    public let id: String
    /// `name` (`<description> $releasever - $basearch`), `baseurl`, `gpgcheck`, `enabled`, then
    /// the record's `meta`; a meta key already present replaces its value in place, so no key
    /// appears twice.
    public let options: [Option]

    public struct Option: Sendable, Equatable {
        public let key: String
        public let value: String
    }
}

/// One `deb` line of an apt sources list.
public struct AptSource: Sendable, Equatable {
    /// The upstream record's `name` and `description`, for the comment above the line.
    public let name: String
    public let description: String
    /// What follows `deb [trusted=yes] `: URL, suite and components.
    public let source: String
}

enum NodeRepos {
    /// The node role's repository files (`node_repo_modules`), and on infra nodes whose existing
    /// files are not moved aside (`node_repo_remove: false`) also those the repo role writes to
    /// build the local repository (`repo_modules`), which then stay.
    static func files(_ node: NodeResource, graph: ResourceGraph, admin: String) -> [RepoFile] {
        let h = node.host
        var modules = split(h.value("node_repo_modules"))
        let infra = graph.infraNodes.contains { $0.ip == node.ip }
        if infra, Jinja.bool(h.value("repo_enabled"), default: true), !Jinja.bool(h.value("node_repo_remove")) {
            for m in split(h.value("repo_modules")) where !modules.contains(m) { modules.append(m) }
        }
        let userDefined = h.binding("repo_upstream") != nil
        let records = userDefined ? (h.value("repo_upstream")?.sequence ?? []) : NodeRepoDefaults.table(for: node.facts)
        let region = Jinja.text(h.value("region"))
        return modules.map { file(module: $0, records: records, userDefined: userDefined, facts: node.facts,
                                  region: region, admin: admin) }
    }

    /// A comma-separated module list, blanks around names dropped, empty names skipped.
    static func split(_ v: YAMLNode?) -> [String] {
        var out: [String] = []
        for part in Jinja.text(v).split(separator: ",", omittingEmptySubsequences: true) {
            let m = Jinja.strip(String(part))
            if !m.isEmpty, !out.contains(m) { out.append(m) }
        }
        return out
    }

    static func file(module: String, records: [YAMLNode], userDefined: Bool, facts: NodeFacts,
                     region: String, admin: String) -> RepoFile {
        let deb = facts.package == "deb"
        let selected = records.filter { r in
            Jinja.text(r["module"]) == module
                && (r["releases"]?.sequence ?? []).contains { $0.int == facts.osVersion }
                && (r["arch"]?.sequence ?? []).contains { Jinja.text($0) == facts.arch }
        }
        var yum: [YumRepo] = []
        var apt: [AptSource] = []
        var ids = Set<String>()
        for r in selected {
            let url = baseurl(r, region: region)
            if deb {
                let source = url.replacingOccurrences(of: "${admin_ip}", with: admin)
                    .replacingOccurrences(of: "${distro_codename}", with: facts.codename)
                    .replacingOccurrences(of: "${distro_name}", with: facts.vendor)
                apt.append(AptSource(name: Jinja.text(r["name"]), description: Jinja.text(r["description"]), source: source))
            } else {
                let name = Jinja.text(r["name"])
                // A repository id listed twice in one file: the first definition counts (dnf
                // refuses a file that defines a section twice).
                guard ids.insert(name).inserted else { continue }
                let release = releaseVersion(name: name, minor: Jinja.bool(r["minor"]), facts: facts)
                var options = [YumRepo.Option(key: "name", value: "\(Jinja.text(r["description"])) $releasever - $basearch"),
                               YumRepo.Option(key: "baseurl", value: url.replacingOccurrences(of: "${admin_ip}", with: admin)
                                   .replacingOccurrences(of: "$releasever", with: release)),
                               YumRepo.Option(key: "gpgcheck", value: "0"), YumRepo.Option(key: "enabled", value: "1")]
                for pair in r["meta"]?.mapping ?? [] {
                    let key = Jinja.str(pair.key), value = Jinja.str(pair.value)
                    if let i = options.firstIndex(where: { $0.key == key }) {
                        options[i] = YumRepo.Option(key: key, value: value)
                    } else {
                        options.append(YumRepo.Option(key: key, value: value))
                    }
                }
                yum.append(YumRepo(id: name, options: options))
            }
        }
        return RepoFile(path: deb ? "/etc/apt/sources.list.d/\(module).list" : "/etc/yum.repos.d/\(module).repo",
                        module: module, format: facts.package,
                        platform: "\(facts.vendor) \(facts.release) \(facts.arch)", userDefined: userDefined,
                        yum: yum, apt: apt)
    }

    /// The region's URL when the record has a non-empty one, else `default`.
    static func baseurl(_ r: YAMLNode, region: String) -> String {
        let urls = r["baseurl"]
        if let v = urls?[region], !v.isNull, !Jinja.isEmptyString(v) {
            return Jinja.str(v)
        }
        return Jinja.text(urls?["default"])
    }

    /// What `$releasever` becomes in an EL URL: `<major>z` for EPEL on EL 10+, the minor release
    /// (`9.6`, `10.0`) for PGDG on EL 9.6+ and EL 10+, the full release for `minor` records, else
    /// `$releasever` itself (dnf fills it in).
    static func releaseVersion(name: String, minor: Bool, facts: NodeFacts) -> String {
        let lower = name.lowercased()
        let major = facts.osVersion
        var target = "$releasever"
        if major >= 10, lower.hasPrefix("epel") { target = "\(major)z" }
        if lower.hasPrefix("pgdg") {
            if major >= 10 {
                target = minorNineRelease(facts.release) ?? facts.release
            } else if major == 9, let r = minorNineRelease(facts.release) {
                target = r
            }
        }
        if minor { target = facts.release }
        return target
    }

    /// `9.<minor>` of a release `9.<minor>[.…]` with minor ≥ 6, else nil.
    static func minorNineRelease(_ release: String) -> String? {
        let parts = release.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "9", let m = Int(parts[1]), parts[1].allSatisfy(\.isNumber),
              m >= 6 else { return nil }
        // Pigsty's pattern takes `[6-9]` or a two-digit-or-longer minor without a leading zero.
        if parts[1].count > 1, parts[1].first == "0" { return nil }
        return "9.\(parts[1])"
    }
}
