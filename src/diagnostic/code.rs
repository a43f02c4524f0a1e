//! Every diagnostic code portnix reports, in one closed enum. A code's string, severity, whether
//! `ignore` may silence it and its documentation live here and nowhere else: the README's
//! table, `portnix explain`, SARIF's rule metadata and the config's `ignore` check are all
//! read from this table.

use std::fmt;

use serde::Serialize;

use super::Severity;

/// Where in the pipeline a code is reported; it orders the README's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// A finding of `portnix check` about the registry's entries.
    Check,
    /// The config (`lib/portnix.nix`) or the registry's shape cannot be used.
    Config,
    /// A generator refuses to write its file.
    Generate,
    /// The registry could not be evaluated.
    Eval,
}

/// A code's documentation, written as statix and ruff document their rules.
#[derive(Debug, Serialize)]
pub struct Doc {
    pub(crate) code: &'static str,
    pub(crate) severity: Severity,
    pub(crate) stage: Stage,
    pub(crate) ignorable: bool,
    /// One line: when the code fires.
    pub(crate) what: &'static str,
    /// Why it matters.
    pub(crate) why: &'static str,
    /// A small input that triggers it.
    pub(crate) example: &'static str,
}

macro_rules! codes {
    ($( $(#[$attr:meta])* $variant:ident = $code:literal, $severity:ident, $stage:ident, $ignorable:literal,
        what: $what:literal, why: $why:literal, example: $example:literal; )*) => {
        /// A diagnostic code. Its `Display` is the kebab-case string users grep for.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $(#[$attr])* $variant, )* }

        impl Code {
            /// Every code, in the order of the README's table.
            pub const ALL: &[Code] = &[ $( Code::$variant, )* ];

            pub(crate) fn doc(self) -> &'static Doc {
                match self {
                    $( Code::$variant => &Doc {
                        code: $code,
                        severity: Severity::$severity,
                        stage: Stage::$stage,
                        ignorable: $ignorable,
                        what: $what,
                        why: $why,
                        example: $example,
                    }, )*
                }
            }
        }
    };
}

