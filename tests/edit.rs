//! `add`, `rm` and `mv` on hand-written registries: a property test over random registries in
//! several formatting styles, snapshots of edits, and `add` followed by `check`.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::path::Path;

use portnix::edit::locate::{Confine, Overrides, locate};
use portnix::edit::{insert, remove};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

#[derive(Clone, Debug)]
struct Style {
    indent: &'static str,
    align: bool,
    one_line: bool,
    comments: bool,
    let_base: bool,
}

#[derive(Clone, Debug)]
struct Registry {
    style: Style,
    /// (category, services), services sorted or not as generated.
    categories: Vec<(String, Vec<String>)>,
}

fn render(r: &Registry) -> String {
    let s = &r.style;
    let mut port = 4000;
    let mut out = String::new();
    if s.let_base {
        out.push_str("let\n  base = 4000;\nin\n");
    }
    out.push_str("{\n");
    for (cat, services) in &r.categories {
        if s.comments {
            out.push_str(&format!("{}# the {cat} services\n", s.indent));
        }
        let width = services.iter().map(String::len).max().unwrap_or(0);
        let value = |p: i32| if s.let_base { format!("base + {}", p - 4000) } else { p.to_string() };
        if s.one_line {
            let body: Vec<String> = services
                .iter()
                .map(|n| {
                    port += 1;
                    format!("{n} = {};", value(port))
                })
                .collect();
            out.push_str(&format!("{}{cat} = {{ {} }};\n", s.indent, body.join(" ")));
        } else {
            out.push_str(&format!("{}{cat} = {{\n", s.indent));
            for n in services {
                port += 1;
                let key = if s.align { format!("{n:<width$}") } else { n.clone() };
                out.push_str(&format!("{0}{0}{key} = {1};", s.indent, value(port)));
                out.push_str(if s.comments { " # a service\n" } else { "\n" });
            }
            out.push_str(&format!("{}}};\n", s.indent));
        }
    }
    out.push_str("}\n");
    out
}

fn registry() -> impl Strategy<Value = Registry> {
    let style = (
        prop::sample::select(vec!["  ", "    ", "\t"]),
        any::<bool>(),
        prop::bool::weighted(0.25),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(indent, align, one_line, comments, let_base)| Style {
            indent,
            align,
            one_line,
            comments,
            let_base,
        });
    let names = prop::sample::subsequence(
        vec!["api", "cache", "db", "grpc", "metrics", "postgres", "queue", "redis", "web", "worker"],
        1..6,
    );
    let category =
        (prop::sample::select(vec!["apps", "data", "infra", "otel", "tools"]), names, any::<bool>())
            .prop_map(|(c, mut n, shuffle)| {
                if shuffle {
                    n.reverse();
                }
                (c.to_string(), n.into_iter().map(String::from).collect::<Vec<_>>())
            });
    (style, prop::collection::vec(category, 1..4)).prop_map(|(style, mut cats)| {
        cats.sort_by(|a, b| a.0.cmp(&b.0));
        cats.dedup_by(|a, b| a.0 == b.0);
        Registry { style, categories: cats }
    })
}

fn eval_json(path: &Path, text: &str) -> String {
    let (path, text) = (path.to_path_buf(), text.to_string());
    portnix::try_with_big_stack(move || {
        let mut ev = portnix::eval::Eval::new(Default::default());
        let v = ev.eval_text("registry.nix", &text, path.parent().unwrap()).expect("evaluates");
        ev.deep_force(&v).unwrap();
        ev.to_json(&v).unwrap()
    })
    .unwrap()
}

