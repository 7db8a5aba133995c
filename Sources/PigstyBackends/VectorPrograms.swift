/// The VRL programs of Vector's `remap` transforms, as Pigsty's roles configure them: each turns
/// one source's raw events into the label schema VictoriaLogs streams by (`job`, `ins`, `ip`,
/// `cls`, `level`, `_time`, `message`). Only the node's identity is filled in, as VRL string
/// literals (`VRL.string`).
enum VectorPrograms {
    private static func q(_ s: String) -> String { VRL.string(s) }

    static func syslog(ip: String, ins: String, cls: String) -> String {
        ##"""
        unit = replace(to_string(._SYSTEMD_UNIT) ?? "", ".service", "")
        level = if is_null(.PRIORITY) { "info" } else { to_syslog_level(to_int(.PRIORITY) ?? 6) ?? "info" }
        . = {
          "_time": format_timestamp(.timestamp, "%Y-%m-%dT%H:%M:%S%.fZ") ?? "",
          "message": .message,
          "app": .SYSLOG_IDENTIFIER || ._COMM || "unknown",
          "unit": unit,
          "pid": to_string(._PID) ?? "",
          "level": level,
          "p": .PRIORITY,
          "ip": \##(q(ip)),
          "ins": \##(q(ins)),
          "cls": \##(q(cls)),
          "job": "syslog"
        }

        """##
    }

    static func postgres(ip: String, ins: String, cls: String) -> String {
        ##"""
        .job = "postgres"
        .ip = \##(q(ip))
        .ins = \##(q(ins))
        .cls = \##(q(cls))

        row = parse_csv!(.message)
        if length(row) < 23 { abort }
        ts = parse_timestamp(row[0], "%Y-%m-%d %H:%M:%S%.f %Z") ?? null
        ._time = if ts != null { format_timestamp!(ts, "%Y-%m-%dT%H:%M:%S%.fZ") } else { format_timestamp!(.timestamp, "%Y-%m-%dT%H:%M:%S%.fZ") }

        .user   = row[1]
        .db     = row[2]
        .pid    = row[3]
        .addr   = row[4]
        .sid    = row[5]
        .sln    = row[6]
        .cmd    = row[7]
        .stime  = row[8]
        .vxid   = row[9]
        .txid   = row[10]
        .lv     = row[11]
        .code   = row[12]
        .msg    = row[13]
        .detail = row[14]
        .hint   = row[15]
        .iq     = row[16]
        .iqp    = row[17]
        .ctx    = row[18]
        .q      = row[19]
        .qp     = row[20]
        .loc    = row[21]
        .app    = row[22]
        .btype  = if length(row) > 23 { row[23] } else { "" }
        .lpid   = if length(row) > 24 { row[24] } else { "" }
        .query  = if length(row) > 25 { row[25] } else { "" }
        lv = string(.lv) ?? ""
        .level = if lv == "PANIC" { "emerg"} else if lv == "FATAL" { "crit"} else if lv == "ERROR" { "err"} else if lv == "WARNING" { "warning"} else if lv == "NOTICE" { "notice"} else if lv == "LOG" || lv == "INFO" { "info"} else if starts_with(lv, "DEBUG") { "debug"} else { "unknown" }
        dur_match = parse_regex(.msg, r'^duration: (?P<ms>[\d.]+) ms') ?? null
        if dur_match != null { .duration = to_float(dur_match.ms) ?? null }
        .message = truncate(join!([.msg, .detail, .hint, .iq, .iqp, .ctx, .q, .qp, .loc], ","), 8192)
        del(.source_type); del(.host)

        """##
    }

    static func patroni(ip: String, ins: String, cls: String) -> String {
        ##"""

        original = to_string(.message) ?? ""
        .job = "patroni"
        .topic = "main"
        .ip = \##(q(ip))
        .ins = \##(q(ins))
        .cls = \##(q(cls))

        m = parse_regex(original, r'(?s)^(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}) (?P<level>\w+): (?P<msg>.*)$') ?? {}
        if exists(m.ts) {
          ._time = format_timestamp(parse_timestamp(to_string(m.ts), "%Y-%m-%d %H:%M:%S %z") ?? .timestamp, "%Y-%m-%dT%H:%M:%S%.fZ") ?? ""
          lv = downcase(m.level) ?? ""
          .level = if lv == "critical" { "crit" } else if lv == "error" { "err" } else if lv == "warning" || lv == "warn" { "warning" } else if lv == "debug" { "debug" } else { "info" }
          .message = truncate(to_string(m.msg), 8192)
        } else {
          ._time = format_timestamp(.timestamp, "%Y-%m-%dT%H:%M:%S%.fZ") ?? ""
          .level = "info"
          .message = truncate(original, 8192)
        }
        del(.source_type); del(.host); del(.file)

        """##
    }

    static func pgbackrest(ip: String, ins: String, cls: String, logDir: String) -> String {
        ##"""

        original = string!(.message)
        .job = "pgbackrest"
        .ip = \##(q(ip))
        .ins = \##(q(ins))
        .cls = \##(q(cls))

        .topic = replace(replace(string(.file) ?? "default", \##(q(logDir + "/")), ""), ".log", "")
        m = parse_regex(original, r'^(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}) P\d+\s+(?P<level>\w+):\s*(?P<msg>.*)$') ?? {}
        if exists(m.ts) {
          ts = parse_timestamp(m.ts, "%Y-%m-%d %H:%M:%S%.f") ?? null
          if ts != null {
            ._time = format_timestamp!(ts, "%Y-%m-%dT%H:%M:%S%.fZ")
          } else {
            ._time = format_timestamp!(.timestamp, "%Y-%m-%dT%H:%M:%S%.fZ")
          }
          lv = downcase(m.level) ?? ""
          .level = if lv == "error" { "err" } else if lv == "warn" { "warning" } else if lv == "info" { "info" } else { "debug" }
          .message = m.msg
        } else {
          abort
        }
        del(.source_type); del(.host); del(.file)

        """##
    }

    static func redis(ip: String, cls: String) -> String {
        ##"""
        .job = "redis"
        ._time = format_timestamp(.timestamp, "%Y-%m-%dT%H:%M:%S%.fZ") ?? now()
        .ip = \##(q(ip))
        .cls = \##(q(cls))
        .ins = replace(replace(string!(.file), r'/var/log/redis/', ""), r'\.log$', "")
        m = parse_regex(.message, r'^(?P<pid>\d+):(?P<role>[XCMS]) (?P<ts>\d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3}) (?P<lvl>[\*\#\-\.]) (?P<msg>.*)$') ?? {}
        if exists(m.ts) {
          ts = parse_timestamp(string!(m.ts), "%d %b %Y %H:%M:%S%.f") ?? null
          if ts != null { ._time = format_timestamp!(ts, "%Y-%m-%dT%H:%M:%S%.fZ") }
          lvl = string!(m.lvl)
          .level = if lvl == "*" { "WARN" } else if lvl == "#" { "NOTICE" } else if lvl == "." { "DEBUG" } else { "INFO" }
        }
        del(.source_type); del(.file); del(.host); del(.timestamp)

        """##
    }

    static func nginxAccess(ip: String, ins: String) -> String {
        ##"""
        .job = "nginx"
        .ip = \##(q(ip))
        .ins = \##(q(ins))
        .cls = "nginx"
        .server = replace(replace(string(.file) ?? "default", "/var/log/nginx/", ""), ".log", "")
        original = string!(.message)

        parsed, err = parse_nginx_log(original, "combined")
        if err == null {
          ts, ts_err = parse_timestamp(parsed.timestamp, "%d/%b/%Y:%H:%M:%S %z")
          if ts_err == null {
            ._time = format_timestamp!(ts, "%Y-%m-%dT%H:%M:%S%.fZ")
          } else {
            ._time = format_timestamp!(.timestamp, "%Y-%m-%dT%H:%M:%S%.fZ")
          }
          .client = parsed.client
          .user = parsed.user
          .request = parsed.request
          .status = to_string(parsed.status)
          .size = to_string(parsed.size)
          .referer = parsed.referer
          .agent = parsed.agent
          .level = "info"
        } else {
          ._time = format_timestamp!(.timestamp, "%Y-%m-%dT%H:%M:%S%.fZ")
          .level = "unknown"
        }
        del(.source_type); del(.host); del(.file); del(.timestamp)

        """##
    }

    static func nginxError(ip: String, ins: String) -> String {
        ##"""
        .job = "nginx"
        .ip = \##(q(ip))
        .ins = \##(q(ins))
        .cls = "nginx-error"
        original = string!(.message)

        # Try parsing with Vector's built-in nginx error format parser
        parsed, err = parse_nginx_log(original, "error")
        if err == null {
          # Parse timestamp: format is "2025/01/03 16:41:26"
          ts, ts_err = parse_timestamp(parsed.timestamp, "%Y/%m/%d %H:%M:%S")
          if ts_err == null {
            ._time = format_timestamp!(ts, "%Y-%m-%dT%H:%M:%S%.fZ")
          } else {
            ._time = format_timestamp!(.timestamp, "%Y-%m-%dT%H:%M:%S%.fZ")
          }
          .level = parsed.severity
          .pid = to_string(parsed.pid)
          .message = parsed.message
          .client = parsed.client
          .server = parsed.server
          .request = parsed.request
        } else {
          # Fallback: use file timestamp + raw message
          ._time = format_timestamp!(.timestamp, "%Y-%m-%dT%H:%M:%S%.fZ")
          .level = "unknown"
        }
        del(.source_type); del(.host); del(.file); del(.timestamp)

        """##
    }
}

/// Vector Remap Language literals.
enum VRL {
    /// A VRL expression for the string `s`: a double-quoted literal, `\\` and `\"` escaped, line
    /// breaks and tabs as `\n`, `\r`, `\t`. VRL reads `{{ … }}` inside a literal as a template,
    /// so a value holding `{{` is split there into literals joined with `+` (`("a{" + "{b")`).
    /// Inventory values that reach VRL are addresses, checked names and paths without control
    /// characters, so the plain form is the usual one.
    static func string(_ s: String) -> String {
        var pieces: [String] = [""]
        var previous: Character?
        for c in s {
            if c == "{" && previous == "{" { pieces.append("") }
            switch c {
            case "\\": pieces[pieces.count - 1] += "\\\\"
            case "\"": pieces[pieces.count - 1] += "\\\""
            case "\n": pieces[pieces.count - 1] += "\\n"
            case "\r": pieces[pieces.count - 1] += "\\r"
            case "\t": pieces[pieces.count - 1] += "\\t"
            default: pieces[pieces.count - 1].append(c)
            }
            previous = c
        }
        let quoted = pieces.map { "\"" + $0 + "\"" }
        return quoted.count == 1 ? quoted[0] : "(" + quoted.joined(separator: " + ") + ")"
    }
}
