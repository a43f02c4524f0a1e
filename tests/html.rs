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
    run(dir, &["gen", "html", "--registry", registry, "-o", file.to_str().unwrap()]);
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
        "{\n  web = { frontend = 3000; api = 8080; };\n  monitoring = { grafana = 3001; metrics = 8080; };\n}\n",
        Some(
            "{ ranges.web = { from = 3000; to = 3999; }; ranges.monitoring = { from = 3000; to = 9999; }; }\n",
        ),
    );
    let mut conflict = page("conflict", &dir, "lib/ports.nix", &out);
    conflict["conflict"] = json!({ "paths": ["web.api", "monitoring.metrics"], "port": 8080 });
    pages.push(conflict);
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
}
