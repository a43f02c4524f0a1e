use std::rc::Rc;

use super::{Builtin, attrs_value, bool_of, call, function, int, lazy_call, list, list_value};
use crate::diagnostic::{Code, Span};
use crate::eval::error::{EvalError, EvalResult};
use crate::eval::{Eval, Thunk, Value};

pub(crate) const BUILTINS: &[Builtin] = &[
    Builtin::new("genericClosure", 1, generic_closure),
    Builtin::new("genList", 2, gen_list),
    Builtin::new("length", 1, length),
    Builtin::new("elemAt", 2, elem_at),
    Builtin::new("head", 1, head),
    Builtin::new("tail", 1, tail),
    Builtin::new("map", 2, map),
    Builtin::new("filter", 2, filter),
    Builtin::new("foldl'", 3, foldl_strict),
    Builtin::new("elem", 2, elem),
    Builtin::new("concatLists", 1, concat_lists),
    Builtin::new("concatMap", 2, concat_map),
    Builtin::new("all", 2, all),
    Builtin::new("any", 2, any),
    Builtin::new("partition", 2, partition),
    Builtin::new("sort", 2, sort),
];

fn gen_list(ev: &mut Eval, a: &[Thunk], span: Span) -> EvalResult<Value> {
    let n = int(ev, &a[1])?;
    if n < 0 {
        return Err(EvalError::new(Code::InvalidArgument, format!("cannot create list of size {n}")));
    }
    // Nix would exhaust memory building such a list; portnix says so instead (33M elements
    // is far beyond any registry, and stays within a few GiB).
    const MAX_LIST: i64 = 1 << 25;
    if n > MAX_LIST {
        return Err(EvalError::new(
            Code::InvalidArgument,
            format!("cannot create a list of {n} elements: too large"),
        ));
    }
    ev.charge(n as usize * crate::eval::LAZY_ELEMENT_COST)?;
    let items = (0..n).map(|i| lazy_call(&a[0], vec![Thunk::value(Value::Int(i))], span)).collect();
    Ok(list_value(items))
}

fn length(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    Ok(Value::Int(list(ev, &a[0])?.len() as i64))
}

fn index(ev: &mut Eval, l: &Rc<Vec<Thunk>>, i: i64) -> EvalResult<Value> {
    match usize::try_from(i).ok().and_then(|i| l.get(i)) {
        Some(t) => {
            let t = t.clone();
            ev.force(&t)
        }
        None => Err(EvalError::new(Code::IndexOutOfBounds, format!("list index {i} is out of bounds"))),
    }
}

fn elem_at(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let l = list(ev, &a[0])?;
    let i = int(ev, &a[1])?;
    index(ev, &l, i)
}

fn head(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let l = list(ev, &a[0])?;
    index(ev, &l, 0)
}

fn tail(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let l = list(ev, &a[0])?;
    if l.is_empty() {
        return Err(EvalError::new(Code::IndexOutOfBounds, "'tail' called on an empty list"));
    }
    Ok(list_value(l[1..].to_vec()))
}

fn map(ev: &mut Eval, a: &[Thunk], span: Span) -> EvalResult<Value> {
    let l = list(ev, &a[1])?;
    ev.charge(l.len() * crate::eval::LAZY_ELEMENT_COST)?;
    Ok(list_value(l.iter().map(|x| lazy_call(&a[0], vec![x.clone()], span)).collect()))
}

fn test(ev: &mut Eval, f: &Thunk, x: &Thunk, span: Span) -> EvalResult<bool> {
    let r = call(ev, f, std::slice::from_ref(x), span)?;
    bool_of(ev, r)
}

fn filter(ev: &mut Eval, a: &[Thunk], span: Span) -> EvalResult<Value> {
    function(ev, &a[0])?;
    let l = list(ev, &a[1])?;
    ev.charge(l.len())?;
    let mut out = Vec::new();
    for x in l.iter() {
        if test(ev, &a[0], x, span)? {
            out.push(x.clone());
        }
    }
    Ok(list_value(out))
}

/// Each step's result is forced, the initial accumulator only when it is the result: Nix
/// hands it to the function unforced (`foldl' (a: b: b) (throw "x") [ 1 ]` is 1).
fn foldl_strict(ev: &mut Eval, a: &[Thunk], span: Span) -> EvalResult<Value> {
    function(ev, &a[0])?;
    let l = list(ev, &a[2])?;
    let mut acc = a[1].clone();
    for x in l.iter() {
        acc = Thunk::value(call(ev, &a[0], &[acc, x.clone()], span)?);
    }
    ev.force(&acc)
}

