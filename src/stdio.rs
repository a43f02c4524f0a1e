//! Standard output and error that never panic. A reader that goes away (`portnix ls | head -1`)
//! ends the output quietly, and the command still exits with its own status, so a pipeline
//! under `set -o pipefail` sees the findings. Any other write error (a full disk behind `>`)
//! is kept and reported once, at the end, because a silently truncated file is lost data.

use std::io::{self, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDOUT_ERROR: Mutex<Option<io::Error>> = Mutex::new(None);

/// Writes `text` to standard output.
pub(crate) fn write_out(text: &str) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut lock = io::stdout().lock();
    if let Err(e) = lock.write_all(text.as_bytes()) {
        fail(e);
    }
}

/// Writes `text` to standard error, escaped for the terminal; a closed or broken stderr is
/// ignored, there is nowhere left to say anything.
pub fn write_err(text: &str) {
    let _ = io::stderr().lock().write_all(escape(text).as_bytes());
}

/// Writes rendered diagnostics to standard error as they are: the renderer made every string
/// from the user's files safe already, and its own escapes are the colour.
pub(crate) fn write_err_rendered(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// `text` safe for a terminal: control characters other than newline and tab (an ESC that
/// would start an escape sequence, a carriage return that would overwrite a line) written as
/// `\u{1b}`. Names in a registry come from anyone who sends a pull request.
pub(crate) fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn fail(e: io::Error) {
    STDOUT_CLOSED.store(true, Ordering::Relaxed);
    if e.kind() != io::ErrorKind::BrokenPipe {
        *STDOUT_ERROR.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
    }
}

/// Flushes standard output; the write error to report, if one happened other than a closed
/// pipe.
pub(crate) fn finish() -> Option<io::Error> {
    if !STDOUT_CLOSED.load(Ordering::Relaxed)
        && let Err(e) = io::stdout().lock().flush()
    {
        fail(e);
    }
    STDOUT_ERROR.lock().unwrap_or_else(|p| p.into_inner()).take()
}

/// `print!` without the panic.
macro_rules! out {
    ($($t:tt)*) => { $crate::stdio::write_out(&format!($($t)*)) };
}

/// `println!` for text meant for people, escaped for the terminal.
macro_rules! houtln {
    ($($t:tt)*) => { $crate::stdio::write_out(&$crate::stdio::escape(&format!("{}\n", format_args!($($t)*)))) };
}

/// `println!` without the panic.
macro_rules! outln {
    () => { $crate::stdio::write_out("\n") };
    ($($t:tt)*) => { $crate::stdio::write_out(&format!("{}\n", format_args!($($t)*))) };
}

/// `eprint!` without the panic.
macro_rules! err {
    ($($t:tt)*) => { $crate::stdio::write_err(&format!($($t)*)) };
}

/// `eprintln!` without the panic.
macro_rules! errln {
    () => { $crate::stdio::write_err("\n") };
    ($($t:tt)*) => { $crate::stdio::write_err(&format!("{}\n", format_args!($($t)*))) };
}

pub(crate) use {err, errln, houtln, out, outln};