codes! {
    DuplicatePort = "duplicate-port", Error, Check, false,
        what: "two entries in one scope claim the same port on the same protocol; a range overlapping a port or another range counts; `both` is tcp and udp",
        why: "only one process can bind a port: the second service fails to start, or worse, each starts where the other was expected",
        example: "{ web.api = 8080; web.admin = 8080; }";
    OutOfRange = "out-of-range", Error, Check, false,
        what: "an entry lies outside the range of the most specific pattern covering it",
        why: "the ranges are the team's plan for the port space; an entry outside its band is a mistake or an unrecorded change of plan",
        example: "ranges.databases = { from = 5400; to = 5499; }; with databases.redis = 6379;";
    ReservedPort = "reserved-port", Error, Check, false,
        what: "an entry sits on a reserved port or range that does not `allow` it",
        why: "reserved ports belong to something outside the registry (the host's SSH, a vendor appliance) and will be taken when the service starts",
        example: "reserved = [ { port = 22; reason = \"ssh\"; } ]; with tools.gitea-ssh = 22;";
    InvalidPort = "invalid-port", Error, Check, false,
        what: "a leaf is not an int, `{ from; to; }`, a set with `port`, or a list of these, or is 0, negative, over 65535, or `from > to`",
        why: "no socket can bind it, and every consumer of the registry (firewall, process-compose, .env) would write it anyway",
        example: "{ web.api = 80800; }";
    InvalidMetadata = "invalid-metadata", Error, Check, false,
        what: "a leaf's own metadata (`{ port; protocol; ... }`) has an unknown field or a value of the wrong type, or says something else than `services.\"path\"` says",
        why: "a typo'd field must not turn into a port or switch a setting off, and two places that disagree leave no single source of truth",
        example: "{ dns = { port = 53; protocl = \"udp\"; }; }";
    InvalidRange = "invalid-range", Error, Check, false,
        what: "a range of the config is empty or reaches beyond 0-65535",
        why: "an empty range can hold no entry, so every entry under its pattern would be out of range",
        example: "ranges.web = { from = 9000; to = 8000; };";
    RangeOutsideParent = "range-outside-parent", Error, Check, false,
        what: "a nested pattern's range leaves its parent's range",
        why: "a tier must lie inside its project's block, or two projects' tiers can overlap without either block saying so",
        example: "ranges.\"p\" = { from = 10000; to = 10999; }; ranges.\"p.api\" = { from = 10900; to = 11100; };";
    RangeOverlap = "range-overlap", Error, Check, false,
        what: "two unrelated patterns' ranges share ports",
        why: "two teams handing out ports from the same band will collide sooner or later",
        example: "ranges.web = { from = 8000; to = 8099; }; ranges.api = { from = 8050; to = 8149; };";
    UnknownService = "unknown-service", Error, Check, false,
        what: "`services.\"path\"` names no entry",
        why: "a typo in a path must not silently switch the entry's metadata (protocol, firewall, env name) off",
        example: "services.\"web.apii\".protocol = \"udp\"; with only web.api in the registry";
    InvalidInterface = "invalid-interface", Error, Check, false,
        what: "an `interfaces` name no interface can have: over 15 bytes, empty, or with `/`, `\"` or whitespace",
        why: "nftables rejects the whole generated ruleset for one such name, and the NixOS firewall would open the port on an interface that cannot exist",
        example: "services.\"web.api\".interfaces = [ \"tailscale-office-vpn\" ];";
    ProcessConfig = "process-config", Error, Check, false,
        what: "a process that process-compose would refuse to load or never start, or that names no port of the registry",
        why: "`portnix gen process-compose` would write a file that fails at `process-compose up`, or whose dependent processes wait forever",
        example: "processes.web.depends_on.api = \"process_healthy\"; with no readiness probe on api";
    DisabledDependency = "disabled-dependency", Warning, Check, false,
        what: "an enabled process depends on a disabled one",
        why: "process-compose does not start a disabled process for its dependents, so the dependent waits or runs without it",
        example: "processes.db.disabled = true; processes.web.depends_on.db = \"process_started\";";
    UnusedRange = "unused-range", Warning, Check, false,
        what: "a range pattern covers no entry (pools excepted: their ports go to leases)",
        why: "usually a typo in the pattern, which then checks nothing",
        example: "ranges.databses = { from = 5400; to = 5499; };";
    RangeSpelling = "range-spelling", Warning, Check, true,
        what: "a range written as `{ start; end; }` or as `x-start`/`x-end` siblings: portnix reads two single ports and checks nothing between them",
        why: "a port inside such a block collides with it unnoticed; written `{ from; to; }`, every port of the block is claimed and checked",
        example: "{ media = { start = 8000; end = 8099; }; }";
    PrivilegedPort = "privileged-port", Warning, Check, true,
        what: "a port below 1024, outside any range or reservation that allows it",
        why: "binding it needs root or CAP_NET_BIND_SERVICE, so the service fails to start as a normal user",
        example: "{ web.http = 80; }";
    EphemeralPort = "ephemeral-port", Warning, Check, true,
        what: "a port inside Linux's ephemeral range 32768-60999",
        why: "the kernel hands these ports to outgoing connections, so the port may be taken when the service starts",
        example: "{ web.api = 40000; }";
    RegisteredPort = "registered-port", Warning, Check, true,
        what: "with `--services /etc/services`: the port is registered there under another name",
        why: "another program on the host may expect that port; a team that shares hosts wants to know before it collides",
        example: "{ web.api = 5432; } where /etc/services names 5432 postgresql";
    LeaseCollision = "lease-collision", Error, Check, false,
        what: "with `check --leases`: a live lease the registry, as it is now, no longer lets it hold (an entry or reservation took its port, or its pool moved)",
        why: "the lease's holder keeps the port while the registry gives it to someone else: two services on one port",
        example: "portnix check --leases, after `portnix add web.api --port 20001` over a live lease of 20001";
    ConfigError = "config-error", Error, Config, false,
        what: "the config (`lib/portnix.nix`) has an unknown key, a value of the wrong type, or a setting that contradicts another",
        why: "a config portnix half understands would check less than the team believes it checks",
        example: "{ rangs.web = { from = 8000; to = 8099; }; }";
    SyncTarget = "sync-target", Error, Config, false,
        what: "a `sync` target of the config whose value portnix cannot rewrite: the file is missing or outside the project, the key is not there or holds something other than a number, or the port it names is not one registry port",
        why: "`portnix sync` rewrites only a value it has found exactly; anything else would be a guess in a file the team wrote",
        example: "sync = [ { file = \"config/production.yaml\"; key = \"server.prot\"; port = \"production.api\"; } ];";
    LoadFailed = "load-failed", Error, Config, false,
        what: "the registry or config file cannot be found or read",
        why: "nothing can be checked without it",
        example: "portnix check --registry missing.nix";
    RegistryNotASet = "registry-not-a-set", Error, Config, false,
        what: "the registry does not evaluate to an attribute set",
        why: "portnix reads categories and services from the names of a set; anything else has no paths",
        example: "[ 8080 8081 ]";
    EnvName = "env-name", Error, Check, false,
        what: "an entry's environment variable name is not a valid name, or two entries map to the same one",
        why: "a .env file with a bad or repeated name is read differently by every loader: one service gets the other's port",
        example: "{ web-api.port = 8080; web.api-port = 8081; } (both WEB_API_PORT_PORT)";
    FirewallLockout = "firewall-lockout", Error, Generate, false,
        what: "`gen nftables --standalone` would write a ruleset that opens no SSH port on every interface",
        why: "loading it on a remote host locks you out of that host",
        example: "portnix gen nftables --standalone (with no ssh entry and no --without-ssh)";
    SyntaxError = "syntax-error", Error, Eval, false,
        what: "a file is not valid Nix",
        why: "no value can be read from it",
        example: "{ web.api = 8080 }";
    UndefinedVariable = "undefined-variable", Error, Eval, false,
        what: "a name is used that no `let`, function argument, `with` or builtin defines",
        why: "Nix refuses the whole file for it",
        example: "{ web.api = base + 1; }";
    DuplicateAttribute = "duplicate-attribute", Error, Eval, false,
        what: "the same attribute is defined twice in one set",
        why: "Nix refuses the file; in a registry it is nearly always the same service written twice",
        example: "{ api = 8080; api = 8081; }";
    InvalidLiteral = "invalid-literal", Error, Eval, false,
        what: "a number or path literal Nix cannot read (an integer beyond 64 bits, say)",
        why: "Nix refuses the file for it",
        example: "{ a = 99999999999999999999; }";
    TypeError = "type-error", Error, Eval, false,
        what: "a value of the wrong type for an operation: adding a string to an int, calling a set",
        why: "Nix stops evaluating at the same place",
        example: "{ a = 1 + \"2\"; }";
    MissingAttribute = "missing-attribute", Error, Eval, false,
        what: "`a.b` where `a` has no attribute `b`",
        why: "Nix stops evaluating at the same place",
        example: "let ports = { }; in { a = ports.web; }";
    MissingArgument = "missing-argument", Error, Eval, false,
        what: "a function is called without an argument it requires",
        why: "Nix stops evaluating at the same place; a registry that is a function needs its arguments",
        example: "({ lib }: lib) { }";
    UnexpectedArgument = "unexpected-argument", Error, Eval, false,
        what: "a function is called with an argument its pattern does not name, and has no `...`",
        why: "Nix stops evaluating at the same place",
        example: "({ a }: a) { a = 1; b = 2; }";
    InvalidArgument = "invalid-argument", Error, Eval, false,
        what: "a builtin is given a value it cannot take (a negative length, a bad regular expression)",
        why: "Nix stops evaluating at the same place",
        example: "builtins.substring (-1) 1 \"abc\"";
    IndexOutOfBounds = "index-out-of-bounds", Error, Eval, false,
        what: "`elemAt` or `head` past the end of a list",
        why: "Nix stops evaluating at the same place",
        example: "builtins.elemAt [ 1 ] 3";
    IntegerOverflow = "integer-overflow", Error, Eval, false,
        what: "integer arithmetic beyond 64 bits",
        why: "Nix 2.8 would wrap silently; portnix refuses rather than check a port that is not the one written",
        example: "9223372036854775807 + 1";
    DivisionByZero = "division-by-zero", Error, Eval, false,
        what: "an integer division by zero",
        why: "Nix stops evaluating at the same place",
        example: "{ a = 1 / 0; }";
    Throw = "throw", Error, Eval, false,
        what: "`throw` was evaluated (and not caught by `tryEval`)",
        why: "the registry's own code says it cannot be used as it stands",
        example: "{ a = throw \"pick a port\"; }";
    Abort = "abort", Error, Eval, false,
        what: "`abort` was evaluated",
        why: "the registry's own code stopped evaluation; `tryEval` cannot catch it",
        example: "{ a = abort \"no\"; }";
    AssertionFailed = "assertion-failed", Error, Eval, false,
        what: "an `assert` condition was false",
        why: "the registry's own code says it cannot be used as it stands",
        example: "assert 1 == 2; { }";
    InfiniteRecursion = "infinite-recursion", Error, Eval, false,
        what: "a value depends on itself",
        why: "it has no value; Nix reports the same",
        example: "let a = a; in { x = a; }";
    StackOverflow = "stack-overflow", Error, Eval, false,
        what: "evaluation nested deeper than portnix's limit",
        why: "portnix stops with an error rather than crash the process",
        example: "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 10000000";
    ResourceLimit = "resource-limit", Error, Eval, false,
        what: "evaluation used more memory or steps than portnix allows",
        why: "a registry is small; a program that is not stays bounded in CI",
        example: "builtins.genList (x: x) 1000000000";
    ImportFailed = "import-failed", Error, Eval, false,
        what: "an imported file cannot be read",
        why: "nothing can be evaluated without it",
        example: "import ./missing.nix";
    ImportOutsideRoot = "import-outside-root", Error, Eval, false,
        what: "an import or file read outside the project root",
        why: "a registry must not read the machine it runs on (`/etc/passwd`, a user's home) into CI output",
        example: "import /etc/nixos/configuration.nix";
    ImportCycle = "import-cycle", Error, Eval, false,
        what: "a file imports itself, directly or through others",
        why: "it has no value",
        example: "import ./ports.nix (inside ports.nix)";
    NotUtf8 = "not-utf8", Error, Eval, false,
        what: "a file is not UTF-8 text",
        why: "Nix files are UTF-8; portnix names the first byte that is not, with its line and column",
        example: "a registry saved as Latin-1 with an accented comment";
    InvalidJson = "invalid-json", Error, Eval, false,
        what: "`fromJSON` was given text that is not JSON",
        why: "Nix stops evaluating at the same place",
        example: "builtins.fromJSON \"{\"";
    Unsupported = "unsupported", Error, Eval, false,
        what: "the registry uses a part of Nix portnix's evaluator does not implement",
        why: "portnix declines rather than guess; `--evaluator nix` uses the real Nix",
        example: "builtins.storePath /nix/store/x";
    UnsupportedBuiltin = "unsupported-builtin", Error, Eval, false,
        what: "the registry calls a builtin portnix's evaluator does not implement",
        why: "portnix declines rather than guess; `--evaluator nix` uses the real Nix",
        example: "builtins.fetchurl \"https://example.com\"";
    NixNotFound = "nix-not-found", Error, Eval, false,
        what: "`--evaluator nix` cannot run `nix-instantiate`",
        why: "the real Nix is needed for that evaluator",
        example: "portnix check --evaluator nix (on a machine without Nix)";
    NixEvalFailed = "nix-eval-failed", Error, Eval, false,
        what: "`nix-instantiate` failed on the registry",
        why: "its message says why; portnix shows it as it is",
        example: "portnix check --evaluator nix on a registry that throws";
}

