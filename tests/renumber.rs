//! `portnix renumber`: seed 003's migration of a project to a new 1000-port block, its
//! refusals, and the there-and-back property over random registries checked by the real Nix.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::path::Path;

use common::{Rng, nix_available, nix_eval, portnix, project};

fn example(file: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/003-project-blocks").join(file),
    )
    .unwrap()
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn text(out: &std::process::Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Every integer under the JSON value's `key` moved by `delta`.
fn shifted(v: &serde_json::Value, delta: i64) -> serde_json::Value {
    match v {
        serde_json::Value::Number(n) => serde_json::json!(n.as_i64().unwrap() + delta),
        serde_json::Value::Array(items) => items.iter().map(|i| shifted(i, delta)).collect(),
        serde_json::Value::Object(m) => {
            serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), shifted(v, delta))).collect())
        }
        other => other.clone(),
    }
}

fn evaluated(file: &Path) -> serde_json::Value {
    let json = if nix_available() { nix_eval(file).unwrap() } else { common::portnix_eval(file).unwrap() };
    serde_json::from_str(&json).unwrap()
}

#[test]
fn seed_003_moves_neurectomy_to_17000_and_lists_every_stale_reference() {
    let ports = example("ports.nix");
    // The example's config, with one sync target: the gateway's own config file.
    let config = example("portnix.nix").trim_end().strip_suffix('}').unwrap().to_string()
        + "  sync = [ { file = \"gateway/config.yaml\"; key = \"server.port\"; port = \"neurectomy.api.gateway\"; } ];\n}\n";
    let dir = project("renumber-seed-003", &ports, Some(&config));
    write(&dir, "gateway/config.yaml", "server:\n  host: 0.0.0.0\n  port: 16080 # synced\n");
    // What the checklist must name: compose, .env, YAML, JSON and Nix that say old ports...
    let planted: &[(&str, &str, &str)] = &[
        (
            "docker-compose.yml",
            "services:\n  gateway:\n    ports:\n      - \"16080:16080\"\n",
            "docker-compose.yml:4:10",
        ),
        (".env", "DATABASE_URL=postgres://localhost:16432/app\n", ".env:1:35"),
        (
            "k8s/cache.yaml",
            "spec:\n  containers:\n    - ports:\n        - containerPort: 16500\n",
            "k8s/cache.yaml:4:26",
        ),
        ("web/cors.json", "{ \"origins\": [\"http://localhost:16000\"] }\n", "web/cors.json:1:33"),
        ("hosts/ml.nix", "{ ... }: { services.ml.port = 16081; }\n", "hosts/ml.nix:1:31"),
    ];
    for (file, body, _) in planted {
        write(&dir, file, body);
    }
    // ...and what it must not: the project that stays, and ports the block does not have.
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    write(&dir, "hosts/sigma.nix", "{ ... }: { a = 26080; b = 17080; c = 16999; }\n");
    for args in [
        &["gen", "markdown", "--force", "-o", "docs/ports.md"][..],
        &["gen", "env", "--force", "-o", ".env.ports"],
        &["gen", "env", "--force", "--only", "sigmalang", "-o", ".env.sigmalang"],
    ] {
        assert!(portnix(&dir, args).status.success(), "{args:?}");
    }
    let registry = dir.join("lib/ports.nix");
    let before = evaluated(&registry);

    let dry = portnix(&dir, &["renumber", "neurectomy", "--to", "17000", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry).1);
    assert_eq!(std::fs::read_to_string(&registry).unwrap(), ports, "--dry-run wrote the registry");
    assert!(text(&dry).0.contains("+    neurectomy = { from = 17000; to = 17999; };"));

    let out = portnix(&dir, &["renumber", "neurectomy", "--to", "17000"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("neurectomy moved from 16000 to 17000 (+1000): 17 entries, 6 ranges, 2 files"),
        "{stderr}"
    );
    // The registry is the old one with exactly the block's ports 1000 higher, as Nix reads it.
    let after = evaluated(&registry);
    assert_eq!(after["neurectomy"], shifted(&before["neurectomy"], 1000));
    assert_eq!(after["sigmalang"], before["sigmalang"]);
    let lines: Vec<&str> = stdout.lines().collect();
    for (file, _, at) in planted {
        assert!(lines.iter().any(|l| l.starts_with(&format!("{at}: "))), "{file} not named:\n{stdout}");
    }
    assert!(stdout.contains("docker-compose.yml:4:16: 16080: neurectomy.api.gateway was 16080 before `portnix renumber`, and is 17080 now (ports.neurectomy.api.gateway)"), "{stdout}");
    assert!(
        lines.contains(&"docs/ports.md: generated, out of date; run `portnix gen markdown -o docs/ports.md`")
    );
    assert!(lines.contains(&".env.ports: generated, out of date; run `portnix gen env -o .env.ports`"));
    assert!(lines.contains(&"gateway/config.yaml: a sync target out of date; run `portnix sync`"));
    // Six references, two generated files and one sync target; nothing about what did not move,
    // and the synced line is `portnix sync`'s, not a reference to fix by hand.
    assert_eq!(lines.len(), 9, "{stdout}");
    assert!(!stdout.contains("sigma") && !stdout.contains("gateway/config.yaml:3:"), "{stdout}");

    // After the checklist is worked through, nothing is left; and the way back is the way there.
    assert!(portnix(&dir, &["sync"]).status.success());
    let back = portnix(&dir, &["renumber", "neurectomy", "--to", "16000"]);
    assert_eq!(back.status.code(), Some(0), "{}", text(&back).1);
    assert_eq!(std::fs::read_to_string(&registry).unwrap(), ports);
    assert_eq!(std::fs::read_to_string(dir.join("lib/portnix.nix")).unwrap(), config);
    assert!(text(&back).0.contains("gateway/config.yaml: a sync target out of date"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn refuses_a_move_that_collides_or_cannot_be_traced_and_writes_nothing() {
    let ports = "let\n  base = 16000;\nin\n{\n  neurectomy = { api = base + 80; web = base + 1; };\n  sigmalang = { ide = 26000; };\n  odd = { a = builtins.add 30000 1; };\n}\n";
    let config = "{\n  ranges = {\n    neurectomy = { from = 16000; to = 16999; };\n    sigmalang = { from = 26000; to = 26999; };\n  };\n  reserved = [ { from = 1024; to = 3000; reason = \"common apps\"; } ];\n}\n";
    let dir = project("renumber-refusals", ports, Some(config));
    // The registry's no exits 1; what renumber cannot trace, 2.
    let cases: &[(&[&str], &str, i32)] = &[
        (&["neurectomy", "--to", "25920"], "neurectomy.api would take 26000, which sigmalang.ide has", 1),
        (&["neurectomy", "--to", "2000"], "which is reserved: common apps", 1),
        (
            &["neurectomy", "--to", "26500"],
            "the range \"neurectomy\" would be 26500-27499, over \"sigmalang\" (26000-26999)",
            1,
        ),
        (&["odd", "--to", "31000"], "odd.a: `builtins.add 30000 1` is computed", 2),
        (&["neurectomy", "--to", "65500"], "would become 65501-65580, outside 1-65535", 1),
        (&["nothing", "--to", "5000"], "no entry of the registry is under nothing", 1),
    ];
    for (args, says, code) in cases {
        let out = portnix(&dir, &[&["renumber"][..], args].concat());
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert_eq!(std::fs::read_to_string(dir.join("lib/ports.nix")).unwrap(), ports);
        assert_eq!(std::fs::read_to_string(dir.join("lib/portnix.nix")).unwrap(), config);
    }
    std::fs::remove_dir_all(&dir).unwrap();
    // A base the block shares with an entry outside it cannot move without moving that entry.
    let shared = "let\n  base = 16000;\nin\n{\n  neurectomy = { api = base + 80; };\n  other = { x = base + 5000; };\n}\n";
    let dir = project("renumber-shared-base", shared, None);
    // Without a range of its own, the block starts at its lowest port.
    let out = portnix(&dir, &["renumber", "neurectomy", "--to", "17080"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("other.x would change from 21000 to 22000"), "{stderr}");
    assert!(stderr.contains("used outside it too"), "{stderr}");
    assert_eq!(std::fs::read_to_string(dir.join("lib/ports.nix")).unwrap(), shared);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A random block in one of the shapes registries use, at `base`, with offsets below 1000.
fn random_registry(rng: &mut Rng, base: i64) -> (String, Option<String>) {
    let eq = |rng: &mut Rng| rng.pick(&[" = ", "=", "  =  "]).to_string();
    let mut offsets: Vec<i64> = (1..990).collect();
    for i in (1..offsets.len()).rev() {
        offsets.swap(i, rng.next(i + 1));
    }
    let mut next = offsets.into_iter();
    let let_base = rng.next(2) == 0;
    let tier = let_base && rng.next(2) == 0;
    let mut lines = Vec::new();
    let n = 2 + rng.next(6);
    for i in 0..n {
        if rng.next(4) == 0 {
            lines.push(format!("    # entry {i}, as the team wrote it"));
        }
        let o = next.next().unwrap();
        let value = match rng.next(7) {
            0 if let_base => format!("base + {o}"),
            1 if tier => format!("tiers.api + {}", o % 9),
            2 => format!("{{ port{}{}; protocol = \"udp\"; }}", eq(rng), base + o),
            3 => format!("[ {} {} ]", base + o, base + next.next().unwrap()),
            4 if let_base => format!("{{ from = base + {o}; to = base + {}; }}", o + 5),
            5 => format!("{{ from = {}; to = {}; }}", base + o, base + o + 5),
            _ => (base + o).to_string(),
        };
        lines.push(format!("    s{i}{}{value};{}", eq(rng), if rng.next(3) == 0 { " # note" } else { "" }));
    }
    if let_base {
        lines.push(format!("    first{}base;", eq(rng)));
    } else {
        lines.push(format!("    first = {base};"));
    }
    let tiers = if tier { "\n  tiers = { api = base + 990; };" } else { "" };
    let head = if let_base {
        format!("let\n  base{}{base}; # the block{tiers}\nin\n", eq(rng))
    } else {
        String::new()
    };
    let ports =
        format!("{head}{{\n  blk = {{\n{}\n  }};\n  other = {{ web = 40001; }};\n}}\n", lines.join("\n"));
    let config = (rng.next(2) == 0).then(|| {
        format!(
            "{{\n  ranges = {{\n    blk = {{ from = {base}; to = {}; }};\n    other = {{ from = 40000; to = 40999; }};\n  }};\n}}\n",
            base + 999
        )
    });
    (ports, config)
}

#[test]
fn renumber_there_and_back_is_byte_identical() {
    let nix = nix_available();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let cases = 100;
    let mut agreed = 0;
    for case in 0..cases {
        let base = 10000 + 1000 * rng.next(20) as i64;
        let to = (10000 + 1000 * rng.next(20) as i64 + 1000 * (base == 10000) as i64).min(38000);
        let to = if to == base { base + 1000 } else { to };
        let (ports, config) = random_registry(&mut rng, base);
        let dir = project(&format!("renumber-prop-{case}"), &ports, config.as_deref());
        let registry = dir.join("lib/ports.nix");
        let there = portnix(&dir, &["renumber", "blk", "--to", &to.to_string()]);
        assert_eq!(there.status.code(), Some(0), "case {case}:\n{ports}\n{}", text(&there).1);
        if nix && case % 3 == 0 {
            // The real Nix reads the moved block exactly `to - base` higher, and the rest as it was.
            let (old, new) = (nix_eval_text(&ports), evaluated(&registry));
            assert_eq!(new["blk"], shifted(&old["blk"], to - base), "case {case}:\n{ports}");
            assert_eq!(new["other"], old["other"]);
            agreed += 1;
        }
        let back = portnix(&dir, &["renumber", "blk", "--to", &base.to_string()]);
        assert_eq!(back.status.code(), Some(0), "case {case}:\n{}", text(&back).1);
        assert_eq!(std::fs::read_to_string(&registry).unwrap(), ports, "case {case}");
        if let Some(c) = &config {
            assert_eq!(&std::fs::read_to_string(dir.join("lib/portnix.nix")).unwrap(), c, "case {case}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    eprintln!(
        "{cases} registries moved there and back byte-identical; {agreed} moves checked by nix-instantiate"
    );
}

fn nix_eval_text(ports: &str) -> serde_json::Value {
    let file = std::env::temp_dir().join(format!("portnix-renumber-old-{}.nix", std::process::id()));
    std::fs::write(&file, ports).unwrap();
    let v = evaluated(&file);
    std::fs::remove_file(&file).unwrap();
    v
}
