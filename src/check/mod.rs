//! `portnix check`: each rule in its own file under `rules/`, all reading one `Context`.

pub(crate) mod context;
mod rules;

pub(crate) use rules::EPHEMERAL;
pub mod services_db;

pub(crate) use context::Context;

use serde::Serialize;

use crate::diagnostic::{Code, Diagnostic, Location, Severity, Span};
use crate::registry::Project;
use crate::syntax::Sources;

/// A finding: a diagnostic plus the registry paths it concerns.
#[derive(Clone, Debug)]
pub struct Finding {
    pub diag: Diagnostic,
    /// Dotted paths of the entries involved, sorted.
    pub paths: Vec<String>,
}

impl Finding {
    pub(crate) fn new(code: Code, message: String, mut paths: Vec<String>) -> Finding {
        paths.sort();
        paths.dedup();
        Finding { diag: Diagnostic::new(code, message), paths }
    }

    pub(crate) fn at(mut self, span: Option<Span>) -> Finding {
        self.diag.span = span;
        self
    }

    pub(crate) fn label(mut self, span: Option<Span>, message: impl Into<String>) -> Finding {
        if let Some(s) = span {
            self.diag = self.diag.with_label(s, message);
        }
        self
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Finding {
        self.diag.hint = Some(hint.into());
        self
    }

    /// Every position the finding points at: the primary one first.
    pub(crate) fn locations(&self, sources: &Sources) -> Vec<Location> {
        self.diag
            .span
            .iter()
            .chain(self.diag.labels.iter().map(|l| &l.span))
            .map(|s| Location::of(sources, *s))
            .collect()
    }

    pub(crate) fn to_json(&self, sources: &Sources) -> FindingJson {
        FindingJson {
            code: self.diag.code,
            severity: self.diag.severity(),
            message: self.diag.message.clone(),
            paths: self.paths.clone(),
            locations: self.locations(sources),
        }
    }
}

/// The `--format json` shape of a finding.
#[derive(Serialize, Debug)]
pub(crate) struct FindingJson {
    pub(crate) code: Code,
    pub(crate) severity: Severity,
    pub(crate) message: String,
    pub(crate) paths: Vec<String>,
    pub(crate) locations: Vec<Location>,
}

#[derive(Default)]
pub struct CheckOptions {
    /// `--services FILE`: names registered in /etc/services format.
    pub services: Option<services_db::ServicesDb>,
}

/// Runs every rule; findings come sorted by severity, position, then code.
pub fn check(project: &Project, options: &CheckOptions) -> Vec<Finding> {
    let ctx = Context::new(project, options);
    let mut findings = Vec::new();
    for (name, rule) in rules::ALL {
        crate::timing::phase(name, || rule(&ctx, &mut findings));
    }
    findings.retain(|f| !ctx.ignored(f));
    findings.sort_by(|a, b| {
        (a.diag.severity(), a.diag.span.map(|s| (s.file, s.start)), a.diag.code, &a.paths).cmp(&(
            b.diag.severity(),
            b.diag.span.map(|s| (s.file, s.start)),
            b.diag.code,
            &b.paths,
        ))
    });
    findings
}
