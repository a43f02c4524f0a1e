//! The examples/: one registry per seed document, each with the findings it must produce.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

use std::path::Path;

use portnix::check::{CheckOptions, check};
use portnix::registry::{LoadOptions, load};

#[derive(serde::Deserialize, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Expected {
    code: String,
    paths: Vec<String>,
}

#[test]
fn every_example_gives_exactly_its_expected_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut seen = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        let opts = LoadOptions { registry: Some(dir.join("ports.nix")), ..LoadOptions::default() };
        let project =
            load(&opts).unwrap_or_else(|e| panic!("{} does not load:\n{}", dir.display(), e.render()));
        assert!(project.config_file.is_some(), "{} has no portnix.nix", dir.display());
        let mut got: Vec<Expected> = check(&project, &CheckOptions::default())
            .into_iter()
            .map(|f| Expected { code: f.diag.code.to_string(), paths: f.paths })
            .collect();
        let text = std::fs::read_to_string(dir.join("expected.json")).unwrap();
        let mut want: Vec<Expected> = serde_json::from_str(&text).unwrap();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{}", dir.display());
        seen += 1;
    }
    assert_eq!(seen, 5, "one example per seed document");
}

#[test]
fn the_repository_registry_is_clean() {
    let opts = LoadOptions {
        registry: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("lib/ports.nix")),
        ..LoadOptions::default()
    };
    let project = load(&opts).unwrap_or_else(|e| panic!("{}", e.render()));
    assert!(project.entries.len() >= 20);
    let findings = check(&project, &CheckOptions::default());
    assert!(findings.is_empty(), "{findings:?}");
}

/// The server's view of each example: made on the thread that read it, used on another, and
/// holding exactly the valid entries (with their scopes and locations), the reservations and
/// the pools that `ls --json` and the config show.
#[test]
fn the_snapshot_of_every_example_crosses_threads_whole() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut pools = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        let opts = LoadOptions { registry: Some(dir.join("ports.nix")), ..LoadOptions::default() };
        let project = load(&opts).unwrap_or_else(|e| panic!("{}", e.render()));
        let snapshot = std::sync::Arc::new(portnix::registry::snapshot::Snapshot::of(&project));
        let shared = std::sync::Arc::clone(&snapshot);
        let seen = std::thread::spawn(move || {
            shared.entries.iter().map(|e| (e.path.clone(), e.from, e.to)).collect::<Vec<_>>()
        })
        .join()
        .unwrap();
        let want: Vec<_> = project
            .entries
            .iter()
            .filter_map(|e| e.interval().map(|(f, t)| (e.name.clone(), f as u16, t as u16)))
            .collect();
        assert_eq!(seen, want, "{}", dir.display());
        assert!(
            snapshot.entries.iter().all(|e| e.location.as_ref().is_some_and(|l| l.line > 0)),
            "{}",
            dir.display()
        );
        assert_eq!(snapshot.reserved.len(), project.config.reserved.len());
        assert_eq!(
            snapshot.pools.iter().map(|p| p.pattern.clone()).collect::<Vec<_>>(),
            project.config.pools.iter().map(|p| p.text.clone()).collect::<Vec<_>>()
        );
        pools += snapshot.pools.len();
        if !project.config.scopes.is_empty() {
            assert!(
                snapshot.entries.iter().any(|e| !e.scope.is_empty()),
                "{}: no entry in a scope",
                dir.display()
            );
        }
    }
    assert!(pools > 0, "some example has a pool");
}
