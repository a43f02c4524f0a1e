//! nix/lib.nix, the pure-Nix half, evaluated by the real Nix: its findings must equal
//! `portnix check`'s (code and paths) on every fixture and example, and its firewall and
//! envVars must equal the generators' output.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use portnix::check::{CheckOptions, check};
use portnix::registry::{LoadOptions, load};

/// Every error a registry and its config can hold, and the warnings NixOS shows.
const SHARED_CODES: [&str; 9] = [
    "duplicate-port",
    "invalid-metadata",
    "out-of-range",
    "reserved-port",
    "invalid-port",
    "unknown-service",
    "invalid-range",
    "range-outside-parent",
    "range-overlap",
];
const SHARED_WARNINGS: [&str; 4] = ["range-spelling", "privileged-port", "ephemeral-port", "unused-range"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn nix_json(expr: &str) -> Result<serde_json::Value, String> {
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E", expr])
        .output()
        .expect("nix-instantiate runs");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("JSON"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn lib_call(function: &str, dir: &Path) -> String {
    let config = dir.join("portnix.nix");
    let config = if config.exists() { config.display().to_string() } else { "{ }".to_string() };
    format!(
        "(import {}/nix/lib.nix).{function} {{ registry = {}/ports.nix; config = {config}; }}",
        root().display(),
        dir.display()
    )
}

/// (code, paths) of the lib function's answer, sorted.
fn nix_codes(function: &str, dir: &Path) -> Vec<(String, Vec<String>)> {
    let expr = format!("map (f: {{ inherit (f) code paths; }}) ({})", lib_call(function, dir));
    let json = nix_json(&expr).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut out: Vec<(String, Vec<String>)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let paths =
                f["paths"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect();
            (f["code"].as_str().unwrap().to_string(), paths)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn nix_and_rust_findings_agree_on_every_fixture_and_example() {
    if !common::nix_available() {
        return;
    }
    let (mut compared, mut nonempty, mut warned) = (0, 0, 0);
    let mut seen = std::collections::BTreeSet::new();
    for dir in common::registry_cases() {
        let project = load(&LoadOptions { registry: Some(dir.join("ports.nix")), ..LoadOptions::default() })
            .unwrap_or_else(|e| panic!("{}", e.render()));
        let findings = check(&project, &CheckOptions::default());
        let of = |codes: &[&str]| {
            let mut v: Vec<(String, Vec<String>)> = findings
                .iter()
                .filter(|f| codes.contains(&f.diag.code.as_str()))
                .map(|f| (f.diag.code.to_string(), f.paths.clone()))
                .collect();
            v.sort();
            v
        };
        let rust = of(&SHARED_CODES);
        assert_eq!(nix_codes("findings", &dir), rust, "errors: {}", dir.display());
        let rust_warnings = of(&SHARED_WARNINGS);
        assert_eq!(nix_codes("warnings", &dir), rust_warnings, "warnings: {}", dir.display());
        seen.extend(rust.iter().chain(&rust_warnings).map(|(c, _)| c.clone()));
        compared += 1;
        nonempty += usize::from(!rust.is_empty());
        warned += usize::from(!rust_warnings.is_empty());
    }
    assert!(
        compared >= 30 && nonempty >= 12 && warned >= 5,
        "compared {compared}, {nonempty} with errors, {warned} with warnings"
    );
    let missing: Vec<&str> =
        SHARED_CODES.iter().chain(&SHARED_WARNINGS).copied().filter(|c| !seen.contains(*c)).collect();
    assert!(missing.is_empty(), "no fixture exercises {missing:?}");
}

#[test]
fn check_throws_a_readable_message_with_positions() {
    if !common::nix_available() {
        return;
    }
    let dir = root().join("tests/test_data/check/duplicate-port/fail_same_port");
    let err = nix_json(&format!("builtins.attrNames ({})", lib_call("check", &dir))).unwrap_err();
    assert!(err.contains("error[duplicate-port]: port 8080/tcp is claimed by 2 entries"), "{err}");
    assert!(err.contains("ecosystem.codex (8080) ("), "{err}");
    assert!(err.contains("fail_same_port/ports.nix:10:5)"), "{err}");
    let clean = root().join("lib");
    let ok = nix_json(&format!("builtins.attrNames ({})", lib_call("check", &clean))).unwrap();
    assert!(ok.as_array().unwrap().iter().any(|v| v == "databases"));
}

#[test]
fn firewall_and_env_vars_match_the_generators() {
    if !common::nix_available() {
        return;
    }
    let shapes = root().join("tests/test_data/check/invalid-metadata/pass_shapes");
    for dir in [root().join("lib"), root().join("examples/000-luminous"), shapes] {
        let project = load(&LoadOptions { registry: Some(dir.join("ports.nix")), ..LoadOptions::default() })
            .unwrap_or_else(|e| panic!("{}", e.render()));
        // The generated NixOS module, evaluated, is the reference for `firewall`.
        let module = portnix::generate::generate(
            &project,
            portnix::generate::Target::NixosFirewall,
            &Default::default(),
        )
        .unwrap()
        .text;
        let file = std::env::temp_dir().join(format!("portnix-nixlib-{}.nix", std::process::id()));
        std::fs::write(&file, module).unwrap();
        let from_module = nix_json(&format!(
            "let fw = (import {}).networking.firewall; lists = [ \"allowedTCPPorts\" \"allowedUDPPorts\" \"allowedTCPPortRanges\" \"allowedUDPPortRanges\" ]; \
             full = s: builtins.listToAttrs (map (n: {{ name = n; value = s.${{n}} or [ ]; }}) lists); \
             in full fw // (if fw ? interfaces then {{ interfaces = builtins.mapAttrs (_: full) fw.interfaces; }} else {{ }})",
            file.display()
        ))
        .unwrap();
        let from_lib = nix_json(&lib_call("firewall", &dir)).unwrap();
        assert_eq!(from_lib, from_module, "{}", dir.display());
        let env = portnix::generate::generate(&project, portnix::generate::Target::Env, &Default::default())
            .unwrap()
            .text;
        let from_gen: serde_json::Map<String, serde_json::Value> = env
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                let (k, v) = l.split_once('=').unwrap();
                (k.to_string(), serde_json::json!(v))
            })
            .collect();
        let from_lib = nix_json(&lib_call("envVars", &dir)).unwrap();
        assert_eq!(from_lib, serde_json::Value::Object(from_gen), "{}", dir.display());
    }
}

/// A NixOS configuration built from `modules` (Nix text) with the stand-in module system of
/// tests/nixpkgs-standin/lib.nix: nixpkgs' own cannot be fetched here. `what` is the Nix
/// expression to print, over `sys`.
fn nixos(modules: &str, what: &str) -> Result<serde_json::Value, String> {
    nix_json(&format!(
        "let lib = import {root}/tests/nixpkgs-standin/lib.nix; sys = lib.nixosSystem {{ modules = [ {modules} ]; }}; in {what}",
        root = root().display()
    ))
}

fn portnix_module(dir: &Path, extra: &str) -> String {
    format!(
        "{root}/nix/module.nix {{ portnix = {{ registry = {dir}/ports.nix; config = {dir}/portnix.nix; {extra} }}; }}",
        root = root().display(),
        dir = dir.display()
    )
}

#[test]
fn the_nixos_module_asserts_on_findings_and_opens_the_firewall() {
    if !common::nix_available() {
        return;
    }
    // Conflicts fail the build, listing every one.
    let err = nixos(&portnix_module(&root().join("examples/000-luminous"), ""), "sys.toplevel").unwrap_err();
    assert!(err.contains("Failed assertions:"), "{err}");
    assert!(
        err.contains("- portnix: duplicate-port: port 8080/tcp is claimed by 2 entries: ecosystem.codex"),
        "{err}"
    );
    assert_eq!(err.matches("- portnix: ").count(), 3, "{err}");
    let closed = nixos(
        &portnix_module(&root().join("examples/000-luminous"), ""),
        "sys.config.networking.firewall.allowedTCPPorts",
    )
    .unwrap();
    assert_eq!(closed, serde_json::json!([]), "openFirewall = false opens nothing");
    // A clean registry builds and opens exactly what lib.firewall says, type-checked as
    // NixOS's port options.
    let good = portnix_module(&root().join("lib"), "openFirewall = true;");
    assert_eq!(nixos(&good, "sys.toplevel").unwrap(), serde_json::json!("built"));
    let fw = nixos(&good, "sys.config.networking.firewall").unwrap();
    assert_eq!(
        fw,
        nix_json(&format!("{} // {{ }}", lib_call("firewall", &root().join("lib"))))
            .map(|mut v| {
                // The module system fills in the options the lib leaves out.
                let iface = v["interfaces"]["tailscale0"].as_object_mut().unwrap();
                for k in ["allowedUDPPorts", "allowedTCPPortRanges", "allowedUDPPortRanges"] {
                    iface.entry(k).or_insert(serde_json::json!([]));
                }
                v
            })
            .unwrap()
    );
    assert_eq!(fw["allowedTCPPorts"], serde_json::json!([22]));
    // Imported twice, as a path or as the flake exports it, it is one module, as in NixOS.
    let exported = format!("{{ imports = [ {}/nix/module.nix ]; }}", root().display());
    let twice = format!("{good} {exported} {exported}");
    assert_eq!(nixos(&twice, "sys.toplevel").unwrap(), serde_json::json!("built"));
    let flake = std::fs::read_to_string(root().join("flake.nix")).unwrap();
    assert!(
        flake.contains("nixosModules.default = { imports = [ ./nix/module.nix ]; };"),
        "the flake exports the path"
    );
    // The function value, imported twice, declares its options twice: why the flake exports
    // the path.
    let err = nixos(
        &format!("(import {r}/nix/module.nix) (import {r}/nix/module.nix)", r = root().display()),
        "sys.config.warnings",
    )
    .unwrap_err();
    assert!(err.contains("is already declared"), "{err}");
}

#[test]
fn the_standin_module_system_checks_option_types_like_nixos() {
    if !common::nix_available() {
        return;
    }
    for (def, why) in [
        ("networking.firewall.allowedTCPPorts = [ 70000 ];", "is not of type `16 bit unsigned integer"),
        ("networking.firewall.allowedTCPPorts = 22;", "is not of type `list of"),
        (
            "networking.firewall.allowedTCPPortRanges = [ { from = 1; to = \"x\"; } ];",
            "is not of type `16 bit",
        ),
        (
            "networking.firewall.interfaces.eth0.allowedUDPPorts = [ true ];",
            "networking.firewall.interfaces.eth0.allowedUDPPorts",
        ),
        (
            "networking.firewall.allowedTCPPort = [ 22 ];",
            "`networking.firewall.allowedTCPPort' does not exist",
        ),
        ("portnix.openFirewall = \"yes\";", "is not of type `boolean'"),
    ] {
        let modules = format!("{}/nix/module.nix {{ {def} }}", root().display());
        let err = nixos(&modules, "sys.config").unwrap_err();
        assert!(err.contains(why), "{def}: {err}");
    }
    // Lists from several modules are concatenated.
    let merged = nixos(
        "{ networking.firewall.allowedTCPPorts = [ 22 ]; } { networking.firewall.allowedTCPPorts = [ 80 ]; }",
        "sys.config.networking.firewall.allowedTCPPorts",
    )
    .unwrap();
    assert_eq!(merged, serde_json::json!([22, 80]));
}

#[test]
fn the_module_opens_one_scope_and_shows_warnings() {
    if !common::nix_available() {
        return;
    }
    let dir = common::project(
        "module-scope",
        "{ hosts = { web = { ssh = 22; http = 8080; }; db = { ssh = 22; pg = 5432; }; }; tools.tunnel = 41000; }\n",
        Some(
            "{ scopes = [ \"hosts.*\" ]; reserved = [ { from = 1; to = 1023; reason = \"system\"; allow = [ \"hosts.web.ssh\" ]; } ]; ranges.unused = { from = 30000; to = 30010; };\n  services = { \"hosts.web.ssh\".openFirewall = true; \"hosts.web.http\".openFirewall = true; \"hosts.db.pg\".openFirewall = true; }; }\n",
        ),
    );
    let lib = dir.join("lib");
    let web = portnix_module(&lib, "openFirewall = true; scope = \"hosts.web\";");
    assert_eq!(
        nixos(&web, "sys.config.networking.firewall.allowedTCPPorts").unwrap(),
        serde_json::json!([22, 8080])
    );
    let db = portnix_module(&lib, "openFirewall = true; scope = \"hosts.db\";");
    assert_eq!(
        nixos(&db, "sys.config.networking.firewall.allowedTCPPorts").unwrap(),
        serde_json::json!([5432])
    );
    let all = portnix_module(&lib, "openFirewall = true;");
    assert_eq!(
        nixos(&all, "sys.config.networking.firewall.allowedTCPPorts").unwrap(),
        serde_json::json!([22, 5432, 8080])
    );
    // hosts.db.ssh is privileged, tools.tunnel ephemeral, `unused` covers nothing.
    let warnings = nixos(&web, "sys.config.warnings").unwrap();
    let text = warnings.to_string();
    for code in ["privileged-port: hosts.db.ssh", "ephemeral-port: tools.tunnel", "unused-range"] {
        assert!(text.contains(&format!("portnix: {code}")), "{code}: {text}");
    }
    assert!(!text.contains("hosts.web.ssh"), "the reservation allows hosts.web.ssh: {text}");
}

/// `findings` answers `[ ]` at once when `provablyClean` holds. That must never hide a finding,
/// and must happen on clean registries, or the quick pass is dead weight.
#[test]
fn the_quick_pass_is_taken_on_clean_registries_and_never_hides_a_finding() {
    if !common::nix_available() {
        return;
    }
    let (mut clean, mut dirty) = (0, 0);
    for dir in common::registry_cases() {
        let expr = format!(
            "{{ clean = {}; full = map (f: f.code) ({}); }}",
            lib_call("provablyClean", &dir),
            lib_call("fullFindings", &dir)
        );
        let json = nix_json(&expr).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let full = json["full"].as_array().unwrap();
        if json["clean"] == true {
            assert!(full.is_empty(), "{}: provably clean, yet {full:?}", dir.display());
            clean += 1;
        } else {
            dirty += usize::from(!full.is_empty());
        }
    }
    assert!(clean >= 15 && dirty >= 12, "{clean} clean and {dirty} with findings");
    let repo = nix_json(&lib_call("provablyClean", &root().join("lib"))).unwrap();
    assert_eq!(repo, true, "the repo's own registry should take the quick pass");
}

/// A small deterministic generator (xorshift): registries built to sit on the edge of every
/// rule (ports that may repeat, ranges one port too narrow, reservations that may be hit).
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn registry_case(&mut self) -> String {
        let mut reg = String::from("{ ");
        for env in ["dev", "prod"].iter().take(1 + self.next(2) as usize) {
            reg += &format!("{env} = {{ ");
            for (tier, base) in [("web", 8000), ("db", 5400)] {
                reg += &format!("{tier} = {{ ");
                for i in 0..1 + self.next(5) {
                    let port = match self.next(24) {
                        0 => "\"oops\"".to_string(),
                        1 => "0".to_string(),
                        2 => format!("{{ from = {}; to = {}; }}", base + 5, base + 5 + self.next(4)),
                        // Leaves with their own metadata, and lists: one service, several ports.
                        3 => format!("{{ port = {}; protocol = \"UDP\"; }}", base + 2 * i + self.next(3)),
                        4 => format!("[ {} {} ]", base + 2 * i, base + 2 * i + self.next(3)),
                        5 => format!("{{ port = {}; descripton = \"typo\"; }}", base + 2 * i),
                        _ => (base + 2 * i + self.next(3)).to_string(),
                    };
                    reg += &format!("s{i} = {port}; ");
                }
                reg += "}; ";
            }
            reg += "}; ";
        }
        reg += "}";
        let scopes = if self.next(2) == 0 { "[ \"*\" ]" } else { "[ ]" };
        let web_to = 8006 + self.next(8);
        let reserved = match self.next(4) {
            0 => "[ ]".to_string(),
            1 => "[ { from = 1; to = 1023; } ]".to_string(),
            2 => format!(
                "[ {{ from = 8000; to = {}; allow = [ \"*.web\" \"dev.db.s0\" ]; }} ]",
                8000 + self.next(12)
            ),
            _ => format!("[ {{ port = {}; }} ]", 8000 + self.next(12)),
        };
        format!(
            "{{ registry = {reg}; config = {{ scopes = {scopes}; ranges.\"*.web\" = {{ from = 8000; to = {web_to}; }}; reserved = {reserved}; }}; }}"
        )
    }
}

#[test]
fn the_quick_pass_agrees_with_the_full_rules_on_random_registries() {
    if !common::nix_available() {
        return;
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let cases: Vec<String> = (0..500).map(|_| rng.registry_case()).collect();
    let expr = format!(
        "let lib = import {}/nix/lib.nix; in map (c: {{ clean = lib.provablyClean c; fast = map (f: f.paths) (lib.findings c); full = map (f: f.paths) (lib.fullFindings c); }}) [ {} ]",
        root().display(),
        cases.iter().map(|c| format!("({c})")).collect::<Vec<_>>().join(" ")
    );
    // Too long for one argument: Nix reads it from a file.
    let file = std::env::temp_dir().join(format!("portnix-quick-pass-{}.nix", std::process::id()));
    std::fs::write(&file, &expr).unwrap();
    let json = nix_json(&format!("import {}", file.display())).unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_file(&file).ok();
    let (mut clean, mut dirty, mut missed) = (0, 0, 0);
    for (case, r) in cases.iter().zip(json.as_array().unwrap()) {
        assert_eq!(r["fast"], r["full"], "findings differ from the full rules on {case}");
        if r["clean"] == true {
            assert_eq!(r["full"], serde_json::json!([]), "provably clean, yet findings, on {case}");
            clean += 1;
        } else if r["full"] == serde_json::json!([]) {
            missed += 1;
        } else {
            dirty += 1;
        }
    }
    eprintln!(
        "{} random registries: {clean} provably clean, {dirty} with findings, {missed} clean but not provably",
        cases.len()
    );
    assert!(
        clean >= 40 && dirty >= 100,
        "{clean} clean and {dirty} with findings: the generator lost its edge"
    );
}

#[test]
fn a_pool_that_names_no_range_is_an_error_in_nix_too() {
    if !common::nix_available() {
        return;
    }
    let dir = root().join("tests/test_data/check/config-error/pool_not_a_range");
    let expr = format!("map (f: f.message) ({})", lib_call("findings", &dir));
    let messages = nix_json(&expr).unwrap();
    assert_eq!(
        messages,
        serde_json::json!(["pool 'rest-apii' is not a range pattern; a pool is a pattern of `ranges`"])
    );
    let err = nix_json(&lib_call("check", &dir)).unwrap_err();
    assert!(err.contains("error[config-error]: pool 'rest-apii'"), "{err}");
    // A pool is one span: a pattern with several cannot be one, in Nix as in Rust.
    let several = common::project(
        "nixlib-pool-spans",
        "{ ci.runner = 20001; }\n",
        Some("{ ranges.ci = [ { from = 20000; to = 20999; } { port = 22000; } ]; pools = [ \"ci\" ]; }\n"),
    )
    .join("lib");
    let messages = nix_json(&format!("map (f: f.message) ({})", lib_call("findings", &several))).unwrap();
    assert_eq!(messages, serde_json::json!(["pool 'ci' has several ranges; a pool is one span of ports"]));
    let rust = load(&LoadOptions { registry: Some(several.join("ports.nix")), ..LoadOptions::default() });
    assert!(rust.is_err_and(|e| e.render().contains("pool 'ci' has several ranges")));
    // The example that lists its pools is clean.
    let example = root().join("examples/004-service-types");
    assert_eq!(
        nix_json(&format!("map (f: f.code) ({})", lib_call("findings", &example))).unwrap(),
        serde_json::json!([])
    );
}

/// A YAML value read back by yaml-rust2, as JSON.
fn yaml_json(y: &yaml_rust2::Yaml) -> serde_json::Value {
    use yaml_rust2::Yaml;
    match y {
        Yaml::String(s) => serde_json::json!(s),
        Yaml::Integer(i) => serde_json::json!(i),
        Yaml::Boolean(b) => serde_json::json!(b),
        Yaml::Array(items) => items.iter().map(yaml_json).collect(),
        Yaml::Hash(map) => serde_json::Value::Object(
            map.iter().map(|(k, v)| (k.as_str().expect("string keys").to_string(), yaml_json(v))).collect(),
        ),
        other => panic!("gen process-compose wrote {other:?}"),
    }
}

#[test]
fn process_compose_in_nix_equals_the_generated_file() {
    if !common::nix_available() {
        return;
    }
    // Every registry with processes: the repo's own, the examples that have them, the
    // generator's fixtures and one with every field, probe and path shape.
    let mut dirs = vec![root().join("lib"), root().join("tests/test_data/nix_lib/process_compose")];
    for d in ["pass_probes", "warn_disabled_dependency"] {
        dirs.push(root().join("tests/test_data/check/process-config").join(d));
    }
    for e in std::fs::read_dir(root().join("examples")).unwrap() {
        let dir = e.unwrap().path();
        if std::fs::read_to_string(dir.join("portnix.nix")).is_ok_and(|c| c.contains("processes")) {
            dirs.push(dir);
        }
    }
    let mut compared = 0;
    for dir in &dirs {
        let project = load(&LoadOptions { registry: Some(dir.join("ports.nix")), ..LoadOptions::default() })
            .unwrap_or_else(|e| panic!("{}", e.render()));
        let yaml = portnix::generate::generate(
            &project,
            portnix::generate::Target::ProcessCompose,
            &Default::default(),
        )
        .unwrap()
        .text;
        let docs = yaml_rust2::YamlLoader::load_from_str(&yaml).unwrap();
        let from_gen = yaml_json(&docs[0])["processes"].clone();
        assert!(from_gen.as_object().is_some_and(|p| !p.is_empty()), "{}", dir.display());
        let from_lib = nix_json(&lib_call("processCompose", dir)).unwrap();
        assert_eq!(from_lib, from_gen, "{}", dir.display());
        compared += from_gen.as_object().unwrap().len();
    }
    eprintln!("{compared} processes in {} registries: Nix and the generated YAML agree", dirs.len());
    // A path the registry does not have is an evaluation error naming it, as the generator's.
    let bad = nix_json(&lib_call(
        "processCompose",
        &root().join("tests/test_data/check/process-config/fail_unknown_paths"),
    ));
    assert!(bad.is_err_and(|e| e.contains("which is not in the registry")));
}
