//! What `gen -o FILE` may write there: generated text replaces only a file portnix generated,
//! and Markdown goes only between a complete pair of marker lines in an existing file.

use std::path::Path;

use super::markdown::{BEGIN, END};
use crate::files::{WriteError, guard};

/// What FILE should contain, given what it holds now (`None`: it does not exist). Refuses a
/// file portnix did not generate unless `force`.
pub(crate) fn desired(
    path: &Path,
    old: Option<&[u8]>,
    generated: &str,
    splice: bool,
    force: bool,
) -> Result<String, WriteError> {
    // A file that does not exist, or an empty one, holds nothing to lose.
    let Some(old) = old.filter(|o| !o.is_empty()) else { return Ok(generated.to_string()) };
    if !splice {
        if !force && !std::str::from_utf8(old).is_ok_and(guard::is_generated) {
            return Err(not_generated(path, format!("its first lines have no \"{}\" header", guard::MARK)));
        }
        return Ok(generated.to_string());
    }
    let text = std::str::from_utf8(old);
    match text.map_err(|e| NoPlace::NotUtf8(e.valid_up_to())).and_then(markers) {
        Ok((b, e)) => {
            let text = text.unwrap_or_default();
            Ok(format!("{}{}{}", &text[..b], generated, &text[e..]))
        }
        // --force may replace a file with no markers at all, never the prose around markers
        // that are there but do not make one pair.
        Err(NoPlace::NoMarkers(_) | NoPlace::NotUtf8(_)) if force => Ok(generated.to_string()),
        Err(why) => Err(not_generated(path, why.to_string())),
    }
}

fn not_generated(path: &Path, why: String) -> WriteError {
    WriteError::NotGenerated { path: path.into(), why }
}

/// Why a file has no place for the Markdown to go.
#[derive(Debug, thiserror::Error)]
enum NoPlace {
    #[error("it is not UTF-8 (byte {0})")]
    NotUtf8(usize),
    #[error("{END} comes before {BEGIN}{}", near(.0))]
    Reversed(Option<Near>),
    #[error("it has no {BEGIN} and {END} lines to write between{}", near(.0))]
    NoMarkers(Option<Near>),
    #[error("it has {BEGIN} but no {END} line{}", near(.0))]
    NoEnd(Option<Near>),
    #[error("it has {END} but no {BEGIN} line{}", near(.0))]
    NoBegin(Option<Near>),
    #[error("it has {begins} {BEGIN} and {ends} {END} lines; portnix writes between exactly one pair")]
    Several { begins: usize, ends: usize },
}

/// A line that looks like a marker but is not one: its number and text.
#[derive(Debug)]
struct Near(usize, String);

fn near(line: &Option<Near>) -> String {
    line.as_ref()
        .map(|Near(n, l)| {
            format!("; line {n} (`{l}`) looks like a marker but is not exactly {BEGIN} or {END}")
        })
        .unwrap_or_default()
}

/// The fence a line opens or closes (CommonMark: up to three spaces, then three or more
/// backticks or tildes): its character and length.
fn fence(line: &str) -> Option<(char, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    let c = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = rest.chars().take_while(|x| *x == c).count();
    (indent <= 3 && n >= 3).then_some((c, n))
}

/// The byte range from the start of the begin marker's line to the end of the end marker's
/// line. Markers count only on lines of their own and outside fenced code blocks, so prose
/// and examples that show them are left alone.
fn markers(text: &str) -> Result<(usize, usize), NoPlace> {
    let (mut begins, mut ends, mut close) = (Vec::new(), Vec::new(), None);
    let mut offset = 0;
    let mut open: Option<(char, usize)> = None;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let bare = line.trim_end_matches(['\n', '\r']);
        match (open, fence(bare)) {
            (None, Some(f)) => {
                open = Some(f);
                offset += line.len();
                continue;
            }
            // A closing fence is as long as the opening one or longer, with nothing after it.
            (Some((c, len)), Some((c2, len2)))
                if c == c2 && len2 >= len && bare.trim().chars().all(|x| x == c) =>
            {
                open = None;
                offset += line.len();
                continue;
            }
            (Some(_), _) => {
                offset += line.len();
                continue;
            }
            (None, None) => {}
        }
        match line.trim() {
            l if l == BEGIN => begins.push(offset),
            l if l == END => ends.push(offset + line.len()),
            l if close.is_none() && (l.contains("portnix:begin") || l.contains("portnix:end")) => {
                close = Some(Near(n + 1, l.to_string()));
            }
            _ => {}
        }
        offset += line.len();
    }
    match (begins.as_slice(), ends.as_slice()) {
        ([b], [e]) if b < e => Ok((*b, *e)),
        ([_], [_]) => Err(NoPlace::Reversed(close)),
        ([], []) => Err(NoPlace::NoMarkers(close)),
        ([_], []) => Err(NoPlace::NoEnd(close)),
        ([], [_]) => Err(NoPlace::NoBegin(close)),
        _ => Err(NoPlace::Several { begins: begins.len(), ends: ends.len() }),
    }
}

/// `None` when `have` is exactly `want`; otherwise a unified diff from it to `want`.
pub(crate) fn drift(path: &Path, have: Option<&[u8]>, want: &str) -> Option<String> {
    if have == Some(want.as_bytes()) {
        return None;
    }
    let name = path.display().to_string();
    let have = have.map(String::from_utf8_lossy).unwrap_or_default();
    let diff = similar::TextDiff::from_lines(have.as_ref(), want);
    Some(diff.unified_diff().context_radius(3).header(&name, &format!("{name} (generated)")).to_string())
}
