//! `portnix gen html` and the dashboard of `portnix serve`, in the real consumer: Debian's
//! Chromium, driven headless by playwright-core (tests/browser). Where each entry should be
//! drawn and what its tooltip should say come from `portnix gen json` of the same registry,
//! and the page's own axis labels give the pixel of a port. Screenshots land in
//! target/screenshots for a person to look at.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Chromium, node and playwright-core, which scripts/test installs; a test without them fails
/// and says how to get them.
fn browser_ready() {
    let chromium = std::env::var("PORTNIX_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: scripts/test installs it (apt-get install chromium)"
    );
    let node = Command::new("node").arg("--version").output();
    assert!(node.is_ok_and(|o| o.status.success()), "node is missing: scripts/test installs it");
    assert!(
        root().join("tests/browser/node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci --prefix tests/browser` (scripts/test does)"
    );
}

fn node(script: &str, args: &[&str]) {
    let out =
        Command::new("node").arg(root().join("tests/browser").join(script)).args(args).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{script} failed:\n{text}");
    eprintln!("{text}");
}

fn screenshots() -> PathBuf {
    let dir = root().join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portnix-html-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = common::portnix(dir, args);
    assert!(out.status.success(), "portnix {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// The page for a registry, and a sample of its entries as `gen json` places them: the first,
/// the last, a range when there is one, and a few between.
fn page(name: &str, dir: &Path, registry: &str, out: &Path) -> Value {
    let file = out.join(format!("{name}.html"));
    // The pages go to a temporary directory, outside the project: said so.
    run(dir, &["gen", "html", "--registry", registry, "--allow-outside-root", "-o", file.to_str().unwrap()]);
    let json: Value =
        serde_json::from_slice(&run(dir, &["gen", "json", "--force", "--registry", registry]).stdout)
            .unwrap();
    let entries = json["entries"].as_array().unwrap();
    let n = entries.len();
    assert!(n >= 4, "{name}: {n} entries");
    let mut picks = vec![0, n / 3, (2 * n) / 3, n - 1];
    picks.extend(entries.iter().position(|e| e["range"].is_object()));
    picks.sort_unstable();
    picks.dedup();
    let samples: Vec<Value> = picks
        .into_iter()
        .map(|i| {
            let e = &entries[i];
            let (from, to) = match e["port"].as_i64() {
                Some(p) => (p, p),
                None => (e["range"]["from"].as_i64().unwrap(), e["range"]["to"].as_i64().unwrap()),
            };
            let loc = &e["location"];
            json!({
                "path": e["path"],
                "from": from,
                "to": to,
                "location": format!("{}:{}", loc["file"].as_str().unwrap(), loc["line"]),
            })
        })
        .collect();
    json!({
        "name": name,
        "file": file,
        "screenshots": screenshots().join(name),
        "samples": samples,
        "conflict": null,
    })
}

/// Two claimants of 8080, and a description that would end the page's script if it were not
/// escaped.
const CONFLICT: &str = r#"{
  web = {
    frontend = { port = 3000; description = "</script><script>alert(1)</script> {{SCRIPT}} -->"; };
    api = 8080;
  };
  monitoring = { grafana = 3001; metrics = 8080; };
}
"#;

/// The JSON the page draws from.
fn data_of(page: &str) -> Value {
    let start = page.find(r#"<script type="application/json" id="portnix-data">"#).unwrap();
    let rest = &page[start..];
    let json = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    serde_json::from_str(json).unwrap()
}

#[test]
fn the_page_is_generated_with_errors_checked_for_drift_and_its_data_pinned() {
    let dir = common::project("html-gen", CONFLICT, Some("{ ranges.web = { from = 3000; to = 3999; }; }\n"));
    // The map draws the findings: errors do not stop it, as they stop `gen json`.
    assert_eq!(common::portnix(&dir, &["gen", "json"]).status.code(), Some(1));
    run(&dir, &["gen", "html", "-o", "ports.html"]);
    let page = std::fs::read_to_string(dir.join("ports.html")).unwrap();
    assert!(page.lines().nth(1).unwrap().contains("Generated by portnix from lib/ports.nix"));
    // Two script elements, whatever the descriptions say, and the text comes back whole.
    assert_eq!(page.matches("</script>").count(), 2);
    let data = data_of(&page);
    let strings = data["strings"].as_array().unwrap();
    assert!(strings.iter().any(|s| s == "</script><script>alert(1)</script> {{SCRIPT}} -->"), "{strings:?}");
    let codes: Vec<&str> =
        data["findings"].as_array().unwrap().iter().map(|f| f[0].as_str().unwrap()).collect();
    assert!(codes.contains(&"duplicate-port"), "{codes:?}");
    run(&dir, &["gen", "html", "-o", "ports.html", "--check"]);
    std::fs::write(dir.join("lib/ports.nix"), CONFLICT.replace("grafana = 3001", "grafana = 3002")).unwrap();
    let stale = common::portnix(&dir, &["gen", "html", "-o", "ports.html", "--check"]);
    assert_eq!(stale.status.code(), Some(1), "{stale:?}");
    assert!(String::from_utf8_lossy(&stale.stdout).contains("3002"));
    // A page someone wrote is not replaced without --force.
    std::fs::write(dir.join("mine.html"), "<!DOCTYPE html><p>my notes</p>\n").unwrap();
    assert_eq!(common::portnix(&dir, &["gen", "html", "-o", "mine.html"]).status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(dir.join("mine.html")).unwrap(), "<!DOCTYPE html><p>my notes</p>\n");

    // After a migration, the page is on renumber's checklist with the command that remakes it,
    // options and all.
    let dir = common::project(
        "html-renumber",
        "{ web = { a = 3000; b = 3001; }; db.pg = 5432; }\n",
        Some("{ ranges.web = { from = 3000; to = 3099; }; }\n"),
    );
    run(&dir, &["gen", "html", "--only", "web", "-o", "map.html"]);
    let moved = run(&dir, &["renumber", "web", "--to", "4000"]);
    let said = String::from_utf8_lossy(&moved.stdout);
    assert!(
        said.contains("map.html: generated, out of date; run `portnix gen html --only web -o map.html`"),
        "{said}"
    );
    run(&dir, &["gen", "html", "--only", "web", "-o", "map.html"]);
    run(&dir, &["gen", "html", "--only", "web", "-o", "map.html", "--check"]);

    let example = root().join("examples/004-service-types");
    let page = String::from_utf8(run(&example, &["gen", "html", "--registry", "ports.nix"]).stdout).unwrap();
    insta::assert_snapshot!("example_004_data", serde_json::to_string_pretty(&data_of(&page)).unwrap());
}

#[test]
fn the_map_draws_each_registry_where_its_axis_says_in_chromium() {
    browser_ready();
    let out = temp("pages");
    let examples = root().join("examples");
    let mut pages = vec![
        page("repo", root(), "lib/ports.nix", &out),
        {
            let mut p = page("example-003", &examples.join("003-project-blocks"), "ports.nix", &out);
            // The README's picture (docs/map-003.png) is this screenshot.
            p["portrait"] = json!("neurectomy");
            p
        },
        page("example-004", &examples.join("004-service-types"), "ports.nix", &out),
    ];
    // A planted duplicate: two claimants of 8080, drawn red, with the finding at 8080.
    let dir = common::project(
        "html-conflict",
        CONFLICT,
        Some(
            "{ ranges.web = { from = 3000; to = 3999; }; ranges.monitoring = { from = 3000; to = 9999; }; }\n",
        ),
    );
    let mut conflict = page("conflict", &dir, "lib/ports.nix", &out);
    conflict["conflict"] = json!({ "paths": ["web.api", "monitoring.metrics"], "port": 8080 });
    pages.push(conflict);
    // 3000 entries, most sharing ports across host scopes: drawn in groups until zoomed in, and
    // a searched entry still gets a mark of its own to focus.
    let big = out.join("big");
    let made = Command::new("python3")
        .arg(root().join("scripts/gen_registry.py"))
        .args(["3000", big.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let mut grouped = page("grouped", &big, "ports.nix", &out);
    grouped["grouped"] = json!(true);
    pages.push(grouped);
    let spec = out.join("spec.json");
    std::fs::write(&spec, serde_json::to_string_pretty(&json!({ "pages": pages })).unwrap()).unwrap();
    node("map.mjs", &[spec.to_str().unwrap()]);
}

#[test]
fn the_dashboard_shows_leases_come_and_go_in_chromium() {
    browser_ready();
    let dir = common::lease::project("dashboard");
    let server = common::lease::serve(&dir, &[]);
    let shot = screenshots().join("dashboard.png");
    node("live.mjs", &[&server.url, "small", shot.to_str().unwrap()]);
    drop(server);
    // With a token: the browser is asked for it (Basic, the token as the password).
    std::fs::write(dir.join("token"), "dash-t0ken\n").unwrap();
    let server = common::lease::serve(&dir, &["--token-file", "token"]);
    let shot = screenshots().join("dashboard-token.png");
    node("live.mjs", &[&server.url, "small", shot.to_str().unwrap(), "dash-t0ken"]);
}