impl Code {
    pub fn as_str(self) -> &'static str {
        self.doc().code
    }

    pub(crate) fn severity(self) -> Severity {
        self.doc().severity
    }

    /// Whether the config's `ignore` may silence it: only warnings about a port's
    /// circumstances, never an error.
    pub(crate) fn ignorable(self) -> bool {
        self.doc().ignorable
    }

    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// The codes `ignore` accepts, as text, for messages.
    pub(crate) fn ignorable_list() -> String {
        Code::ALL.iter().filter(|c| c.ignorable()).map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// `portnix explain CODE`: the code's documentation as text.
    pub(crate) fn explain(self) -> String {
        let d = self.doc();
        let ignorable =
            if d.ignorable { format!("; ignore.\"{}\" can silence it", d.code) } else { String::new() };
        format!(
            "{code} ({severity}{ignorable})\n\nWhat: {what}.\n\nWhy: {why}.\n\nExample:\n    {example}\n",
            code = d.code,
            severity = d.severity,
            what = capitalise(d.what),
            why = capitalise(d.why),
            example = d.example,
        )
    }

    /// The README's table of codes.
    pub fn markdown_table() -> String {
        let mut out = String::from("| code | severity | fires when |\n|---|---|---|\n");
        let mut sorted = Code::ALL.to_vec();
        sorted.sort_by_key(|c| c.doc().stage);
        for c in sorted {
            let d = c.doc();
            let ignorable = if d.ignorable { ", ignorable" } else { "" };
            out.push_str(&format!("| `{}` | {}{ignorable} | {} |\n", d.code, d.severity, d.what));
        }
        out
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for &c in Code::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!(
                c.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{c}"
            );
            assert_eq!(Code::parse(c.as_str()), Some(c));
        }
        assert_eq!(Code::parse("no-such-code"), None);
    }

    #[test]
    fn only_warnings_are_ignorable() {
        for &c in Code::ALL {
            assert!(!c.ignorable() || c.severity() == Severity::Warning, "{c} is an ignorable error");
        }
        assert_eq!(
            Code::ignorable_list(),
            "range-spelling, privileged-port, ephemeral-port, registered-port"
        );
    }
}
