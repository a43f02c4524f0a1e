//! Rendering findings for people (`human`), programs (`json`), GitHub Actions (`github`) and
//! code scanning (`sarif`). The checks never format anything themselves.

mod github;
mod sarif;

use crate::check::Finding;
use crate::diagnostic::Severity;
use crate::syntax::Sources;

pub(crate) use github::github;
pub(crate) use sarif::sarif;

pub fn human(sources: &Sources, findings: &[Finding]) -> String {
    human_with(sources, findings, false)
}

/// `human`, in colour or not; safe to write to a terminal as it is.
pub(crate) fn human_with(sources: &Sources, findings: &[Finding], colour: bool) -> String {
    let mut out: String = findings
        .iter()
        .map(|f| crate::diagnostic::render_with(sources, &f.diag, colour))
        .collect::<Vec<_>>()
        .join("\n");
    if !findings.is_empty() {
        out.push('\n');
    }
    out
}

pub fn json(sources: &Sources, findings: &[Finding]) -> String {
    let items: Vec<_> = findings.iter().map(|f| f.to_json(sources)).collect();
    pretty_json(&items)
}

/// Pretty JSON and a newline. Every caller hands a derived struct or a `serde_json::Value`,
/// whose maps have string keys, the only thing that makes serde_json's serializer fail.
#[expect(clippy::expect_used, reason = "values with string keys always serialize")]
pub(crate) fn pretty_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("string-keyed values serialize") + "\n"
}

/// "2 errors, 1 warning" for the summary line.
pub(crate) fn summary(findings: &[Finding], entries: usize) -> String {
    let count = |s| findings.iter().filter(|f| f.diag.severity() == s).count();
    format!(
        "{}, {} in {}",
        counted(count(Severity::Error), "error", "errors"),
        counted(count(Severity::Warning), "warning", "warnings"),
        counted(entries, "entry", "entries")
    )
}

/// "1 error", "2 errors".
pub(crate) fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
