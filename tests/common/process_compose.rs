//! A strict typed model of process-compose's configuration, for the fields of its 1.122 JSON
//! schema that portnix can write (field names, types, enums; unknown keys are rejected, so a
//! typo in the generator fails here), read the way process-compose's loader reads a file:
//! `$` expansion over the whole text first (`src/loader/loader.go`), then the validators that
//! refuse a file (`src/loader/validators.go`), then the probe defaults (`src/health/probe.go`).
//! A schema alone accepts files that process-compose runs differently.

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
    pub disable_env_expansion: Option<bool>,
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
    pub shutdown: Option<Shutdown>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Shutdown {
    pub command: Option<String>,
    pub signal: Option<i64>,
    pub timeout_seconds: Option<i64>,
    pub parent_only: Option<bool>,
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
    try_parse(yaml).unwrap()
}

fn try_parse(yaml: &str) -> Result<Project, String> {
    let docs = yaml_rust2::YamlLoader::load_from_str(yaml).map_err(|e| format!("invalid YAML: {e}"))?;
    if docs.len() != 1 {
        return Err(format!("{} YAML documents", docs.len()));
    }
    serde_json::from_value(to_json(&docs[0]))
        .map_err(|e| format!("does not match process-compose's schema: {e}"))
}

/// What process-compose does with the file at load time, given its own environment: the
/// project it runs, or the error it stops with.
pub fn load(yaml: &str, env: &BTreeMap<&str, &str>) -> Result<Project, String> {
    // Its loader hides `$$` from the substitution, then puts a single `$` back.
    const ESCAPED: &str = "##PC_ENV_ESCAPED##";
    let expanded = envsubst(&yaml.replace("$$", ESCAPED), env)?.replace(ESCAPED, "$");
    let mut project = try_parse(&expanded)?;
    if project.disable_env_expansion == Some(true) {
        project = try_parse(yaml)?;
    }
    validate(&project)?;
    Ok(project)
}

/// `$NAME` and `${NAME}` (with `:-default`) from `env`, empty when unset; anything else after
/// a `$` stays as it is. An unclosed `${` is an error, as in drone/envsubst.
fn envsubst(text: &str, env: &BTreeMap<&str, &str>) -> Result<String, String> {
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(body) = after.strip_prefix('{') {
            let end = body.find('}').ok_or_else(|| "unclosed ${ in the file".to_string())?;
            let (name, default) = match body[..end].split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (&body[..end], None),
            };
            let value = env.get(name).copied().filter(|v| !v.is_empty() || default.is_none());
            out.push_str(value.or(default).unwrap_or(""));
            rest = &body[end + 1..];
        } else {
            let len = after.find(|c: char| !name_char(c)).unwrap_or(after.len());
            if len == 0 {
                out.push('$');
            } else {
                out.push_str(env.get(&after[..len]).copied().unwrap_or(""));
            }
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The validators that stop a load, or leave a process that never starts, with
/// process-compose's own messages.
fn validate(p: &Project) -> Result<(), String> {
    for name in p.processes.keys() {
        let mut stack = vec![(name.as_str(), vec![name.as_str()])];
        while let Some((at, path)) = stack.pop() {
            for dep in
                p.processes.get(at).and_then(|q| q.depends_on.as_ref()).into_iter().flat_map(|d| d.keys())
            {
                if dep == name {
                    return Err(format!("circular dependency found in '{name}'"));
                }
                if !path.contains(&dep.as_str()) {
                    let mut next = path.clone();
                    next.push(dep);
                    stack.push((dep, next));
                }
            }
        }
    }
    for (name, proc_) in &p.processes {
        for (dep, d) in proc_.depends_on.iter().flatten() {
            let Some(target) = p.processes.get(dep) else {
                return Err(format!("dependency process '{dep}' in process '{name}' is not defined"));
            };
            if d.condition == Condition::ProcessHealthy
                && target.readiness_probe.is_none()
                && target.liveness_probe.is_none()
            {
                return Err(format!(
                    "health dependency defined in '{name}' but no health check exists in '{dep}'"
                ));
            }
            if d.condition == Condition::ProcessLogReady
                && target.ready_log_line.as_deref().unwrap_or("").is_empty()
            {
                return Err(format!(
                    "log ready dependency defined in '{name}' but no ready log line exists in '{dep}'"
                ));
            }
        }
        if proc_.readiness_probe.is_some() && proc_.ready_log_line.as_deref().is_some_and(|l| !l.is_empty()) {
            return Err(format!("'ready_log_line' and readiness probe defined in '{name}' are incompatible"));
        }
    }
    Ok(())
}

/// The port an HTTP probe really connects to: `port` read as a number (outside 1..65535 or
/// unset it counts as unset, and `num_port` is overwritten), else the scheme's default.
pub fn probed_port(h: &HttpProbe) -> u16 {
    match h.port.as_deref().and_then(|p| p.parse::<u16>().ok()).filter(|&p| p >= 1) {
        Some(p) => p,
        None if h.scheme.as_deref() == Some("https") => 443,
        None => 80,
    }
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
