//! Every generator on the repository's registry and on every example, read back by the tools
//! that consume its output: nix-instantiate, nft, python-dotenv and bash, a YAML parser with a
//! strict model of process-compose's schema, and serde.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;
#[path = "common/process_compose.rs"]
mod process_compose;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use portnix::diagnostic::Code;
use portnix::generate::{GenOptions, JsonRegistry, Target, generate};
use portnix::registry::{LoadOptions, PortValue, Project, Protocol, load};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's registry and every example, by name.
fn projects() -> Vec<(String, Project)> {
    let mut dirs = vec![("repo".to_string(), root().join("lib"))];
    for d in std::fs::read_dir(root().join("examples")).unwrap() {
        let d = d.unwrap().path();
        dirs.push((d.file_name().unwrap().to_string_lossy().into_owned(), d));
    }
    dirs.sort();
    dirs.into_iter()
        .map(|(name, dir)| {
            let opts = LoadOptions { registry: Some(dir.join("ports.nix")), ..LoadOptions::default() };
            (name, load(&opts).unwrap_or_else(|e| panic!("{}", e.render())))
        })
        .collect()
}

fn render(project: &Project, target: Target) -> String {
    generate(project, target, &GenOptions::default()).unwrap_or_else(|e| panic!("{target:?}: {e:?}")).text
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portnix-gen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn every_target_on_every_example_is_pinned() {
    for (name, project) in projects() {
        // The page is the script plus its data: Chromium proves it (tests/html.rs), and its
        // data is pinned there.
        for target in Target::ALL.into_iter().filter(|t| *t != Target::Html) {
            let text = render(&project, target);
            assert_eq!(text, render(&project, target), "{name} {target:?} is not deterministic");
            insta::assert_snapshot!(format!("{name}__{}", target.name()), text);
        }
    }
}

/// What the open entries should put in each firewall list, computed independently of the
/// generator: (interface or "", list name) → values.
fn expected_firewall(project: &Project) -> BTreeMap<(String, &'static str), Vec<serde_json::Value>> {
    let mut want: BTreeMap<(String, &'static str), Vec<(i64, serde_json::Value)>> = BTreeMap::new();
    for e in project.entries.iter().filter(|e| e.meta.open_firewall) {
        let Some((from, to)) = e.interval() else { continue };
        let ifaces =
            if e.meta.interfaces.is_empty() { vec![String::new()] } else { e.meta.interfaces.clone() };
        for proto in e.meta.protocol.transports() {
            let (list, value) = match (proto, from == to) {
                (Protocol::Udp, true) => ("allowedUDPPorts", serde_json::json!(from)),
                (Protocol::Udp, false) => {
                    ("allowedUDPPortRanges", serde_json::json!({ "from": from, "to": to }))
                }
                (_, true) => ("allowedTCPPorts", serde_json::json!(from)),
                (_, false) => ("allowedTCPPortRanges", serde_json::json!({ "from": from, "to": to })),
            };
            for i in &ifaces {
                want.entry((i.clone(), list)).or_default().push((from, value.clone()));
            }
        }
    }
    want.into_iter()
        .map(|(k, mut v)| {
            v.sort_by_key(|(p, _)| *p);
            (k, v.into_iter().map(|(_, v)| v).collect())
        })
        .collect()
}

#[test]
fn nixos_firewall_evaluates_to_the_open_ports() {
    if !common::nix_available() {
        return;
    }
    for (name, project) in projects() {
        let file = temp_file(&format!("{name}-firewall.nix"), &render(&project, Target::NixosFirewall));
        let expr = format!("(import {}).networking.firewall", file.display());
        let out = Command::new("nix-instantiate")
            .args(["--eval", "--strict", "--json", "-E", &expr])
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let fw: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut got: BTreeMap<(String, &'static str), Vec<serde_json::Value>> = BTreeMap::new();
        let lists = ["allowedTCPPorts", "allowedUDPPorts", "allowedTCPPortRanges", "allowedUDPPortRanges"];
        let mut read = |iface: &str, v: &serde_json::Value| {
            for list in lists {
                if let Some(items) = v.get(list).and_then(|x| x.as_array()) {
                    got.insert((iface.to_string(), list), items.clone());
                }
            }
        };
        read("", &fw);
        if let Some(ifaces) = fw.get("interfaces").and_then(|x| x.as_object()) {
            for (iface, v) in ifaces {
                read(iface, v);
            }
        }
        assert_eq!(got, expected_firewall(&project), "{name}");
    }
}

fn nft_available() -> bool {
    let has_nft = Command::new("nft").arg("--version").output().is_ok_and(|o| o.status.success());
    if !has_nft {
        assert!(
            std::env::var("PORTNIX_SKIP_NFT").is_ok_and(|v| v == "1"),
            "nft is not installed: `apt-get install -y nftables`, or set PORTNIX_SKIP_NFT=1"
        );
    }
    has_nft
}

fn nft_check(name: &str, text: &str) {
    let file = temp_file(&format!("{name}.nft"), text);
    let out = Command::new("nft").args(["-c", "-f"]).arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "{name}: nft -c rejects:\n{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The definitions inside a host table whose own input chain drops everything else.
fn in_host_table(definitions: &Path) -> String {
    format!(
        "table inet host {{\n  include \"{}\"\n  chain input {{\n    type filter hook input priority filter; policy drop;\n    jump portnix_input\n  }}\n}}\n",
        definitions.display()
    )
}

#[test]
fn nftables_definitions_and_firewalls_pass_nft_check() {
    if !nft_available() {
        return;
    }
    for (name, project) in projects() {
        let text = render(&project, Target::Nftables);
        let rules: String = text.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
        assert!(
            !rules.contains("policy") && !rules.contains("table ") && !rules.contains("hook"),
            "{name}: definitions set no policy of their own"
        );
        let defs = temp_file(&format!("{name}.defs.nft"), &text);
        nft_check(&format!("{name}-host"), &in_host_table(&defs));
        let options = GenOptions { standalone: true, without_ssh: true, ..GenOptions::default() };
        let firewall = generate(&project, Target::Nftables, &options).unwrap().text;
        nft_check(&format!("{name}-standalone"), &firewall);
        for e in project.entries.iter().filter(|e| e.meta.open_firewall && e.interval().is_some()) {
            let (from, to) = e.interval().unwrap();
            let ports = if from == to { from.to_string() } else { format!("{from}-{to}") };
            let listed = text.contains(&format!("{ports} comment \"{}\"", e.name))
                || text.contains(&format!("dport {ports} accept comment \"{}\"", e.name));
            assert!(listed, "{name}: {}", e.name);
        }
    }
}

#[test]
fn a_standalone_firewall_without_ssh_is_refused_unless_asked_for() {
    let (_, project) = projects().into_iter().find(|(n, _)| n == "001-categories").unwrap();
    let options = GenOptions { standalone: true, ..GenOptions::default() };
    let err = generate(&project, Target::Nftables, &options).err().expect("refused");
    assert_eq!(err[0].code, Code::FirewallLockout);
    assert!(err[0].message.contains("would cut SSH"), "{}", err[0].message);
    let (_, repo) = projects().into_iter().find(|(n, _)| n == "repo").unwrap();
    let text = generate(&repo, Target::Nftables, &options).unwrap().text;
    assert!(text.contains("22 comment \"infrastructure.ssh\""), "{text}");
    assert!(
        text.contains("icmpv6 type != { nd-redirect, 139 } accept") && text.contains("udp dport 546"),
        "{text}"
    );
}

#[test]
fn long_and_quoted_paths_still_load_in_nftables() {
    if !nft_available() {
        return;
    }
    let long = "a".repeat(140);
    let dir = common::project(
        "nft-names",
        &format!("{{ {long} = {{ x = 7000; y = 7001; }}; \"say \\\"hi\\\"\" = 7002; }}\n"),
        Some(&format!(
            "{{ services = {{ \"{long}.x\".openFirewall = true; \"{long}.y\".openFirewall = true; \"\\\"say \\\\\\\"hi\\\\\\\"\\\"\".openFirewall = true; }}; }}\n"
        )),
    );
    let opts = LoadOptions { registry: Some(dir.join("lib/ports.nix")), ..LoadOptions::default() };
    let project = load(&opts).unwrap_or_else(|e| panic!("{}", e.render()));
    let findings = portnix::check::check(&project, &Default::default());
    assert!(
        findings.iter().all(|f| f.diag.severity() != portnix::diagnostic::Severity::Error),
        "{findings:?}"
    );
    let text = render(&project, Target::Nftables);
    let defs = temp_file("names.defs.nft", &text);
    nft_check("names", &in_host_table(&defs));
    let comments: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split("comment \"").nth(1))
        .map(|c| c.trim_end_matches(',').trim_end_matches('"'))
        .collect();
    assert_eq!(comments.len(), 3, "{text}");
    assert!(comments.iter().all(|c| c.len() <= 128), "{comments:?}");
    assert_ne!(comments[0], comments[1], "shortened comments still tell the paths apart");
}

/// process-compose's own environment while it loads the file: none of it may reach a command.
fn pc_env() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([("PGDATA", "/process-compose/own"), ("HOME", "/root"), ("PORT", "1")])
}

#[test]
fn process_compose_runs_what_the_config_says() {
    let mut checked = 0;
    for (name, project) in projects() {
        let yaml = render(&project, Target::ProcessCompose);
        let pc = process_compose::load(&yaml, &pc_env())
            .unwrap_or_else(|e| panic!("{name}: process-compose refuses it: {e}\n{yaml}"));
        assert_eq!(pc.processes.len(), project.config.processes.len(), "{name}");
        for p in &project.config.processes {
            let got = &pc.processes[&p.name];
            // Exactly as configured, `$PGDATA` and all, whatever process-compose's own
            // environment holds.
            assert_eq!(got.command.as_deref(), Some(p.command.as_str()), "{name}: {}", p.name);
            assert_eq!(got.description, p.description, "{name}");
            assert_eq!(got.log_location, p.log_location, "{name}");
            let env = got.environment.clone().unwrap_or_default();
            for (k, v) in p.environment() {
                assert!(env.contains(&format!("{k}={v}")), "{name}: {}: {k}={v} in {env:?}", p.name);
            }
            // Every port it serves, uses, or depends on, under its env name.
            let deps = p
                .depends_on
                .iter()
                .filter_map(|d| project.config.processes.iter().find(|q| q.name == d.process));
            let needed = p.serves.iter().chain(&p.uses).chain(deps.flat_map(|d| d.serves.iter()));
            for path in needed {
                let e = project.entries.iter().find(|e| &e.name == path).unwrap();
                let var = format!("{}={}", portnix::generate::env_name(e), e.value_text());
                assert!(env.contains(&var), "{name}: {}: {var} in {env:?}", p.name);
            }
            for (probe, got) in [(&p.readiness, &got.readiness_probe), (&p.liveness, &got.liveness_probe)] {
                let (Some(probe), Some(got)) = (probe, got) else {
                    assert_eq!(probe.is_some(), got.is_some(), "{name}: {}", p.name);
                    continue;
                };
                let target = probe.entry.as_ref().or(p.serves.first());
                let port = target
                    .and_then(|t| project.entries.iter().find(|e| &e.name == t))
                    .map(|e| e.value_text());
                match (&probe.check, &got.http_get, &got.exec) {
                    (portnix::registry::processes::Check::Http { path, .. }, Some(h), None) => {
                        assert_eq!(
                            Some(process_compose::probed_port(h).to_string()),
                            port,
                            "{name}: {} probes",
                            p.name
                        );
                        assert_eq!(h.path.as_deref(), Some(path.as_str()));
                    }
                    (portnix::registry::processes::Check::Exec { command, .. }, None, Some(e)) => {
                        assert_eq!(&e.command, command, "{name}: {}", p.name)
                    }
                    (portnix::registry::processes::Check::Tcp, None, Some(e)) => {
                        let port = port.unwrap();
                        assert!(
                            e.command.contains(&format!("/dev/tcp/127.0.0.1/{port}"))
                                && e.command.contains(&format!("/dev/tcp/::1/{port}")),
                            "{}",
                            e.command
                        );
                    }
                    other => panic!("{name}: {}: probe written as {other:?}", p.name),
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 6, "only {checked} probes checked");
}

#[test]
fn the_tcp_probe_passes_for_either_loopback_address() {
    let (_, project) = projects().into_iter().find(|(n, _)| n == "repo").unwrap();
    let pc = process_compose::parse(&render(&project, Target::ProcessCompose));
    let probe = pc.processes["redis"].readiness_probe.as_ref().unwrap().exec.as_ref().unwrap();
    for addr in ["127.0.0.1", "::1"] {
        let listener = std::net::TcpListener::bind((addr, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let command = probe.command.replace("6379", &port.to_string());
        let status = Command::new("sh").args(["-c", &command]).status().unwrap();
        assert!(status.success(), "{addr}: {command}");
    }
    let closed = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port();
    let command = probe.command.replace("6379", &closed.to_string());
    let out = Command::new("sh").args(["-c", &command]).output().unwrap();
    assert!(!out.status.success(), "a closed port fails the probe");
}

#[test]
fn the_load_time_model_rejects_what_the_old_generator_wrote() {
    // portnix 0.1's output for a probe and a `$` in a command: read as process-compose reads
    // it, the probe goes to port 80 and the command loses its variable.
    let old = "version: \"0.5\"\nprocesses:\n  api:\n    command: \"api\"\n    readiness_probe:\n      http_get:\n        host: \"127.0.0.1\"\n        scheme: \"http\"\n        path: \"/health\"\n        num_port: 3000\n  pg:\n    command: \"postgres -D $PGDATA\"\n";
    let pc = process_compose::load(old, &pc_env()).unwrap();
    let http = pc.processes["api"].readiness_probe.as_ref().unwrap().http_get.as_ref().unwrap();
    assert_eq!(process_compose::probed_port(http), 80);
    assert_eq!(pc.processes["pg"].command.as_deref(), Some("postgres -D /process-compose/own"));
    // And the files it generated with exit 0 that process-compose refuses.
    let refused = [
        (
            "  a:\n    command: a\n    ready_log_line: up\n    readiness_probe: { exec: { command: x } }\n",
            "are incompatible",
        ),
        (
            "  a:\n    command: a\n    depends_on: { b: { condition: process_started } }\n  b:\n    command: b\n    depends_on: { a: { condition: process_started } }\n",
            "circular dependency",
        ),
        (
            "  a:\n    command: a\n    depends_on: { b: { condition: process_healthy } }\n  b:\n    command: b\n",
            "no health check exists in 'b'",
        ),
        (
            "  a:\n    command: a\n    depends_on: { b: { condition: process_log_ready } }\n  b:\n    command: b\n",
            "no ready log line exists in 'b'",
        ),
        ("  a:\n    command: a\n    depends_on: { c: { condition: process_started } }\n", "is not defined"),
    ];
    for (procs, why) in refused {
        let err = process_compose::load(&format!("processes:\n{procs}"), &pc_env()).unwrap_err();
        assert!(err.contains(why), "{why}: {err}");
    }
}

/// The variables a .env must define: name → value, from the registry, not the generator.
fn expected_env(project: &Project) -> BTreeMap<String, String> {
    let mut want = BTreeMap::new();
    for e in project.entries.iter().filter(|e| e.interval().is_some()) {
        let name = portnix::generate::env_name(e);
        match e.value {
            PortValue::Port(p) => {
                want.insert(name, p.to_string());
            }
            PortValue::Range(r) => {
                want.insert(format!("{name}_FROM"), r.from().to_string());
                want.insert(format!("{name}_TO"), r.to().to_string());
            }
            PortValue::Invalid(_) => {}
        }
    }
    want
}

/// The Python that has python-dotenv: `PORTNIX_PYTHON` (scripts/test finds it), or `python3`.
fn python() -> String {
    std::env::var("PORTNIX_PYTHON").ok().filter(|p| !p.is_empty()).unwrap_or_else(|| "python3".into())
}

fn dotenv_available() -> bool {
    let ok = Command::new(python()).args(["-c", "import dotenv"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("PORTNIX_SKIP_DOTENV").is_ok_and(|v| v == "1"),
            "python-dotenv is missing: `apt-get install python3-dotenv` (and PORTNIX_PYTHON=/usr/bin/python3), or set PORTNIX_SKIP_DOTENV=1"
        );
    }
    ok
}

#[test]
fn env_files_read_the_same_in_python_dotenv_and_bash() {
    let dotenv = dotenv_available();
    for (name, project) in projects() {
        let file = temp_file(&format!("{name}.env"), &render(&project, Target::Env));
        let want = expected_env(&project);
        let names: Vec<&str> = want.keys().map(String::as_str).collect();
        let script = format!(
            "set -a; . \"$1\"; for v in {}; do printf '%s=%s\\n' \"$v\" \"${{!v}}\"; done",
            names.join(" ")
        );
        let out = Command::new("bash").args(["-c", &script, "bash"]).arg(&file).output().unwrap();
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let from_bash: BTreeMap<String, String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                let (k, v) = l.split_once('=').unwrap();
                (k.to_string(), v.to_string())
            })
            .collect();
        assert_eq!(from_bash, want, "{name}: bash");
        if dotenv {
            let py = "import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps(dotenv_values(sys.argv[1])))";
            let out = Command::new(python()).args(["-c", py]).arg(&file).output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let from_py: BTreeMap<String, String> = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(from_py, want, "{name}: python-dotenv");
        }
    }
}

#[test]
fn json_round_trips_and_follows_its_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("docs/registry.schema.json")).unwrap())
            .unwrap();
    for (name, project) in projects() {
        let text = render(&project, Target::Json);
        let parsed: JsonRegistry = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_string_pretty(&parsed).unwrap() + "\n", text, "{name}");
        assert_eq!(parsed.entries.len(), project.entries.iter().filter(|e| e.interval().is_some()).count());
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        let mut top = keys(&value);
        let mut required: Vec<String> =
            schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
        top.sort();
        required.sort();
        assert_eq!(top, required, "{name}: top-level keys");
        let entry_keys: Vec<String> = schema["properties"]["entries"]["items"]["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let allowed = keys(&schema["properties"]["entries"]["items"]["properties"]);
        for e in value["entries"].as_array().unwrap() {
            let k = keys(e);
            // Every required key, and only keys the schema describes (owner and status when given).
            assert!(entry_keys.iter().all(|r| k.contains(r)), "{name}: entry keys {k:?}");
            assert!(k.iter().all(|x| allowed.contains(x)), "{name}: entry keys {k:?} beyond {allowed:?}");
        }
    }
}

#[test]
fn check_flag_reports_drift_with_a_diff() {
    let dir = common::project("drift", "{ web = 8000; db = 5432; }\n", Some("{ }\n"));
    assert_eq!(
        common::portnix(&dir, &["gen", "env", "-o", ".env", "--check"]).status.code(),
        Some(1),
        "missing file"
    );
    assert_eq!(common::portnix(&dir, &["gen", "env", "-o", ".env"]).status.code(), Some(0));
    assert_eq!(
        common::portnix(&dir, &["gen", "env", "-o", ".env", "--check"]).status.code(),
        Some(0),
        "equal"
    );
    std::fs::write(dir.join("lib/ports.nix"), "{ web = 8001; db = 5432; }\n").unwrap();
    let out = common::portnix(&dir, &["gen", "env", "-o", ".env", "--check"]);
    assert_eq!(out.status.code(), Some(1), "changed");
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(diff.contains("-WEB_PORT=8000") && diff.contains("+WEB_PORT=8001"), "{diff}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("is out of date"));
    // --check never writes.
    assert!(std::fs::read_to_string(dir.join(".env")).unwrap().contains("WEB_PORT=8000"));
}

#[test]
fn generation_refuses_a_registry_with_errors_and_keeps_the_old_file() {
    let dir = common::project("refuse", "{ a = 8000; b = 8000; }\n", Some("{ }\n"));
    std::fs::write(dir.join("old.env"), "OLD=1\n").unwrap();
    let out = common::portnix(&dir, &["gen", "env", "-o", "old.env"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[duplicate-port]"));
    assert_eq!(std::fs::read_to_string(dir.join("old.env")).unwrap(), "OLD=1\n");
    assert_eq!(common::portnix(&dir, &["gen", "env", "-o", "old.env", "--force"]).status.code(), Some(0));
    assert!(std::fs::read_to_string(dir.join("old.env")).unwrap().contains("A_PORT=8000"));
}

#[test]
fn a_failed_write_leaves_nothing_behind() {
    let dir = common::project("atomic", "{ a = 8000; }\n", Some("{ }\n"));
    std::fs::create_dir_all(dir.join("taken")).unwrap();
    let out = common::portnix(&dir, &["gen", "env", "-o", "taken"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(dir.join("taken").is_dir());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("portnix-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn markdown_splices_between_markers() {
    let dir = common::project(
        "md",
        "{ db.pg = 5432; }\n",
        Some("{ services.\"db.pg\".description = \"PostgreSQL\"; }\n"),
    );
    // Prose that mentions a marker inline must survive: only marker lines count.
    let readme = "# Project\n\nIntro: `<!-- portnix:begin -->` marks it.\n\n<!-- portnix:begin -->\nold table\n<!-- portnix:end -->\n\nMore text.\n";
    std::fs::write(dir.join("README.md"), readme).unwrap();
    assert_eq!(common::portnix(&dir, &["gen", "markdown", "-o", "README.md"]).status.code(), Some(0));
    let text = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(
        text.starts_with(
            "# Project\n\nIntro: `<!-- portnix:begin -->` marks it.\n\n<!-- portnix:begin -->\n"
        ),
        "{text}"
    );
    assert!(text.ends_with("<!-- portnix:end -->\n\nMore text.\n"), "{text}");
    assert!(text.contains("| 5432 | tcp | `db.pg` | PostgreSQL |") && !text.contains("old table"), "{text}");
    assert_eq!(
        common::portnix(&dir, &["gen", "markdown", "-o", "README.md", "--check"]).status.code(),
        Some(0)
    );
}

#[test]
fn markers_inside_fenced_code_are_text_and_force_keeps_the_prose_around_real_ones() {
    let dir = common::project("md-fence", "{ db.pg = 5432; }\n", None);
    let example = "How to keep a table:\n\n```markdown\n<!-- portnix:begin -->\n<!-- portnix:end -->\n```\n\n~~~~\n<!-- portnix:end -->\n```\n~~~~\n";
    let readme =
        format!("# Project\n\n{example}\n<!-- portnix:begin -->\nold\n<!-- portnix:end -->\n\nAfter.\n");
    std::fs::write(dir.join("README.md"), &readme).unwrap();
    let out = common::portnix(&dir, &["gen", "markdown", "-o", "README.md"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(text.starts_with(&format!("# Project\n\n{example}\n<!-- portnix:begin -->\n")), "{text}");
    assert!(text.ends_with("<!-- portnix:end -->\n\nAfter.\n") && !text.contains("old"), "{text}");
    // Two real pairs: refused, and --force does not replace the prose with a table either.
    let two = format!("{readme}\n<!-- portnix:begin -->\n<!-- portnix:end -->\n");
    std::fs::write(dir.join("README.md"), &two).unwrap();
    for args in
        [&["gen", "markdown", "-o", "README.md"][..], &["gen", "markdown", "-o", "README.md", "--force"]]
    {
        let out = common::portnix(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("exactly one pair"), "{args:?}");
        assert_eq!(std::fs::read_to_string(dir.join("README.md")).unwrap(), two);
    }
}

#[test]
fn process_compose_warns_about_its_api_port() {
    let dir = common::project(
        "pc8080",
        "{ web = 8080; }\n",
        Some("{ processes.web = { command = \"serve\"; serves = [ \"web\" ]; readiness.path = \"/\"; }; }\n"),
    );
    let out = common::portnix(&dir, &["gen", "process-compose"]);
    assert_eq!(out.status.code(), Some(0));
    let yaml = String::from_utf8_lossy(&out.stdout);
    assert!(yaml.contains("# Warning: process-compose's API server listens on 8080"), "{yaml}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--port"));
    process_compose::parse(&yaml);
}

#[test]
fn process_definitions_are_checked() {
    let dir = common::project(
        "pcbad",
        "{ web = 8000; }\n",
        Some(
            "{ processes.web = { command = \"serve\"; serves = [ \"wbe\" ]; depends_on.db = \"process_healty\"; }; }\n",
        ),
    );
    let out = common::portnix(&dir, &["gen", "process-compose"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("condition 'process_healty' is not one of"), "{err}");
    assert!(err.contains("--> lib/portnix.nix:1:"), "{err}");
}

#[test]
fn env_prefix_and_only_select_and_rename() {
    let dir = common::project(
        "envopts",
        "{ databases = { postgresql = 5432; redis = 6379; }; web.http = 8000; }\n",
        Some("{ services.\"databases.postgresql\".env = \"PGPORT\"; }\n"),
    );
    let out = common::portnix(&dir, &["gen", "env", "--prefix", "APP_", "--only", "databases"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let vars: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(vars, ["APP_DATABASES_REDIS_PORT=6379", "APP_PGPORT=5432"]);
    assert!(text.contains("# Regenerate with: portnix gen env --prefix APP_ --only databases"), "{text}");
}

/// PyYAML resolves plain scalars by YAML 1.1 (`yes`, `Off`, `12:30`, `2001-12-14`, `<<`),
/// docker-compose 1.29 reads with it, so a file it reads back equal is safe for both versions.
#[test]
fn process_compose_reads_back_equal_in_a_yaml_1_1_reader() {
    let names = ["True", "NULL", "~", "yes", "Off", "y", "0x1F", "12:30", "2001-12-14", "<<", "web"];
    let command = |n: &str| format!("echo {n} yes \u{85}NEL \u{2028}LS \u{7f} \u{feff}end");
    let processes: String =
        names.iter().map(|n| format!("  processes.\"{n}\".command = \"{}\";\n", command(n))).collect();
    let dir = common::project("pyyaml", "{ web = 8000; }\n", Some(&format!("{{\n{processes}}}\n")));
    let out = common::portnix(&dir, &["gen", "process-compose"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let py = "import json, sys, yaml\nprint(json.dumps(yaml.safe_load(sys.stdin)['processes']))";
    let mut child = Command::new(python())
        .args(["-c", py])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &out.stdout).unwrap();
    let read = child.wait_with_output().unwrap();
    assert!(
        read.status.success(),
        "PyYAML is missing (`apt-get install python3-yaml`) or refuses the file: {}",
        String::from_utf8_lossy(&read.stderr)
    );
    let got: BTreeMap<String, serde_json::Value> = serde_json::from_slice(&read.stdout).unwrap();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        names.iter().collect::<std::collections::BTreeSet<_>>().into_iter().collect::<Vec<_>>()
    );
    for n in names {
        // `$` is doubled for process-compose's own expansion; none is used here.
        assert_eq!(got[n]["command"], serde_json::json!(command(n)), "{n}");
    }
}

#[test]
fn env_per_environment_gives_each_file_the_same_names() {
    // Seed 002: production, development and test side by side; each environment's .env names
    // its ports alike, so a component reads POURTIER_PORT wherever it runs.
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/002-environments");
    let dir = common::project(
        "env-per",
        &std::fs::read_to_string(example.join("ports.nix")).unwrap(),
        Some(&std::fs::read_to_string(example.join("portnix.nix")).unwrap()),
    );
    let out = common::portnix(&dir, &["gen", "env", "--per", "*", "-o", ".env.{}"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let dotenv = dotenv_available();
    let mut names = Vec::new();
    for (env, base) in [("production", 8000), ("development", 9000), ("test", 7000)] {
        let file = dir.join(format!(".env.{env}"));
        let want: BTreeMap<String, String> =
            [("POURTIER_PORT", base), ("COURIER_PORT", base + 765), ("PASSEUR_PORT", base + 766)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        if dotenv {
            let py = "import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps(dotenv_values(sys.argv[1])))";
            let out = Command::new(python()).args(["-c", py]).arg(&file).output().unwrap();
            let got: BTreeMap<String, String> = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(got, want, "{env}");
        }
        names.push(want.into_keys().collect::<Vec<_>>());
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("Regenerate with: portnix gen env --per '*' -o .env.{}"), "{text}");
    }
    assert!(names.windows(2).all(|w| w[0] == w[1]));
    // In sync: --check is clean; a hand edit in one file is drift there.
    let check = |dir: &Path| {
        common::portnix(dir, &["gen", "env", "--per", "*", "-o", ".env.{}", "--check"]).status.code()
    };
    assert_eq!(check(&dir), Some(0));
    let dev = dir.join(".env.development");
    let text = std::fs::read_to_string(&dev).unwrap();
    std::fs::write(&dev, text.replace("POURTIER_PORT=9000", "POURTIER_PORT=9050")).unwrap();
    assert_eq!(check(&dir), Some(1));
    // -o must say where each part goes.
    let out = common::portnix(&dir, &["gen", "env", "--per", "*", "-o", ".env"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("name them with {} in -o"), "{out:?}");
}
