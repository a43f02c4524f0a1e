//! Reading the project's files: `readFile`, `pathExists`, `readDir`, `hashFile`, and
//! `hashString` beside it. Each stays inside the project root as `import` does, so a registry
//! cannot read `/etc/hostname` into its findings.

use std::path::Path;

use super::Builtin;
use crate::diagnostic::{Code, Span};
use crate::eval::error::{EvalError, EvalResult};
use crate::eval::{Attr, AttrSet, Eval, Thunk, Value};

pub(crate) const BUILTINS: &[Builtin] = &[
    Builtin::new("readFile", 1, read_file),
    Builtin::new("pathExists", 1, path_exists),
    Builtin::new("toPath", 1, to_path),
    Builtin::new("readDir", 1, read_dir),
    Builtin::new("hashFile", 2, hash_file),
    Builtin::new("hashString", 2, hash_string),
];

fn failed(path: &Path, e: &std::io::Error) -> Box<EvalError> {
    EvalError::new(Code::ImportFailed, format!("cannot read '{}': {e}", path.display()))
}

/// A file's bytes, from an edit's overlay or, read as `import` reads, from the disk.
fn file_bytes(ev: &mut Eval, path: &Path) -> EvalResult<Vec<u8>> {
    ev.check_inside_root(path)?;
    let key = crate::eval::import::file_key(path);
    if let Some(text) = ev.options.overlay.get(&key) {
        return Ok(text.clone().into_bytes());
    }
    ev.read_bytes(path)
}

fn read_file(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let path = super::path_arg(ev, &a[0])?;
    let bytes = file_bytes(ev, &path)?;
    // Nix strings end at a NUL byte, so Nix 2.8 refuses a file that holds one.
    if bytes.contains(&0) {
        return Err(EvalError::new(
            Code::InvalidArgument,
            format!("the contents of the file '{}' cannot be represented as a Nix string", path.display()),
        ));
    }
    Ok(Value::str(&*crate::eval::import::utf8(&path, bytes)?))
}

/// As Nix 2.8: the path as written (`lib.nix/` does not exist), a dangling symlink exists, and
/// a path outside what may be read is reported missing rather than an error, so nothing is
/// learnt about it.
fn path_exists(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let path = super::path_arg(ev, &a[0])?;
    if ev.check_inside_root(&path).is_err() {
        return Ok(Value::Bool(false));
    }
    let key = crate::eval::import::file_key(&path);
    Ok(Value::Bool(ev.options.overlay.contains_key(&key) || std::fs::symlink_metadata(&path).is_ok()))
}

/// `toPath`: an absolute path as a string, lexically normalised.
fn to_path(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    let text = ev.coerce(&v, crate::eval::coerce::Coerce::Interpolate { copy_paths: false })?;
    if !text.starts_with('/') {
        return Err(EvalError::new(
            Code::InvalidArgument,
            format!("string '{text}' doesn't represent an absolute path"),
        ));
    }
    Ok(Value::str(&*crate::eval::paths::canon_path(&text)))
}

fn read_dir(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let path = super::path_arg(ev, &a[0])?;
    ev.check_inside_root(&path)?;
    let mut attrs = Vec::new();
    for entry in std::fs::read_dir(&path).map_err(|e| failed(&path, &e))? {
        let entry = entry.map_err(|e| failed(&path, &e))?;
        let kind = match entry.file_type() {
            Ok(t) if t.is_symlink() => "symlink",
            Ok(t) if t.is_dir() => "directory",
            Ok(t) if t.is_file() => "regular",
            _ => "unknown",
        };
        let Ok(name) = entry.file_name().into_string() else {
            return Err(EvalError::new(
                Code::NotUtf8,
                format!("a name in '{}' is not UTF-8, which portnix's strings must be", path.display()),
            ));
        };
        ev.charge(name.len() + 1)?;
        attrs.push(Attr { name: name.into(), value: Thunk::value(Value::str(kind)), span: None });
    }
    Ok(Value::Attrs(std::rc::Rc::new(AttrSet::from_unsorted_first_wins(attrs))))
}

/// The lowercase hex digest of `bytes` with Nix's hash type name.
fn digest(kind: &str, bytes: &[u8]) -> EvalResult<String> {
    use sha2::Digest;
    let hex = |d: &[u8]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    Ok(match kind {
        "md5" => hex(&md5::Md5::digest(bytes)),
        "sha1" => hex(&sha1::Sha1::digest(bytes)),
        "sha256" => hex(&sha2::Sha256::digest(bytes)),
        "sha512" => hex(&sha2::Sha512::digest(bytes)),
        other => {
            return Err(EvalError::new(Code::InvalidArgument, format!("unknown hash algorithm '{other}'"))
                .hint("use \"md5\", \"sha1\", \"sha256\" or \"sha512\""));
        }
    })
}

fn hash_string(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let kind = ev.force_string(&a[0])?;
    let s = ev.force_string(&a[1])?;
    ev.charge(s.len())?;
    Ok(Value::str(&*digest(&kind, s.as_bytes())?))
}

fn hash_file(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let kind = ev.force_string(&a[0])?;
    let path = super::path_arg(ev, &a[1])?;
    let bytes = file_bytes(ev, &path)?;
    Ok(Value::str(&*digest(&kind, &bytes)?))
}
