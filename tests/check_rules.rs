//! Each rule's fixtures in tests/test_data/check/<rule>/<case>: `pass_*` cases must not
//! produce the rule's findings, `fail_*` cases must produce it as an error and `warn_*` as a
//! warning. The human and JSON output of every case is pinned by an insta snapshot.

use std::path::{Path, PathBuf};

use portnix::check::{CheckOptions, check, services_db::ServicesDb};
use portnix::diagnostic::Severity;
use portnix::registry::{LoadOptions, load};
use portnix::report;

fn codes_of(rule: &str) -> &'static [&'static str] {
    match rule {
        "duplicate-port" => &["duplicate-port"],
        "out-of-range" => &["out-of-range"],
        "reserved-port" => &["reserved-port"],
        "invalid-port" => &["invalid-port"],
        "range-config" => &["invalid-range", "range-outside-parent", "range-overlap", "unused-range"],
        "unknown-service" => &["unknown-service"],
        "privileged-port" => &["privileged-port"],
        "ephemeral-port" => &["ephemeral-port"],
        "registered-port" => &["registered-port"],
        "config-error" => &["config-error"],
        "process-config" => &["process-config"],
        "invalid-interface" => &["invalid-interface"],
        other => panic!("fixture folder for unknown rule {other}"),
    }
}

fn cases() -> Vec<(String, String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/test_data/check");
    let mut out = Vec::new();
    for rule in std::fs::read_dir(&root).unwrap() {
        let rule = rule.unwrap().path();
        for case in std::fs::read_dir(&rule).unwrap() {
            let case = case.unwrap().path();
            let rel = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
            out.push((
                rel(&rule),
                rel(&case),
                case.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap().to_path_buf(),
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn every_rule_has_fixtures_and_behaves() {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    let cases = cases();
    assert!(cases.len() >= 25, "only {} fixtures", cases.len());
    for (rule, case, dir) in &cases {
        let codes = codes_of(rule);
        let config = dir.join("portnix.nix");
        let opts = LoadOptions {
            registry: Some(dir.join("ports.nix")),
            config: config.exists().then_some(config),
            ..LoadOptions::default()
        };
        let mut options = CheckOptions::default();
        if let Ok(text) = std::fs::read_to_string(dir.join("services")) {
            options.services = Some(ServicesDb::parse("services", &text));
        }
        let snapshot = match load(&opts) {
            Err(e) => {
                assert_eq!(rule, "config-error", "{rule}/{case} failed to load:\n{}", e.render());
                assert!(e.diagnostics.iter().all(|d| d.code == "config-error"));
                format!("## load error\n{}", e.render())
            }
            Ok(project) => {
                assert_ne!(rule, "config-error", "{rule}/{case} loaded, but should not");
                let findings = check(&project, &options);
                let of_rule: Vec<_> = findings.iter().filter(|f| codes.contains(&f.diag.code)).collect();
                if case.starts_with("pass") {
                    assert!(of_rule.is_empty(), "{rule}/{case} should pass: {:?}", of_rule);
                    assert!(
                        findings.iter().all(|f| f.diag.severity != Severity::Error),
                        "{rule}/{case} has errors: {findings:?}"
                    );
                } else {
                    let want = if case.starts_with("warn") { Severity::Warning } else { Severity::Error };
                    assert!(
                        of_rule.iter().any(|f| f.diag.severity == want),
                        "{rule}/{case} should report {codes:?} as {want}, got {findings:?}"
                    );
                }
                format!(
                    "## human\n{}\n## json\n{}",
                    report::human(&project.sources, &findings),
                    report::json(&project.sources, &findings)
                )
            }
        };
        insta::assert_snapshot!(format!("{rule}__{case}"), snapshot);
    }
}
