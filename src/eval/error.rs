use crate::diagnostic::{Code, Diagnostic, Span};

/// Why evaluation stopped. Only `Throw` and `Assert` can be caught by `builtins.tryEval`, as in Nix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    Throw,
    Assert,
    Abort,
    Other,
}

#[derive(Debug)]
pub struct EvalError {
    pub(crate) kind: ErrorKind,
    pub(crate) diag: Diagnostic,
    /// Further diagnostics reported together with `diag`, such as every parse error of a file.
    pub(crate) more: Vec<Diagnostic>,
}

pub(crate) type EvalResult<T> = Result<T, Box<EvalError>>;

impl EvalError {
    pub(crate) fn new(code: Code, message: impl Into<String>) -> Box<EvalError> {
        Box::new(EvalError { kind: ErrorKind::Other, diag: Diagnostic::new(code, message), more: Vec::new() })
    }

    pub(crate) fn throw(message: impl Into<String>) -> Box<EvalError> {
        Box::new(EvalError {
            kind: ErrorKind::Throw,
            diag: Diagnostic::new(Code::Throw, message),
            more: Vec::new(),
        })
    }

    pub(crate) fn from_diagnostics(mut diags: Vec<Diagnostic>) -> Box<EvalError> {
        let diag = diags.remove(0);
        Box::new(EvalError { kind: ErrorKind::Other, diag, more: diags })
    }

    pub(crate) fn with_kind(mut self: Box<Self>, kind: ErrorKind) -> Box<Self> {
        self.kind = kind;
        self
    }

    pub(crate) fn hint(mut self: Box<Self>, hint: impl Into<String>) -> Box<Self> {
        self.diag.hint = Some(hint.into());
        self
    }

    pub(crate) fn diagnostics(&self) -> Vec<Diagnostic> {
        std::iter::once(self.diag.clone()).chain(self.more.iter().cloned()).collect()
    }

    pub(crate) fn catchable(&self) -> bool {
        matches!(self.kind, ErrorKind::Throw | ErrorKind::Assert)
    }
}

pub(crate) trait ResultExt<T> {
    /// Gives an error that has no position yet the position of the expression being evaluated.
    fn at(self, span: Span) -> EvalResult<T>;
}

impl<T> ResultExt<T> for EvalResult<T> {
    fn at(self, span: Span) -> EvalResult<T> {
        self.map_err(|mut e| {
            if e.diag.span.is_none() {
                e.diag.span = Some(span);
            }
            e
        })
    }
}

/// A type error with Nix's wording: "value is an integer while a set was expected".
pub(crate) fn type_error(got: &super::Value, expected: &str) -> Box<EvalError> {
    EvalError::new(Code::TypeError, format!("value is {} while {expected} was expected", got.show_type()))
}
