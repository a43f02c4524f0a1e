//! Each rule's fixtures in tests/test_data/check/<rule>/<case>, one test each: `pass_*` cases
//! must not produce the rule's findings, `fail_*` cases must produce it as an error and `warn_*`
//! as a warning. The human and JSON output of every case is pinned by an insta snapshot, and a
//! fixture folder without its test fails `every_fixture_has_its_test`.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

use std::path::Path;

use portnix::check::{CheckOptions, check, services_db::ServicesDb};
use portnix::diagnostic::{Code, Severity};
use portnix::registry::{LoadOptions, load};
use portnix::report;

const ROOT: &str = "tests/test_data/check";

/// The codes a fixture folder is about: its name, or the config-range family.
fn codes_of(rule: &str) -> Vec<Code> {
    match rule {
        "range-config" => {
            vec![Code::InvalidRange, Code::RangeOutsideParent, Code::RangeOverlap, Code::UnusedRange]
        }
        "process-config" => vec![Code::ProcessConfig, Code::DisabledDependency],
        other => {
            vec![Code::parse(other).unwrap_or_else(|| panic!("fixture folder for unknown code {other}"))]
        }
    }
}

fn run(rule: &str, case: &str) {
    let dir = Path::new(ROOT).join(rule).join(case);
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
            assert!(e.diagnostics.iter().all(|d| d.code == Code::ConfigError));
            format!("## load error\n{}", e.render())
        }
        Ok(project) => {
            assert_ne!(rule, "config-error", "{rule}/{case} loaded, but should not");
            let findings = check(&project, &options);
            let of_rule: Vec<_> = findings.iter().filter(|f| codes.contains(&f.diag.code)).collect();
            if case.starts_with("pass") {
                assert!(of_rule.is_empty(), "{rule}/{case} should pass: {of_rule:?}");
                assert!(
                    findings.iter().all(|f| f.diag.severity() != Severity::Error),
                    "{rule}/{case} has errors: {findings:?}"
                );
            } else {
                let want = if case.starts_with("warn") { Severity::Warning } else { Severity::Error };
                assert!(
                    of_rule.iter().any(|f| f.diag.severity() == want),
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

macro_rules! fixtures {
    ($($name:ident: $rule:literal $case:literal;)*) => {
        $( #[test] fn $name() { run($rule, $case) } )*
        const LISTED: &[(&str, &str)] = &[$(($rule, $case)),*];
    };
}

fixtures! {
    config_error_extra_field_known: "config-error" "extra_field_known";
    config_error_pool_not_a_range: "config-error" "pool_not_a_range";
    config_error_pool_several_ranges: "config-error" "pool_several_ranges";
    config_error_process_keys: "config-error" "process_keys";
    config_error_unknown_key: "config-error" "unknown_key";
    config_error_wrong_types: "config-error" "wrong_types";
    duplicate_port_fail_both_protocols: "duplicate-port" "fail_both_protocols";
    duplicate_port_fail_fallback: "duplicate-port" "fail_fallback";
    duplicate_port_fail_inside_block: "duplicate-port" "fail_inside_block";
    duplicate_port_fail_list_items: "duplicate-port" "fail_list_items";
    duplicate_port_fail_module_wrappers: "duplicate-port" "fail_module_wrappers";
    duplicate_port_fail_ranges: "duplicate-port" "fail_ranges";
    duplicate_port_fail_same_port: "duplicate-port" "fail_same_port";
    duplicate_port_fail_scopes_same_host: "duplicate-port" "fail_scopes_same_host";
    duplicate_port_pass_inline_protocols: "duplicate-port" "pass_inline_protocols";
    duplicate_port_pass_scopes: "duplicate-port" "pass_scopes";
    duplicate_port_pass_shared_on_purpose: "duplicate-port" "pass_shared_on_purpose";
    duplicate_port_pass_tcp_and_udp: "duplicate-port" "pass_tcp_and_udp";
    env_name_fail_clash: "env-name" "fail_clash";
    env_name_fail_invalid: "env-name" "fail_invalid";
    env_name_pass_renamed: "env-name" "pass_renamed";
    ephemeral_port_pass_ignored: "ephemeral-port" "pass_ignored";
    ephemeral_port_warn: "ephemeral-port" "warn";
    invalid_interface_fail_too_long: "invalid-interface" "fail_too_long";
    invalid_interface_pass: "invalid-interface" "pass";
    invalid_metadata_fail_disagree: "invalid-metadata" "fail_disagree";
    invalid_metadata_fail_fields: "invalid-metadata" "fail_fields";
    invalid_metadata_fail_outside_range_reason: "invalid-metadata" "fail_outside_range_reason";
    invalid_metadata_pass_extra_fields: "invalid-metadata" "pass_extra_fields";
    invalid_metadata_pass_shapes: "invalid-metadata" "pass_shapes";
    invalid_port_fail_values: "invalid-port" "fail_values";
    invalid_port_pass: "invalid-port" "pass";
    out_of_range_fail_between_ranges: "out-of-range" "fail_between_ranges";
    out_of_range_fail_environments: "out-of-range" "fail_environments";
    out_of_range_fail_outside: "out-of-range" "fail_outside";
    out_of_range_fail_range_entry: "out-of-range" "fail_range_entry";
    out_of_range_pass_most_specific: "out-of-range" "pass_most_specific";
    out_of_range_pass_several_ranges: "out-of-range" "pass_several_ranges";
    privileged_port_pass_allowed: "privileged-port" "pass_allowed";
    privileged_port_warn_low: "privileged-port" "warn_low";
    process_config_fail_cycle: "process-config" "fail_cycle";
    process_config_fail_environment_names: "process-config" "fail_environment_names";
    process_config_fail_healthy_without_probe: "process-config" "fail_healthy_without_probe";
    process_config_fail_incompatible: "process-config" "fail_incompatible";
    process_config_fail_log_ready_without_line: "process-config" "fail_log_ready_without_line";
    process_config_fail_probe_without_port: "process-config" "fail_probe_without_port";
    process_config_fail_unknown_dependency: "process-config" "fail_unknown_dependency";
    process_config_fail_unknown_paths: "process-config" "fail_unknown_paths";
    process_config_pass_probes: "process-config" "pass_probes";
    process_config_warn_disabled_dependency: "process-config" "warn_disabled_dependency";
    range_config_fail_invalid: "range-config" "fail_invalid";
    range_config_fail_outside_parent: "range-config" "fail_outside_parent";
    range_config_fail_overlap: "range-config" "fail_overlap";
    range_config_fail_same_pattern_overlap: "range-config" "fail_same_pattern_overlap";
    range_config_pass_pool: "range-config" "pass_pool";
    range_config_pass_several_ranges: "range-config" "pass_several_ranges";
    range_config_warn_unused: "range-config" "warn_unused";
    range_spelling_pass: "range-spelling" "pass";
    range_spelling_warn_start_end: "range-spelling" "warn_start_end";
    registered_port_warn: "registered-port" "warn";
    reserved_port_fail_reserved: "reserved-port" "fail_reserved";
    reserved_port_pass_allowed: "reserved-port" "pass_allowed";
    unknown_service_fail_typo: "unknown-service" "fail_typo";
    unknown_service_pass: "unknown-service" "pass";
}

#[test]
fn every_fixture_has_its_test() {
    let mut on_disk = Vec::new();
    for rule in std::fs::read_dir(ROOT).unwrap() {
        let rule = rule.unwrap();
        for case in std::fs::read_dir(rule.path()).unwrap() {
            on_disk.push((
                rule.file_name().into_string().unwrap(),
                case.unwrap().file_name().into_string().unwrap(),
            ));
        }
    }
    on_disk.sort();
    let listed: Vec<(String, String)> = LISTED.iter().map(|(r, c)| (r.to_string(), c.to_string())).collect();
    assert_eq!(on_disk, listed, "add the new fixture to `fixtures!`");
    assert!(listed.len() >= 25, "only {} fixtures", listed.len());
}
