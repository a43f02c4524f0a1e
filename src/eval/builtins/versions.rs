//! `compareVersions` and `splitVersion`, with Nix's rules for a version's components
//! (names.cc): digits, or a run of anything else but `.` and `-`, which separate them.

use std::cmp::Ordering;

use super::Builtin;
use crate::diagnostic::Span;
use crate::eval::error::EvalResult;
use crate::eval::{Eval, Thunk, Value};

pub(crate) const BUILTINS: &[Builtin] = &[
    Builtin::new("compareVersions", 2, compare_versions),
    Builtin::new("splitVersion", 1, split_version),
    Builtin::new("parseDrvName", 1, parse_drv_name),
];

/// `parseDrvName "hello-2.10"`: `{ name = "hello"; version = "2.10"; }`, split at the first
/// `-` that a non-letter follows.
fn parse_drv_name(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let s = ev.force_string(&a[0])?;
    let b = s.as_bytes();
    let cut = (0..b.len()).find(|&i| b[i] == b'-' && b.get(i + 1).is_some_and(|c| !c.is_ascii_alphabetic()));
    let (name, version) = match cut {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (&*s, ""),
    };
    Ok(super::attrs_value(vec![("name", Value::str(name)), ("version", Value::str(version))]))
}

/// The next component of `v` from `*at`, past any separators; empty at the end.
fn next_component<'a>(v: &'a [u8], at: &mut usize) -> &'a [u8] {
    while *at < v.len() && matches!(v[*at], b'.' | b'-') {
        *at += 1;
    }
    let start = *at;
    let digits = v.get(start).is_some_and(u8::is_ascii_digit);
    while *at < v.len()
        && (if digits {
            v[*at].is_ascii_digit()
        } else {
            !v[*at].is_ascii_digit() && !matches!(v[*at], b'.' | b'-')
        })
    {
        *at += 1;
    }
    &v[start..*at]
}

/// A component as Nix's `string2Int<int>` reads it: digits that fit an `int`.
fn number(c: &[u8]) -> Option<i32> {
    std::str::from_utf8(c)
        .ok()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))?
        .parse()
        .ok()
}

fn components_lt(c1: &[u8], c2: &[u8]) -> bool {
    match (number(c1), number(c2)) {
        (Some(a), Some(b)) => a < b,
        (_, Some(_)) if c1.is_empty() => true,
        _ if c1 == b"pre" && c2 != b"pre" => true,
        _ if c2 == b"pre" => false,
        // `2.3a` is older than `2.3.1`.
        (_, Some(_)) => true,
        (Some(_), _) => false,
        _ => c1 < c2,
    }
}

pub(crate) fn compare(v1: &str, v2: &str) -> Ordering {
    let (v1, v2) = (v1.as_bytes(), v2.as_bytes());
    let (mut p1, mut p2) = (0, 0);
    while p1 < v1.len() || p2 < v2.len() {
        let c1 = next_component(v1, &mut p1);
        let c2 = next_component(v2, &mut p2);
        if components_lt(c1, c2) {
            return Ordering::Less;
        }
        if components_lt(c2, c1) {
            return Ordering::Greater;
        }
    }
    Ordering::Equal
}

fn compare_versions(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let (v1, v2) = (ev.force_string(&a[0])?, ev.force_string(&a[1])?);
    Ok(Value::Int(match compare(&v1, &v2) {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }))
}

fn split_version(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let v = ev.force_string(&a[0])?;
    let bytes = v.as_bytes();
    let mut at = 0;
    let mut out = Vec::new();
    while at < bytes.len() {
        let c = next_component(bytes, &mut at);
        if c.is_empty() {
            break;
        }
        // Components end at ASCII bytes or the end, so each is whole UTF-8.
        out.push(Thunk::value(Value::str(&*String::from_utf8_lossy(c))));
    }
    Ok(super::list_value(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_as_nix_orders_them() {
        for (a, b, want) in [
            ("1.0", "1.0pre", Ordering::Greater),
            ("2.3a", "2.3.1", Ordering::Less),
            ("99999999999", "1", Ordering::Less),
            ("1.2.3", "1.2.3", Ordering::Equal),
            ("1.2", "1.2.0", Ordering::Less),
            ("a", "b", Ordering::Less),
        ] {
            assert_eq!(compare(a, b), want, "{a} {b}");
        }
    }
}
