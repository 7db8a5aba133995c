import PigstyDiagnostics
import PigstyFormats
import PigstyModel

/// The node role's own files on every node (`graph.nodeBase`): chrony's configuration, Pigsty's
/// records in `/etc/hosts` (a managed block), `/etc/resolv.conf`, the kernel modules loaded at
/// boot, the tuned profiles and huge page reservation, and the package sources.
struct NodeBaseBackend: Backend {
    let name = "nodebase"
    /// Only the node's own files: nothing reads them as a service would.
    static let plainApply = ApplyClass.in(.node)
    /// `systemd-modules-load` loads every `/etc/modules-load.d` file again when restarted.
    static let modulesApply = ApplyClass.in(.node, .restart("systemd-modules-load"))
    /// `systemd-sysctl` applies every `/etc/sysctl.d` file again when restarted.
    static let sysctlApply = ApplyClass.in(.node, .restart("systemd-sysctl"))
    /// tuned reads its profiles when it starts and applies the active one.
    static let tunedApply = ApplyClass.in(.node, .restart("tuned"))

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for n in graph.nodeBase.nodes {
            let producer = "nodebase:\(n.nodename)"
            func add(_ path: String, _ content: String, _ apply: ApplyClass, placement: FilePlacement = .whole) {
                tree.add(GeneratedFile(path: path, content: content, producer: producer, apply: apply,
                                       placement: placement), on: n.ip)
            }
            if let c = n.chrony {
                add(c.path, Self.chrony(c, node: n.ip), ApplyClass.in(.node, .restart(c.unit)))
            }
            if let h = n.hosts { add("/etc/hosts", Self.hosts(h, node: n.ip), Self.plainApply, placement: .managedBlock) }
            if let r = n.resolver { add("/etc/resolv.conf", Self.resolver(r, node: n.ip), Self.plainApply) }
            for m in n.kernelModules {
                add("/etc/modules-load.d/\(m).conf", Self.module(m, node: n.ip), Self.modulesApply)
            }
            if let t = n.tune {
                for name in TuneConfig.profiles {
                    guard let p = TunedProfiles.all[name] else { continue }
                    let dir = "\(t.profileDir)/\(name)"
                    tree.addDirectory(NodeDirectory(path: dir, producer: producer, step: .node), on: n.ip)
                    add("\(dir)/tuned.conf", TunedProfiles.render(p, tune: t, node: n.ip), Self.tunedApply)
                }
                add("/etc/sysctl.d/hugepage.conf", Self.hugepage(t, node: n.ip), Self.sysctlApply)
            }
            for r in n.repos { add(r.path, Self.repo(r, node: n.ip), Self.plainApply) }
        }
    }

    static func chrony(_ c: ChronyConfig, node: String) -> String {
        var w = LineWriter(capacity: 512)
        Header.hash("chrony configuration", node: node, into: &w)
        w.blank()
        w.comment("time sources (node_ntp_servers)")
        for s in c.servers { w.line(s) }
        w.blank()
        w.comment("where the clock's drift rate is kept between restarts")
        w.line("driftfile /var/lib/chrony/drift")
        w.comment("step the clock when it is more than 10 s off, during the first 120 updates")
        w.line("makestep 10 120")
        w.comment("copy the system time to the hardware clock")
        w.line("rtcsync")
        w.blank()
        w.comment("NTP clients allowed: loopback and private networks, any IPv6 address")
        for net in ["127.0.0.1/32", "192.168.0.0/16", "10.0.0.0/8", "::/0"] { w.line("allow \(net)") }
        w.blank()
        w.line("logdir /var/log/chrony")
        return w.text
    }

    /// The lines of Pigsty's block in `/etc/hosts`: static records tagged `# pigsty dns`, MinIO members `# minio dns`, exchanged
    /// node names tagged `# pigsty meta`, as Pigsty tags them.
    static func hosts(_ h: HostsBlock, node: String) -> String {
        var w = LineWriter(capacity: 256)
        Header.hash("static host records", node: node, into: &w)
        for r in h.records { w.line("\(r) # pigsty dns") }
        for r in h.minio { w.line("\(r) # minio dns") }
        for r in h.exchanged { w.line("\(r) # pigsty meta") }
        return w.text
    }

    static func resolver(_ r: ResolverConfig, node: String) -> String {
        var w = LineWriter(capacity: 256)
        Header.hash("resolver configuration", node: node, into: &w)
        for o in r.options { w.line(o) }
        for s in r.nameservers { w.line("nameserver \(s)") }
        return w.text
    }

    static func module(_ m: String, node: String) -> String {
        var w = LineWriter(capacity: 96)
        Header.hash("kernel module loaded at boot", node: node, into: &w)
        w.line(m)
        return w.text
    }

    static func hugepage(_ t: TuneConfig, node: String) -> String {
        var w = LineWriter(capacity: 128)
        Header.hash("huge pages (node_hugepage_count, node_hugepage_ratio)", node: node, into: &w)
        w.line("vm.nr_hugepages = \(t.hugepages)")
        return w.text
    }

    static func repo(_ r: RepoFile, node: String) -> String {
        let origin = r.userDefined ? "the inventory's repo_upstream" : "Pigsty's default repo_upstream"
        if r.format == "deb" {
            var w = LineWriter(capacity: 1024)
            Header.hash("apt sources of module \(r.module)", node: node, into: &w)
            w.comment("\(r.platform), from \(origin)")
            for s in r.apt {
                w.blank()
                w.comment("\(s.name): \(s.description)")
                w.line("deb [trusted=yes] \(s.source)")
            }
            return w.text
        }
        var w = INIWriter(text: Header.hash("yum repositories of module \(r.module)", node: node), capacity: 2048)
        w.comment("\(r.platform), from \(origin)")
        for repo in r.yum {
            w.blank()
            w.section(repo.id)
            for o in repo.options { w.set(o.key, o.value) }
        }
        return w.text
    }
}