#[test]
fn add_then_rm_restores_every_byte_and_add_changes_only_the_entry() {
    let file = std::env::temp_dir().join(format!("portnix-edit-prop-{}.nix", std::process::id()));
    let cases = std::env::var("PORTNIX_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let mut runner = common::runner(cases);
    let new_name = prop::sample::select(vec!["alpha", "mid", "zulu", "newsvc"]);
    let result = runner.run(&(registry(), new_name, any::<bool>()), |(reg, name, new_category)| {
        let text = render(&reg);
        let category = if new_category { "zzz".to_string() } else { reg.categories[0].0.clone() };
        let path = vec![category.clone(), name.to_string()];
        let mut overrides = Overrides::new();
        overrides.insert(file.clone(), text.clone());
        let target = locate(&file, &path, &overrides, &Confine::default())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let added = insert(&target, "65000").map_err(|e| TestCaseError::fail(e.to_string()))?;
        // Evaluating shows the new entry and nothing else changed.
        let before: serde_json::Value = serde_json::from_str(&eval_json(&file, &text)).unwrap();
        let after: serde_json::Value = serde_json::from_str(&eval_json(&file, &added.after)).unwrap();
        let mut expected = before.clone();
        expected.as_object_mut().unwrap().entry(category.clone()).or_insert(serde_json::json!({}))[name] =
            65000.into();
        prop_assert_eq!(&after, &expected, "after add:\n{}", added.after);
        if new_category {
            return Ok(());
        }
        overrides.insert(file.clone(), added.after.clone());
        let target = locate(&file, &path, &overrides, &Confine::default())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (removed, value) = remove(&target).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(value, "65000");
        prop_assert_eq!(&removed.after, &text, "add then rm changed the file; after add:\n{}", added.after);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

const REGISTRY: &str = "# Ports of the team.\nlet\n  base = 5400;\nin\n{\n  databases = {\n    # the primary\n    postgres   = base + 32;  # do not move\n    redis      = 6379;\n  };\n\n  apps = { web = 8000; api = 8001; };\n  tools.grafana = 3000;\n}\n";
const CONFIG: &str = "{\n  ranges = { databases = { from = 5400; to = 6999; }; apps = { from = 8000; to = 8099; }; tools = { from = 3000; to = 3099; }; newblock = { from = 9000; to = 9099; }; };\n  reserved = [ { port = 5400; reason = \"held\"; } ];\n}\n";

#[test]
fn edits_keep_comments_alignment_and_let_bound_bases() {
    let dir = common::project("snap", REGISTRY, Some(CONFIG));
    let out = common::portnix(&dir, &["add", "databases.mysql"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "5401\n", "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(common::portnix(&dir, &["add", "apps.admin", "--near", "8000"]).status.code(), Some(0));
    assert_eq!(
        common::portnix(&dir, &["add", "tools.loki", "--port", "3100"]).status.code(),
        Some(1),
        "outside the range"
    );
    assert_eq!(common::portnix(&dir, &["add", "tools.loki", "--port", "3001"]).status.code(), Some(0));
    assert_eq!(common::portnix(&dir, &["add", "newblock.svc"]).status.code(), Some(0));
    let taken = common::portnix(&dir, &["add", "apps.other", "--port", "8000"]);
    assert_eq!(taken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&taken.stderr).contains("port 8000 is taken by apps.web (8000)"));
    insta::assert_snapshot!("edit_after_adds", std::fs::read_to_string(dir.join("lib/ports.nix")).unwrap());
    let check = common::portnix(&dir, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stdout));
    assert_eq!(common::portnix(&dir, &["mv", "databases.redis", "databases.valkey"]).status.code(), Some(0));
    for p in ["databases.mysql", "apps.admin", "tools.loki"] {
        assert_eq!(common::portnix(&dir, &["rm", p]).status.code(), Some(0), "rm {p}");
    }
    insta::assert_snapshot!(
        "edit_after_rm_and_mv",
        std::fs::read_to_string(dir.join("lib/ports.nix")).unwrap()
    );
}

#[test]
fn computed_blocks_are_refused_and_imports_followed() {
    let dir = common::project(
        "computed",
        "let mk = b: { web = b; }; in {\n  prod = mk 8000;\n  shared = import ./shared.nix;\n}\n",
        Some("{ ranges = { prod = { from = 8000; to = 8099; }; shared = { from = 7000; to = 7099; }; }; }\n"),
    );
    std::fs::write(dir.join("lib/shared.nix"), "{\n  dns = 7053;\n}\n").unwrap();
    let out = common::portnix(&dir, &["add", "prod.api"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("prod in"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("is computed (`mk 8000`)"));
    let out = common::portnix(&dir, &["add", "shared.ntp"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.join("lib/shared.nix")).unwrap(),
        "{\n  dns = 7053;\n  ntp = 7000;\n}\n"
    );
}

#[test]
fn add_then_check_is_clean() {
    use portnix::check::{CheckOptions, check};
    use portnix::diagnostic::Severity;
    use portnix::edit::allocate::{Request, allocate};
    use portnix::registry::{LoadOptions, Protocol, load};
    use std::rc::Rc;

    let dir = std::env::temp_dir().join(format!("portnix-edit-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("flake.nix"), "{ }\n").unwrap();
    let cases =
        std::env::var("PORTNIX_PROPTEST_CASES").ok().and_then(|v| v.parse::<u32>().ok()).unwrap_or(300) / 3;
    let mut runner = common::runner(cases);
    let new_name = prop::sample::select(vec!["alpha", "mid", "zulu", "newsvc"]);
    let result = runner.run(&(registry(), new_name, 0..3usize), |(reg, name, which)| {
        let text = render(&reg);
        // Every category, a new one too, lies in 4000-4999, where its ports were written.
        let config = "{ ranges.\"*\" = { from = 4000; to = 4999; }; reserved = [ { port = 4000; reason = \"held\"; } ]; }\n";
        std::fs::write(dir.join("ports.nix"), &text).unwrap();
        std::fs::write(dir.join("portnix.nix"), config).unwrap();
        let opts = LoadOptions { registry: Some(dir.join("ports.nix")), ..LoadOptions::default() };
        let project = load(&opts).map_err(|e| TestCaseError::fail(e.render()))?;
        let category = if which == 0 { "zzz".to_string() } else { reg.categories[which % reg.categories.len()].0.clone() };
        let path: Vec<Rc<str>> = vec![category.as_str().into(), name.into()];
        let port = allocate(&project, &path, Protocol::Tcp, Request::Lowest, &[]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let target = locate(&dir.join("ports.nix"), &[category.clone(), name.to_string()], &Overrides::new(), &Confine::default())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let added = insert(&target, &port.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        std::fs::write(dir.join("ports.nix"), &added.after).unwrap();
        let project = load(&opts).map_err(|e| TestCaseError::fail(e.render()))?;
        let errors: Vec<_> =
            check(&project, &CheckOptions::default()).into_iter().filter(|f| f.diag.severity() == Severity::Error).collect();
        prop_assert!(errors.is_empty(), "{errors:?}\n{}", added.after);
        let added_name = format!("{category}.{name}");
        prop_assert!(project.entries.iter().any(|e| e.name == added_name), "{} is missing", added_name);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn set_and_add_keep_a_blocks_base_plus_offset() {
    // Seed 003's blocks: each project a base, each service an offset from it.
    let registry = "let\n  neurectomy = 16000;\n  blocks = { sigma = 26000; };\nin\n{\n  neurectomy = {\n    api = neurectomy + 80;\n    graphql = neurectomy + 81;\n    metrics = neurectomy + 90; # scraped\n  };\n  sigma = {\n    api = blocks.sigma + 80;\n    grpc = blocks.sigma + 81;\n  };\n}\n";
    let config = "{ ranges = { neurectomy = { from = 16000; to = 16999; }; sigma = { from = 25900; to = 26999; }; }; }\n";
    let dir = common::project("offsets", registry, Some(config));
    let ports = dir.join("lib/ports.nix");
    let run = |args: &[&str]| {
        let out = common::portnix(&dir, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    run(&["set", "neurectomy.graphql", "16084"]);
    assert!(std::fs::read_to_string(&ports).unwrap().contains("    graphql = neurectomy + 84;\n"));
    // Below the base, and through a selection as the base.
    run(&["set", "sigma.grpc", "25990"]);
    assert!(std::fs::read_to_string(&ports).unwrap().contains("    grpc = blocks.sigma - 10;\n"));
    run(&["set", "sigma.grpc", "26081"]);
    // add writes an offset where the block's neighbours do, counted from their base.
    assert_eq!(run(&["add", "neurectomy.ws", "--port", "16085"]), "16085");
    assert!(std::fs::read_to_string(&ports).unwrap().contains("    ws = neurectomy + 85;\n"));
    assert_eq!(run(&["add", "sigma.web", "--port", "26000"]), "26000");
    assert!(std::fs::read_to_string(&ports).unwrap().contains("    web = blocks.sigma + 0;\n"));
    assert_eq!(run(&["get", "neurectomy.graphql"]), "16084");
    assert_eq!(run(&["get", "sigma.grpc"]), "26081");
    // Every other byte stayed: the comment, the bases, the order.
    let text = std::fs::read_to_string(&ports).unwrap();
    assert!(text.starts_with("let\n  neurectomy = 16000;\n  blocks = { sigma = 26000; };\nin\n"), "{text}");
    assert!(text.contains("    metrics = neurectomy + 90; # scraped\n"), "{text}");
    // Moving the block's base moves the entries written as offsets.
    std::fs::write(&ports, text.replace("neurectomy = 16000;", "neurectomy = 17000;")).unwrap();
    std::fs::write(
        dir.join("lib/portnix.nix"),
        config.replace("from = 16000; to = 16999;", "from = 17000; to = 17999;"),
    )
    .unwrap();
    assert_eq!(run(&["get", "neurectomy.ws"]), "17085");
    // Anything else computed is still refused, with what it would take.
    std::fs::write(&ports, "let f = x: x; in { a = f 8000; b = 8000 + 1; }\n").unwrap();
    std::fs::write(dir.join("lib/portnix.nix"), "{ }\n").unwrap();
    for path in ["a", "b"] {
        let before = std::fs::read(&ports).unwrap();
        let out = common::portnix(&dir, &["set", path, "9000"]);
        // Refused because portnix cannot rewrite it, not because the registry says no:
        // exit 2, the file untouched.
        assert_eq!(out.status.code(), Some(2), "{path}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("not a port number or an offset from a base"),
            "{out:?}"
        );
        assert_eq!(std::fs::read(&ports).unwrap(), before);
    }
}

#[test]
fn a_category_with_several_ranges_allocates_across_them_and_honours_exceptions() {
    // Seed 002's infrastructure band: "5000-6999, 8080, 9001+", here with its first span full.
    let dir = common::project(
        "several-ranges",
        "{\n  infrastructure = {\n    db = 5000;\n    cache = 5001;\n    legacy = { port = 7070; outsideRange = \"old dashboards scrape it\"; };\n  };\n}\n",
        Some(
            "{ ranges.infrastructure = [ { from = 5000; to = 5001; } { port = 8080; } { from = 9001; to = 9999; } ]; }\n",
        ),
    );
    let run = |args: &[&str]| {
        let out = common::portnix(&dir, args);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(run(&["check"]).0, Some(0), "{}", run(&["check"]).2);
    assert_eq!(run(&["free", "infrastructure", "-n", "3"]).1, "8080\n9001\n9002");
    assert_eq!(run(&["add", "infrastructure.gateway"]).1, "8080");
    assert_eq!(run(&["add", "infrastructure.metrics"]).1, "9001");
    // The nearest free port to 7000 is in whichever span has one: 9002.
    assert_eq!(run(&["add", "infrastructure.loki", "--near", "7000"]).1, "9002");
    let (code, _, err) = run(&["set", "infrastructure.db", "7000"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("7000 is outside the range for \"infrastructure\" (5000-5001, 8080, 9001-9999)"),
        "{err}"
    );
    // The excepted entry keeps its exception when it moves.
    assert_eq!(run(&["set", "infrastructure.legacy", "7071"]).0, Some(0));
    let (code, _, err) = run(&["check"]);
    assert_eq!(code, Some(0), "{err}");
    let text = std::fs::read_to_string(dir.join("lib/ports.nix")).unwrap();
    assert!(
        text.contains("legacy = { port = 7071; outsideRange = \"old dashboards scrape it\"; };"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
