//! Writing generated files: atomically, or compared with what is there (`--check`), and for
//! Markdown, spliced between the marker comments of an existing file.

use std::io::Write;
use std::path::Path;

use super::markdown::{BEGIN, END};

/// What the file should contain: the generated text, or for a Markdown file that already has
/// the markers, that file with the text between them replaced.
pub fn desired(path: &Path, generated: &str, splice: bool) -> Result<String, String> {
    if !splice {
        return Ok(generated.to_string());
    }
    let Ok(old) = std::fs::read_to_string(path) else { return Ok(generated.to_string()) };
    // Markers count only on lines of their own, so prose that mentions them is left alone.
    let line_at = |marker: &str| {
        let mut offset = 0;
        for line in old.split_inclusive('\n') {
            if line.trim_end() == marker {
                return Some((offset, offset + line.len()));
            }
            offset += line.len();
        }
        None
    };
    let (Some((b, _)), Some((e, end))) = (line_at(BEGIN), line_at(END)) else {
        return Ok(generated.to_string());
    };
    if e < b {
        return Err(format!("{}: {END} comes before {BEGIN}", path.display()));
    }
    Ok(format!("{}{}{}", &old[..b], generated, &old[end..]))
}

/// Writes through a temporary file in the same directory and renames it over the target, so
/// an interrupted run leaves the old file whole.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.portnix-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `None` when `path` holds exactly `want`; otherwise a unified diff from it to `want`.
pub fn drift(path: &Path, want: &str) -> Option<String> {
    let have = std::fs::read_to_string(path).ok();
    if have.as_deref() == Some(want) {
        return None;
    }
    let name = path.display().to_string();
    let have = have.unwrap_or_default();
    let diff = similar::TextDiff::from_lines(have.as_str(), want);
    Some(diff.unified_diff().context_radius(3).header(&name, &format!("{name} (generated)")).to_string())
}