fn elem(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let needle = ev.force(&a[0])?;
    let l = list(ev, &a[1])?;
    for x in l.iter() {
        let v = ev.force(x)?;
        if ev.equal(&needle, &v)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn concat_lists(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let l = list(ev, &a[0])?;
    // Every element copied is paid for before the copy: 10^5 lists of 10^5 cost 10^10.
    let mut lists = Vec::with_capacity(l.len());
    for x in l.iter() {
        let items = list(ev, x)?;
        ev.charge(items.len())?;
        lists.push(items);
    }
    let mut out = Vec::with_capacity(lists.iter().map(|x| x.len()).sum());
    for items in &lists {
        out.extend(items.iter().cloned());
    }
    Ok(list_value(out))
}

fn concat_map(ev: &mut Eval, a: &[Thunk], span: Span) -> EvalResult<Value> {
    function(ev, &a[0])?;
    let l = list(ev, &a[1])?;
    let mut out = Vec::new();
    for x in l.iter() {
        match call(ev, &a[0], std::slice::from_ref(x), span)? {
            Value::List(items) => {
                ev.charge(items.len())?;
                out.extend(items.iter().cloned())
            }
            other => return Err(crate::eval::error::type_error(&other, "a list")),
        }
    }
    Ok(list_value(out))
}

fn all(ev: &mut Eval, a: &[Thunk], span: Span) -> EvalResult<Value> {
    function(ev, &a[0])?;
    let l = list(ev, &a[1])?;
    for x in l.iter() {
        if !test(ev, &a[0], x, span)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn any(ev: &mut Eval, a: &[Thunk], span: Span) -> EvalResult<Value> {
    function(ev, &a[0])?;
    let l = list(ev, &a[1])?;
    for x in l.iter() {
        if test(ev, &a[0], x, span)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn partition(ev: &mut Eval, a: &[Thunk], span: Span) -> EvalResult<Value> {
    function(ev, &a[0])?;
    let l = list(ev, &a[1])?;
    let (mut right, mut wrong) = (Vec::new(), Vec::new());
    for x in l.iter() {
        if test(ev, &a[0], x, span)? {
            right.push(x.clone());
        } else {
            wrong.push(x.clone());
        }
    }
    Ok(attrs_value(vec![("right", list_value(right)), ("wrong", list_value(wrong))]))
}

/// A stable merge sort whose comparator may fail; std's sort could panic on a comparator
/// that is not a total order, and user comparators often are not.
fn sort(ev: &mut Eval, a: &[Thunk], span: Span) -> EvalResult<Value> {
    function(ev, &a[0])?;
    let l = list(ev, &a[1])?;
    let mut items: Vec<Thunk> = l.iter().cloned().collect();
    for x in &items {
        ev.force(x)?;
    }
    let mut buf = items.clone();
    merge_sort(ev, &a[0], &mut items, &mut buf, span)?;
    Ok(list_value(items))
}

fn merge_sort(ev: &mut Eval, f: &Thunk, v: &mut [Thunk], buf: &mut [Thunk], span: Span) -> EvalResult<()> {
    let n = v.len();
    if n <= 1 {
        return Ok(());
    }
    let mid = n / 2;
    merge_sort(ev, f, &mut v[..mid], &mut buf[..mid], span)?;
    merge_sort(ev, f, &mut v[mid..], &mut buf[mid..], span)?;
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < mid && j < n {
        // Take from the right only when it is strictly less, which keeps equal elements in order.
        if test2(ev, f, &v[j], &v[i], span)? {
            buf[k] = v[j].clone();
            j += 1;
        } else {
            buf[k] = v[i].clone();
            i += 1;
        }
        k += 1;
    }
    while i < mid {
        buf[k] = v[i].clone();
        i += 1;
        k += 1;
    }
    while j < n {
        buf[k] = v[j].clone();
        j += 1;
        k += 1;
    }
    v.clone_from_slice(&buf[..n]);
    Ok(())
}

fn test2(ev: &mut Eval, f: &Thunk, x: &Thunk, y: &Thunk, span: Span) -> EvalResult<bool> {
    let r = call(ev, f, &[x.clone(), y.clone()], span)?;
    bool_of(ev, r)
}

/// `genericClosure { startSet; operator; }`: every item reachable from the start set through
/// `operator`, each `key` once, in the order they are found, as Nix's work list finds them.
fn generic_closure(ev: &mut Eval, a: &[Thunk], span: Span) -> EvalResult<Value> {
    let args = ev.force_attrs(&a[0])?;
    let field = |name: &str| {
        args.get(name)
            .map(|x| x.value.clone())
            .ok_or_else(|| EvalError::new(Code::MissingAttribute, format!("attribute '{name}' required")))
    };
    let (start, op) = (field("startSet")?, field("operator")?);
    let mut work: std::collections::VecDeque<Thunk> = list(ev, &start)?.iter().cloned().collect();
    // Keys seen so far, sorted by Nix's comparison of values.
    let mut done: Vec<Value> = Vec::new();
    let mut out = Vec::new();
    while let Some(item) = work.pop_front() {
        let attrs = ev.force_attrs(&item)?;
        let Some(key) = attrs.get("key") else {
            return Err(EvalError::new(Code::MissingAttribute, "attribute 'key' required"));
        };
        let key = ev.force(&key.value)?;
        let (mut lo, mut hi) = (0, done.len());
        let mut found = false;
        while lo < hi {
            let mid = (lo + hi) / 2;
            // The new key on the left, as Nix compares it, so a type mismatch reads the same.
            match ev.compare(&key, &done[mid])? {
                std::cmp::Ordering::Greater => lo = mid + 1,
                std::cmp::Ordering::Less => hi = mid,
                std::cmp::Ordering::Equal => {
                    found = true;
                    break;
                }
            }
        }
        if found {
            continue;
        }
        done.insert(lo, key);
        out.push(item.clone());
        let next = call(ev, &op, &[item], span)?;
        let Value::List(next) = next else {
            return Err(crate::eval::error::type_error(&next, "a list"));
        };
        for t in next.iter() {
            ev.force(t)?;
            work.push_back(t.clone());
        }
        ev.charge(1)?;
    }
    Ok(list_value(out))
}
