//! The edit commands on the layouts users write, starting with this repository's own project
//! and its examples: configs that import the registry and interpolate its ports, computed
//! environments, fallbacks the config gives, comments beside entries. Each result is read back
//! by the real Nix and by `portnix check`.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::path::{Path, PathBuf};

use common::{nix_available, portnix};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of `files` (relative to the repository) in a fresh project directory with a
/// `flake.nix`, so that it is a project root of its own.
fn copy(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portnix-layouts-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("flake.nix"), "{ }\n").unwrap();
    for (from, to) in files {
        let target = dir.join(to);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(root().join(from), target).unwrap();
    }
    dir
}

fn repo_project(name: &str) -> PathBuf {
    copy(name, &[("lib/ports.nix", "lib/ports.nix"), ("lib/portnix.nix", "lib/portnix.nix")])
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = portnix(dir, args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = run(dir, args);
    assert_eq!(code, 0, "portnix {args:?}: {err}");
    out
}

/// `nix-instantiate --eval --strict --json -E EXPR` in `dir`, or portnix's evaluator when the
/// real Nix is skipped on purpose.
fn nix(dir: &Path, expr: &str) -> serde_json::Value {
    let file = dir.join(".probe.nix");
    std::fs::write(&file, expr).unwrap();
    let json = if nix_available() { common::nix_eval(&file) } else { common::portnix_eval(&file) };
    std::fs::remove_file(&file).unwrap();
    serde_json::from_str(&json.unwrap_or_else(|e| panic!("{expr}: {e}"))).unwrap()
}

#[test]
fn every_edit_the_readme_shows_works_on_the_repositorys_own_project() {
    let dir = repo_project("readme-edits");
    // The README's sequence, in its order.
    assert_eq!(ok(&dir, &["add", "databases.timescale"]).trim(), "5000");
    // No range covers `apps`: --near takes the nearest port no other block's range holds.
    let admin: i64 = ok(&dir, &["add", "apps.admin", "--near", "8000"]).trim().parse().unwrap();
    assert!(!(3000..=9999).contains(&admin) || (9100..9500).contains(&admin), "{admin}");
    assert_eq!(ok(&dir, &["add", "tools.loki", "--port", "3100"]).trim(), "3100");
    ok(&dir, &["set", "databases.redis", "6380"]);
    ok(&dir, &["rm", "databases.timescale"]);
    ok(&dir, &["mv", "databases.redis", "databases.valkey"]);
    ok(&dir, &["check"]);
    // The config interpolates the registry: its command follows the edits, read by Nix.
    let command = nix(&dir, "(import ./lib/portnix.nix).processes.redis.command");
    assert_eq!(command, "redis-server --port 6380");
    let ports = nix(&dir, "import ./lib/ports.nix");
    assert_eq!(ports["databases"]["valkey"], 6380);
    assert!(ports["databases"].get("redis").is_none() && ports["databases"].get("timescale").is_none());
    assert_eq!(ports["apps"]["admin"], admin);
    assert_eq!(ports["tools"]["loki"], 3100);
}

#[test]
fn set_and_renumber_follow_a_config_that_interpolates_the_registry() {
    let dir = repo_project("interpolating");
    for (path, port) in [("databases.postgresql", "5433"), ("development.web", "3003")] {
        ok(&dir, &["set", path, port]);
    }
    let config = nix(&dir, "(import ./lib/portnix.nix).processes");
    assert_eq!(config["postgres"]["command"], "postgres -D ./.data/postgres -p 5433");
    assert_eq!(config["web"]["command"], "npm run dev -- --port 3003");
    // A whole block moves, and the config's commands and range with it.
    let (code, _, err) = run(&dir, &["renumber", "databases", "--to", "10000"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.starts_with("databases moved from 5000 to 10000 (+5000)"), "{err}");
    let config = nix(&dir, "(import ./lib/portnix.nix)");
    assert_eq!(config["processes"]["redis"]["command"], "redis-server --port 11379");
    assert_eq!(config["processes"]["postgres"]["command"], "postgres -D ./.data/postgres -p 10433");
    assert_eq!(config["ranges"]["databases"], serde_json::json!({ "from": 10000, "to": 11999 }));
    ok(&dir, &["check"]);
}

#[test]
fn a_refusal_portnix_cannot_prove_exits_2_and_the_registrys_no_exits_1() {
    let dir = repo_project("exit-codes");
    // The registry says no: a taken port, a missing entry, an existing one.
    assert_eq!(run(&dir, &["set", "databases.redis", "5432"]).0, 1);
    assert_eq!(run(&dir, &["set", "databases.nothing", "5400"]).0, 1);
    assert_eq!(run(&dir, &["mv", "databases.redis", "databases.postgresql"]).0, 1);
    // portnix cannot: a value it cannot rewrite.
    let ports = std::fs::read_to_string(dir.join("lib/ports.nix")).unwrap();
    std::fs::write(
        dir.join("lib/ports.nix"),
        ports.replace("clickhouse = 5123;", "clickhouse = 5000 + 123 * 1;"),
    )
    .unwrap();
    let (code, _, err) = run(&dir, &["set", "databases.clickhouse", "5124"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is computed"), "{err}");
}

#[test]
fn add_with_a_protocol_writes_it_where_the_project_keeps_metadata() {
    // The repository's project keeps metadata in the config's `services`.
    let dir = repo_project("add-udp");
    assert_eq!(ok(&dir, &["add", "databases.y", "--protocol", "udp", "--port", "5432"]).trim(), "5432");
    ok(&dir, &["check"]);
    let config = nix(&dir, "(import ./lib/portnix.nix).services.\"databases.y\"");
    assert_eq!(config, serde_json::json!({ "protocol": "udp" }));
    let ls = ok(&dir, &["ls", "databases.y", "--json"]);
    let ls: serde_json::Value = serde_json::from_str(&ls).unwrap();
    assert_eq!(ls[0]["protocol"], "udp", "{ls}");

    // Without a config, the leaf carries it.
    let dir = common::project("add-udp-inline", "{\n  dns = {\n    tcp = 5353;\n  };\n}\n", None);
    ok(&dir, &["add", "dns.udp", "--protocol", "udp", "--port", "5353"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("lib/ports.nix")).unwrap(),
        "{\n  dns = {\n    tcp = 5353;\n    udp = { port = 5353; protocol = \"udp\"; };\n  };\n}\n"
    );
    ok(&dir, &["check"]);
    assert_eq!(nix(&dir, "(import ./lib/ports.nix).dns.udp.protocol"), "udp");
}

#[test]
fn mv_renames_references_only_and_takes_the_entrys_comments_along() {
    let dir = repo_project("mv-free-text");
    let config = std::fs::read_to_string(dir.join("lib/portnix.nix")).unwrap();
    let config = config
        .replace(
            "\"databases.redis\" = { description = \"Redis\"; env = \"REDIS_PORT\"; };",
            "\"databases.redis\" = { description = \"Redis\"; env = \"REDIS_PORT\"; owner = \"databases.redis\"; };",
        )
        .replace(
            "environment = { RUST_LOG = \"info\"; };",
            "environment = { RUST_LOG = \"info\"; OTEL_SERVICE_NAME = \"databases.redis\"; };\n      description = \"databases.redis\";",
        );
    std::fs::write(dir.join("lib/portnix.nix"), &config).unwrap();
    let ports = std::fs::read_to_string(dir.join("lib/ports.nix")).unwrap();
    let ports = ports.replace(
        "    redis = 6379;\n",
        "    # The cache, and the session store.\n    redis = 6379; # keep in step with ops\n",
    );
    std::fs::write(dir.join("lib/ports.nix"), &ports).unwrap();
    ok(&dir, &["mv", "databases.redis", "caches.valkey"]);
    let after = nix(&dir, "import ./lib/portnix.nix");
    // References follow: the services key, `serves`, the interpolated selection.
    assert_eq!(after["services"]["caches.valkey"]["owner"], "databases.redis");
    assert!(after["services"].get("databases.redis").is_none());
    assert_eq!(after["processes"]["redis"]["serves"], serde_json::json!(["caches.valkey"]));
    assert_eq!(after["processes"]["redis"]["command"], "redis-server --port 6379");
    // Free text stays as written.
    assert_eq!(after["processes"]["api"]["environment"]["OTEL_SERVICE_NAME"], "databases.redis");
    assert_eq!(after["processes"]["api"]["description"], "databases.redis");
    let ports = std::fs::read_to_string(dir.join("lib/ports.nix")).unwrap();
    assert!(
        ports.contains("  caches = {\n    # The cache, and the session store.\n    valkey = 6379; # keep in step with ops\n  };"),
        "{ports}"
    );
    assert!(!ports.contains("databases = {\n    postgresql = 5432;\n    # The cache"), "{ports}");
    ok(&dir, &["check"]);
}

#[test]
fn the_examples_take_the_edits_that_apply_to_them() {
    let examples =
        ["000-luminous", "001-categories", "002-environments", "003-project-blocks", "004-service-types"];
    let mut set = 0;
    for example in examples {
        let from = |f: &str| format!("examples/{example}/{f}");
        let (ports, config) = (from("ports.nix"), from("portnix.nix"));
        let dir = copy(example, &[(&ports, "ports.nix"), (&config, "portnix.nix")]);
        let args = |cmd: &[&str]| -> Vec<String> {
            let mut a: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
            a.extend(["--registry", "ports.nix", "--config", "portnix.nix"].map(String::from));
            a
        };
        let check = args(&["check"]);
        let check: Vec<&str> = check.iter().map(String::as_str).collect();
        // Some examples keep the seed's conflicts on purpose: an edit must add none.
        let findings = run(&dir, &check).0;
        let ls = ok(&dir, &args(&["ls", "--json"]).iter().map(String::as_str).collect::<Vec<_>>());
        let entries: Vec<serde_json::Value> = serde_json::from_str(&ls).unwrap();
        for e in entries.iter().filter(|e| e["port"].is_i64()) {
            let path = e["path"].as_str().unwrap();
            let free_args = args(&["free", path, "-n", "1"]);
            let (_, free, _) = run(&dir, &free_args.iter().map(String::as_str).collect::<Vec<_>>());
            let Some(port) = free.split_whitespace().next().map(str::to_string) else { continue };
            let set_args = args(&["set", path, &port]);
            let (code, _, err) = run(&dir, &set_args.iter().map(String::as_str).collect::<Vec<_>>());
            if example == "002-environments" {
                // Its environments are one function of a base: a single port cannot move alone.
                assert_eq!(code, 2, "{example} {path}: {err}");
                assert!(err.contains("is computed (`environment"), "{err}");
                continue;
            }
            assert_eq!(code, 0, "{example}: set {path} {port}: {err}");
            set += 1;
            assert_eq!(run(&dir, &check).0, findings, "{example}: set {path} {port}");
            let got = ok(&dir, &args(&["get", path]).iter().map(String::as_str).collect::<Vec<_>>());
            assert_eq!(got.trim(), port, "{example} {path}");
        }
        // The registry still evaluates in the real Nix after every edit.
        nix(&dir, "import ./ports.nix");
    }
    assert!(set >= 50, "only {set} entries of the examples were set");

    // Example 002's environments move whole: renumber shifts the base its function is given.
    let from = |f: &str| format!("examples/002-environments/{f}");
    let dir =
        copy("002-renumber", &[(&from("ports.nix"), "ports.nix"), (&from("portnix.nix"), "portnix.nix")]);
    let a = ["renumber", "development", "--to", "9100", "--registry", "ports.nix", "--config", "portnix.nix"];
    ok(&dir, &a);
    let ports = nix(&dir, "import ./ports.nix");
    assert_eq!(
        ports["development"],
        serde_json::json!({ "courier": 9865, "passeur": 9866, "pourtier": 9100 })
    );
    assert_eq!(ports["production"]["pourtier"], 8000);
    assert_eq!(nix(&dir, "(import ./portnix.nix).ranges.development.from"), 9100);
    ok(&dir, &["check", "--registry", "ports.nix", "--config", "portnix.nix"]);
    // A part of one environment cannot: its offset is every environment's.
    let a = [
        "renumber",
        "development.courier",
        "--to",
        "9770",
        "--registry",
        "ports.nix",
        "--config",
        "portnix.nix",
    ];
    let (code, _, err) = run(&dir, &a);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_fallback_the_config_gives_is_set_in_the_config() {
    let from = |f: &str| format!("examples/000-luminous/{f}");
    let dir =
        copy("fallback-set", &[(&from("ports.nix"), "ports.nix"), (&from("portnix.nix"), "portnix.nix")]);
    let a =
        ["set", "luminous.nlpApi.fallback", "13460", "--registry", "ports.nix", "--config", "portnix.nix"];
    ok(&dir, &a);
    assert_eq!(nix(&dir, "(import ./portnix.nix).services.\"luminous.nlpApi\".fallback"), 13460);
    assert_eq!(nix(&dir, "(import ./portnix.nix).services.\"luminous.websocket\".fallback"), 13457);
}

/// `inherit web;` of a let-bound category: `get` finds its entries, and so do the edits, which
/// write into the binding it copies; an inherited leaf itself is refused (exit 2), not missing.
#[test]
fn edits_follow_an_inherited_category_and_refuse_an_inherited_leaf() {
    let ports =
        "let\n  web = { api = 8080; };\n  pg = 5432;\nin\n{\n  inherit web;\n  db = { inherit pg; };\n}\n";
    let dir = common::project("inherit", ports, None);
    assert_eq!(ok(&dir, &["get", "web.api"]).trim(), "8080");
    ok(&dir, &["set", "web.api", "8081"]);
    ok(&dir, &["add", "web.admin", "--port", "8090"]);
    ok(&dir, &["mv", "web.admin", "web.console"]);
    assert_eq!(
        nix(&dir, "(import ./lib/ports.nix).web"),
        serde_json::json!({ "api": 8081, "console": 8090 })
    );
    assert!(std::fs::read_to_string(dir.join("lib/ports.nix")).unwrap().contains("  inherit web;\n"));
    for args in [&["rm", "db.pg"][..], &["set", "db.pg", "5433"]] {
        let (code, _, err) = run(&dir, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("pg is inherited"), "{err}");
    }
    assert_eq!(nix(&dir, "(import ./lib/ports.nix).db.pg"), 5432);
}
