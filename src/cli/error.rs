//! Why a command could not finish, as data: commands return it, and `cli::run` reports it
//! once, so every command says the same thing the same way and exits with the same code for
//! the same cause (see `exit`).

use super::exit;
use crate::edit::EditError;
use crate::files::WriteError;
use crate::lease::model::LeaseError;
use crate::lease::server::ServeError;
use crate::registry::LoadError;

#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The registry or the config could not be read: its diagnostics, with their locations.
    #[error("the registry could not be read")]
    Load(LoadError),
    /// A file was not written; it is as it was.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// An edit was refused. `findings` when the registry said no (a taken port, a missing
    /// entry, a reference that would dangle), so it exits 1 like a finding; else 2.
    #[error("{source}")]
    Edit { source: EditError, findings: bool },
    /// Diagnostics rendered already (an evaluation error with its source lines).
    #[error("{0}")]
    Rendered(String),
    /// The lease service said no (exit 1), or could not do what was asked (exit 2).
    #[error("{0}")]
    Lease(#[from] LeaseError),
    /// The lease server did not start, or stopped.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// Anything else, with a hint when there is one.
    #[error("{message}")]
    Other { message: String, hint: Option<String>, code: u8 },
}

impl From<LoadError> for CliError {
    fn from(e: LoadError) -> CliError {
        CliError::Load(e)
    }
}

impl CliError {
    /// Bad usage or something that cannot be done at all: exit 2.
    pub(crate) fn failure(message: impl std::fmt::Display) -> CliError {
        CliError::Other { message: message.to_string(), hint: None, code: exit::FAILURE }
    }

    /// The registry says no (a taken port, an entry that exists already): exit 1, as a finding.
    pub(crate) fn refused(message: impl std::fmt::Display) -> CliError {
        CliError::Other { message: message.to_string(), hint: None, code: exit::FINDINGS }
    }

    pub(crate) fn with_hint(mut self, text: impl Into<String>) -> CliError {
        if let CliError::Other { hint, .. } = &mut self {
            *hint = Some(text.into());
        }
        self
    }

    /// An edit's error: a refusal that is the registry's answer exits 1, one that says portnix
    /// could not make the edit 2.
    pub(crate) fn edit(source: EditError) -> CliError {
        match source {
            EditError::Write(w) => CliError::Write(w),
            source => CliError::Edit { findings: source.is_answer(), source },
        }
    }

    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Edit { findings: true, .. } => exit::FINDINGS,
            CliError::Other { code, .. } => *code,
            CliError::Lease(e) if e.is_refusal() => exit::FINDINGS,
            CliError::Load(_)
            | CliError::Lease(_)
            | CliError::Serve(_)
            | CliError::Write(_)
            | CliError::Edit { .. }
            | CliError::Rendered(_) => exit::FAILURE,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            CliError::Load(_) | CliError::Rendered(_) => None,
            CliError::Write(w) => w.hint(),
            CliError::Edit { source, .. } => source.hint(),
            CliError::Other { hint, .. } => hint.clone(),
            CliError::Lease(e) => e.hint().map(String::from),
            CliError::Serve(e) => e.hint().map(String::from),
        }
    }

    /// Prints the error to stderr: the one place commands' errors are written.
    pub(crate) fn report(&self) {
        match self {
            CliError::Load(e) => {
                return crate::stdio::write_err_rendered(&e.render_with(crate::diagnostic::colour()));
            }
            CliError::Rendered(text) => return crate::stdio::err!("{text}"),
            // The lease API's codes are its wire vocabulary, so they show here as they do in --json.
            CliError::Lease(e) => crate::stdio::errln!("error[{}]: {e}", e.code()),
            _ => crate::stdio::errln!("error: {self}"),
        }
        if let Some(hint) = self.hint().filter(|h| !h.is_empty()) {
            crate::stdio::errln!("  = hint: {hint}");
        }
    }
}

/// What a command returns: its exit code when it ran (0, or 1 for findings), or why not.
pub(crate) type CliResult = Result<u8, CliError>;
