//! Diagnostics are plain data; turning them into text is `render`'s job.

mod code;
mod render;

pub use code::{Code, Doc, Stage};

pub(crate) use render::{colour, render_all, render_all_with, render_with};

use serde::Serialize;
use std::fmt;

use crate::syntax::{FileId, Sources};

/// A byte range inside one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Span {
    pub(crate) file: FileId,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    pub(crate) fn new(file: FileId, range: rowan::TextRange) -> Self {
        Span { file, start: range.start().into(), end: range.end().into() }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

/// A secondary location with its own short message ("first defined here").
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Label {
    pub(crate) span: Span,
    pub(crate) message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Stable identifier that users can grep for and that tests pin; it also gives the severity.
    pub code: Code,
    pub message: String,
    pub(crate) span: Option<Span>,
    pub(crate) labels: Vec<Label>,
    /// What the user can do about it.
    pub(crate) hint: Option<String>,
}

impl Diagnostic {
    pub(crate) fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic { code, message: message.into(), span: None, labels: Vec::new(), hint: None }
    }

    pub(crate) fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub(crate) fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label { span, message: message.into() });
        self
    }

    /// Always its code's: a rule cannot report a code at another severity.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// A resolved position, for machine-readable output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    pub(crate) file: String,
    pub line: u32,
    pub(crate) column: u32,
}

impl Location {
    pub(crate) fn of(sources: &Sources, span: Span) -> Location {
        let file = sources.get(span.file);
        let (line, column) = file.line_col(span.start);
        Location { file: file.display_name(), line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Diagnostics with the sources they point into: why a file could not be loaded or evaluated.
pub struct Failure {
    pub diagnostics: Vec<Diagnostic>,
    pub(crate) sources: Sources,
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failure").field("diagnostics", &self.diagnostics).finish_non_exhaustive()
    }
}

impl Failure {
    /// One diagnostic that points at no file.
    pub(crate) fn plain(code: Code, message: String, hint: &str) -> Failure {
        Failure { diagnostics: vec![Diagnostic::new(code, message).with_hint(hint)], sources: Sources::new() }
    }

    pub fn render(&self) -> String {
        self.render_with(false)
    }

    /// `render`, in colour or not; safe to write to a terminal as it is.
    pub(crate) fn render_with(&self, colour: bool) -> String {
        render_all_with(&self.sources, &self.diagnostics, colour)
    }
}
