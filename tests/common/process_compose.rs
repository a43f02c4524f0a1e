//! A strict typed model of process-compose's configuration, for the fields of its 1.122 JSON
//! schema that portnix can write. Facts copied from the schema: field names, types, enums.
//! Unknown keys are rejected, so a typo in the generator fails here.

#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub version: Option<String>,
    pub name: Option<String>,
    pub processes: BTreeMap<String, ProcessConfig>,
    pub environment: Option<Vec<String>>,
    pub log_location: Option<String>,
    pub log_level: Option<String>,
    pub is_strict: Option<bool>,
    pub ordered_shutdown: Option<bool>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ProcessConfig {
    pub command: Option<String>,
    pub description: Option<String>,
    pub disabled: Option<bool>,
    pub is_daemon: Option<bool>,
    pub working_dir: Option<String>,
    /// The schema's `Environment`: a list of "NAME=value" strings.
    pub environment: Option<Vec<String>>,
    pub env_file: Option<String>,
    pub availability: Option<RestartPolicyConfig>,
    pub depends_on: Option<BTreeMap<String, ProcessDependency>>,
    pub liveness_probe: Option<Probe>,
    pub readiness_probe: Option<Probe>,
    pub ready_log_line: Option<String>,
    pub namespace: Option<String>,
    pub replicas: Option<i64>,
    pub log_location: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    pub exec: Option<ExecProbe>,
    pub http_get: Option<HttpProbe>,
    pub initial_delay_seconds: Option<i64>,
    pub period_seconds: Option<i64>,
    pub timeout_seconds: Option<i64>,
    pub success_threshold: Option<i64>,
    pub failure_threshold: Option<i64>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ExecProbe {
    pub command: String,
    pub working_dir: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct HttpProbe {
    pub host: Option<String>,
    pub path: Option<String>,
    pub scheme: Option<String>,
    /// The schema types `port` as a string; the number goes in `num_port`.
    pub port: Option<String>,
    pub num_port: Option<i64>,
    pub headers: Option<BTreeMap<String, String>>,
    pub status_code: Option<i64>,
}

// The variants spell process-compose's own values, prefix and all.
#[allow(clippy::enum_variant_names)]
#[derive(Deserialize, Debug, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    ProcessStarted,
    ProcessHealthy,
    ProcessCompleted,
    ProcessCompletedSuccessfully,
    ProcessLogReady,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ProcessDependency {
    pub condition: Condition,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Restart {
    Always,
    OnFailure,
    ExitOnFailure,
    No,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RestartPolicyConfig {
    pub restart: Option<Restart>,
    pub backoff_seconds: Option<i64>,
    pub max_restarts: Option<i64>,
    pub exit_on_end: Option<bool>,
    pub exit_on_skipped: Option<bool>,
}

/// Parses YAML with a real YAML parser and reads it into the model.
pub fn parse(yaml: &str) -> Project {
    let docs = yaml_rust2::YamlLoader::load_from_str(yaml).expect("valid YAML");
    assert_eq!(docs.len(), 1, "one YAML document");
    let json = to_json(&docs[0]);
    serde_json::from_value(json).expect("matches process-compose's schema")
}

fn to_json(y: &yaml_rust2::Yaml) -> serde_json::Value {
    use yaml_rust2::Yaml as Y;
    match y {
        Y::Real(r) => serde_json::json!(r.parse::<f64>().expect("YAML real")),
        Y::Integer(i) => serde_json::json!(i),
        Y::String(s) => serde_json::json!(s),
        Y::Boolean(b) => serde_json::json!(b),
        Y::Array(a) => serde_json::Value::Array(a.iter().map(to_json).collect()),
        Y::Hash(h) => serde_json::Value::Object(
            h.iter().map(|(k, v)| (k.as_str().expect("string keys").to_string(), to_json(v))).collect(),
        ),
        Y::Null => serde_json::Value::Null,
        other => panic!("unexpected YAML node {other:?}"),
    }
}
