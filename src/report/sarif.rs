//! SARIF 2.1.0, for code scanning.

use serde_json::{Value, json};

use crate::check::Finding;
use crate::diagnostic::{Code, Severity};
use crate::syntax::Sources;

pub(crate) fn sarif(sources: &Sources, findings: &[Finding]) -> String {
    let mut codes: Vec<Code> = findings.iter().map(|f| f.diag.code).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<Value> = codes.iter().map(|&c| rule(c)).collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let locations: Vec<Value> = f
                .locations(sources)
                .iter()
                .map(|l| {
                    json!({
                        "physicalLocation": {
                            "artifactLocation": { "uri": l.file },
                            "region": { "startLine": l.line, "startColumn": l.column }
                        }
                    })
                })
                .collect();
            let level = level(f.diag.severity());
            json!({
                "ruleId": f.diag.code,
                "level": level,
                "message": { "text": f.diag.message },
                "locations": locations,
                "properties": { "paths": f.paths },
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "portnix",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }]
    });
    super::pretty_json(&doc)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A rule's metadata, from the code's own documentation.
fn rule(code: Code) -> Value {
    let d = code.doc();
    json!({
        "id": d.code,
        "name": d.code,
        "shortDescription": { "text": d.what },
        "fullDescription": { "text": format!("{}. {}.", d.what, d.why) },
        "help": { "text": code.explain() },
        "defaultConfiguration": { "level": level(d.severity) },
    })
}
