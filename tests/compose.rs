//! `portnix gen compose` read by the real docker-compose (1.29, Debian's package: `config`
//! merges and validates without an engine). Each generated override is merged with a base file
//! that gives every service an image, and what compose resolves is compared with the ports the
//! registry gives, computed here from the registry's entries, not from the generator. With
//! `--env-vars`, compose substitutes the ports from the `.env` that `portnix gen env` writes,
//! and refuses to run without it.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn compose_available() -> bool {
    let ok = Command::new("docker-compose").arg("version").output().is_ok_and(|o| o.status.success());
    if !ok && std::env::var_os("CI").is_some() {
        panic!("docker-compose is missing: scripts/test installs it (apt-get install docker-compose)");
    }
    ok
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portnix-compose-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// `docker-compose config` of the base file and the override, as JSON (compose prints YAML;
/// PyYAML reads it).
fn resolved(dir: &Path, override_file: &str) -> Result<serde_json::Value, String> {
    let out = Command::new("docker-compose")
        .args(["-f", "base.yml", "-f", override_file, "config"])
        .current_dir(dir)
        .env_remove("COMPOSE_FILE")
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let python = std::env::var("PORTNIX_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = Command::new(python)
        .args(["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let json = child.wait_with_output().unwrap();
    Ok(serde_json::from_slice(&json.stdout).unwrap())
}

/// service → its published mappings as compose prints them (one per port, `/tcp` spelled out).
fn published(config: &serde_json::Value) -> BTreeMap<String, BTreeSet<String>> {
    config["services"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, s)| {
            let ports =
                s["ports"].as_array().map(|p| p.iter().map(|x| x.as_str().unwrap().to_string()).collect());
            (name.clone(), ports.unwrap_or_default())
        })
        .collect()
}

/// What the registry says each service publishes: each port of each entry it serves, on
/// `host`, per transport.
fn expected(
    dir: &Path,
    host: &str,
    serves: &[(&str, &[&str])],
    only: Option<&str>,
) -> BTreeMap<String, BTreeSet<String>> {
    let project = portnix::registry::load(&portnix::registry::LoadOptions {
        registry: Some(dir.join("lib/ports.nix")),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{}", e.render()));
    let matches = |want: &str, path: &str| {
        let (w, p): (Vec<&str>, Vec<&str>) = (want.split('.').collect(), path.split('.').collect());
        w.len() == p.len() && w.iter().zip(&p).all(|(a, b)| *a == "*" || a == b)
    };
    let mut out = BTreeMap::new();
    for (service, paths) in serves {
        let mut set = BTreeSet::new();
        for e in &project.entries {
            let path = e.path.join(".");
            if !paths.iter().any(|p| matches(p, &path)) || only.is_some_and(|o| !path.starts_with(o)) {
                continue;
            }
            let (from, to) = e.interval().unwrap();
            for port in from..=to {
                for proto in e.meta.protocol.transports() {
                    let proto = if *proto == portnix::registry::Protocol::Udp { "udp" } else { "tcp" };
                    set.insert(format!("{host}:{port}:{port}/{proto}"));
                }
            }
        }
        out.insert(service.to_string(), set);
    }
    out
}

/// A copy of an example as a project of its own, with a base compose file for its services.
fn project_from(example: &str, services: &[&str]) -> PathBuf {
    let dir = temp(example);
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("flake.nix"), "{ }\n").unwrap();
    for f in ["ports.nix", "portnix.nix"] {
        std::fs::copy(examples().join(example).join(f), dir.join("lib").join(f)).unwrap();
    }
    let base: String = services.iter().map(|s| format!("  {s}:\n    image: busybox\n")).collect();
    std::fs::write(dir.join("base.yml"), format!("services:\n{base}")).unwrap();
    dir
}

fn generate(dir: &Path, args: &[&str]) {
    let out = common::portnix(dir, &[&["gen"], args, &["--force"]].concat());
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn seed_000_publishes_its_services_on_loopback_and_through_env() {
    if !compose_available() {
        return;
    }
    let serves: &[(&str, &[&str])] = &[
        ("nlp-api", &["luminous.nlpApi"]),
        ("websocket", &["luminous.websocket"]),
        ("learning-gui", &["luminous.learningGui"]),
    ];
    let dir = project_from("000-luminous", &["nlp-api", "websocket", "learning-gui"]);
    generate(&dir, &["compose", "-o", "ports.yml"]);
    let literal = resolved(&dir, "ports.yml").unwrap();
    assert_eq!(published(&literal), expected(&dir, "127.0.0.1", serves, None));
    // A service gets the ports it uses under the names .env gives them.
    let env = &literal["services"]["learning-gui"]["environment"];
    assert_eq!(env["NLP_API_PORT"], "3456", "{env}");
    assert_eq!(env["WEBSOCKET_PORT"], "3457", "{env}");

    // The same numbers through variables, from the generated .env.
    generate(&dir, &["compose", "--env-vars", "-o", "ports-vars.yml"]);
    let missing = resolved(&dir, "ports-vars.yml").unwrap_err();
    assert!(missing.contains("run portnix gen env -o .env"), "{missing}");
    generate(&dir, &["env", "-o", ".env"]);
    assert_eq!(resolved(&dir, "ports-vars.yml").unwrap(), literal);

    // Another address for every mapping.
    generate(&dir, &["compose", "--host", "0.0.0.0", "-o", "ports-any.yml"]);
    assert_eq!(published(&resolved(&dir, "ports-any.yml").unwrap()), expected(&dir, "0.0.0.0", serves, None));
}

#[test]
fn seed_002_gets_one_override_per_environment() {
    if !compose_available() {
        return;
    }
    let serves: &[(&str, &[&str])] =
        &[("pourtier", &["*.pourtier"]), ("courier", &["*.courier"]), ("passeur", &["*.passeur"])];
    let dir = project_from("002-environments", &["pourtier", "courier", "passeur"]);
    let mut seen = BTreeSet::new();
    for env in ["production", "development", "test"] {
        let file = format!("docker-compose.{env}.ports.yml");
        generate(&dir, &["compose", "--only", env, "-o", &file]);
        let got = published(&resolved(&dir, &file).unwrap());
        assert_eq!(got, expected(&dir, "127.0.0.1", serves, Some(env)), "{env}");
        assert!(got.values().all(|ports| ports.len() == 1), "{env}: {got:?}");
        seen.extend(got.into_values().flatten());
    }
    // pourtier is 8000 in production and 9000 in development, as the seed maps it.
    assert!(seen.contains("127.0.0.1:8000:8000/tcp") && seen.contains("127.0.0.1:9000:9000/tcp"), "{seen:?}");
    assert_eq!(seen.len(), 9);
}

#[test]
fn udp_both_ranges_and_ipv6_as_compose_reads_them() {
    if !compose_available() {
        return;
    }
    let dir = common::project(
        "compose-shapes",
        "{ dns = { port = 5353; protocol = \"udp\"; }; game = 27015; media = { from = 9100; to = 9103; }; }\n",
        Some(
            "{ services.game.protocol = \"both\";\n  \
             compose.services = { dns = { serves = [ \"dns\" ]; }; game = { serves = [ \"game\" \"media\" ]; uses = [ \"dns\" ]; }; };\n}\n",
        ),
    );
    std::fs::write(
        dir.join("base.yml"),
        "services:\n  dns:\n    image: busybox\n  game:\n    image: busybox\n",
    )
    .unwrap();
    let serves: &[(&str, &[&str])] = &[("dns", &["dns"]), ("game", &["game", "media"])];
    // compose prints an IPv6 host without the brackets it reads.
    for host in ["127.0.0.1", "::1"] {
        generate(&dir, &["compose", "--host", host, "-o", "ports.yml"]);
        let config = resolved(&dir, "ports.yml").unwrap();
        let got = published(&config);
        assert_eq!(got, expected(&dir, host, serves, None), "{host}");
        assert!(got["game"].contains(&format!("{host}:27015:27015/udp")), "{got:?}");
        assert_eq!(config["services"]["game"]["environment"]["MEDIA_PORT_FROM"], "9100");
    }
    generate(&dir, &["compose", "--env-vars", "-o", "ports-vars.yml"]);
    generate(&dir, &["env", "-o", ".env"]);
    generate(&dir, &["compose", "-o", "ports.yml"]);
    assert_eq!(resolved(&dir, "ports-vars.yml").unwrap(), resolved(&dir, "ports.yml").unwrap());
}

#[test]
fn a_bad_host_or_service_is_an_error_with_its_place() {
    let dir = common::project(
        "compose-bad",
        "{ web = 8080; }\n",
        Some(
            "{ compose.services = { \"my web\" = { serves = [ \"web\" ]; }; api = { serves = [ \"wbe\" ]; }; }; }\n",
        ),
    );
    let out = common::portnix(&dir, &["gen", "compose"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("compose.services.api serves 'wbe', which is not in the registry"), "{err}");
    assert!(err.contains("'my web' cannot be a docker compose service"), "{err}");
    assert!(err.contains("lib/portnix.nix:1:"), "{err}");
    let out = common::portnix(
        &common::project("compose-host", "{ web = 8080; }\n", None),
        &["gen", "compose", "--host", "localhost"],
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--host 'localhost' is not an IP address"),
        "{out:?}"
    );
}

#[test]
fn seed_002_one_override_for_every_environment_through_per_environment_env_files() {
    if !compose_available() {
        return;
    }
    let serves: &[(&str, &[&str])] =
        &[("pourtier", &["*.pourtier"]), ("courier", &["*.courier"]), ("passeur", &["*.passeur"])];
    let dir = project_from("002-environments", &["pourtier", "courier", "passeur"]);
    generate(&dir, &["compose", "--env-vars", "--per", "*", "-o", "ports.yml"]);
    generate(&dir, &["env", "--per", "*", "-o", ".env.{}"]);
    for env in ["production", "development", "test"] {
        let out = Command::new("docker-compose")
            .args(["--env-file", &format!(".env.{env}"), "-f", "base.yml", "-f", "ports.yml", "config"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{env}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        let want = expected(&dir, "127.0.0.1", serves, Some(env));
        for (service, ports) in want {
            for p in ports {
                assert!(text.contains(&format!("- {p}")), "{env} {service}: {p} not in\n{text}");
            }
        }
    }
    // Without an env file, compose stops and says which file it needs.
    std::fs::remove_file(dir.join(".env")).ok();
    let missing = resolved(&dir, "ports.yml").unwrap_err();
    assert!(missing.contains("pass an --env-file that portnix gen env --per wrote"), "{missing}");
}
