//! Random programs from the supported subset, evaluated by portnix and by `nix-instantiate`:
//! both must print the same JSON, or both must fail.
//!
//! 300 cases by default; `PORTNIX_PROPTEST_CASES=N` asks for more.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Prelude bindings that leaf generators may refer to.
const PRELUDE: &str = r#"let
  n = 7;
  s = "str";
  xs = [ 1 2 3 ];
  set = { a = 1; b = "two"; c = { d = 4; }; };
  inc = x: x + 1;
  pair = { a, b ? 10 }: a * b;
in "#;

// Integers stay small and trees shallow, so no program overflows 64 bits: Nix 2.8 wraps
// silently there, which portnix deliberately reports instead.
fn int_leaf() -> BoxedStrategy<String> {
    prop_oneof![
        (0i64..50).prop_map(|i| i.to_string()),
        Just("n".to_string()),
        Just("set.a".to_string()),
        Just("set.c.d".to_string()),
        Just("(builtins.length xs)".to_string()),
    ]
    .boxed()
}

fn str_leaf() -> BoxedStrategy<String> {
    prop_oneof![
        "[a-z ]{0,6}".prop_map(|s| format!("\"{s}\"")),
        Just(r#""q\"u\\o\ttab\n""#.to_string()),
        Just("s".to_string()),
        Just("set.b".to_string()),
        Just("''\n  indented\n    more\n''".to_string()),
    ]
    .boxed()
}

fn int_expr(depth: u32) -> BoxedStrategy<String> {
    if depth == 0 {
        return int_leaf();
    }
    let d = depth - 1;
    prop_oneof![
        3 => int_leaf(),
        1 => (int_expr(d), int_expr(d), prop::sample::select(vec!["+", "-", "*", "/"]))
            .prop_map(|(a, b, op)| format!("({a} {op} {b})")),
        1 => (bool_expr(d), int_expr(d), int_expr(d)).prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
        1 => (int_expr(d), int_expr(d)).prop_map(|(a, b)| format!("(let v = {a}; w = v + {b}; in w)")),
        1 => (int_expr(d), int_expr(d)).prop_map(|(a, b)| format!("(with {{ x = {a}; }}; x + {b})")),
        1 => int_expr(d).prop_map(|a| format!("(inc {a})")),
        1 => (int_expr(d), prop::option::of(int_expr(d))).prop_map(|(a, b)| match b {
            Some(b) => format!("(pair {{ a = {a}; b = {b}; }})"),
            None => format!("(pair {{ a = {a}; }})"),
        }),
        1 => list_expr(d).prop_map(|l| format!("(builtins.length {l})")),
        1 => list_expr(d).prop_map(|l| format!("(builtins.foldl' (acc: e: acc + builtins.length [ e ]) 0 {l})")),
        1 => (attrs_expr(d), int_expr(d)).prop_map(|(a, b)| format!("({a}.k or {b})")),
        1 => int_expr(d).prop_map(|a| format!("(rec {{ p = {a}; q = p + 1; }}).q")),
        1 => str_expr(d).prop_map(|s| format!("(builtins.stringLength {s})")),
        1 => any_expr(d).prop_map(|x| format!("(builtins.length (builtins.attrNames {{ v = {x}; }}))")),
    ]
    .boxed()
}

fn bool_expr(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![Just("true".to_string()), Just("false".to_string())];
    if depth == 0 {
        return leaf.boxed();
    }
    let d = depth - 1;
    prop_oneof![
        2 => leaf,
        2 => (int_expr(d), int_expr(d), prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!="]))
            .prop_map(|(a, b, op)| format!("({a} {op} {b})")),
        1 => (bool_expr(d), bool_expr(d), prop::sample::select(vec!["&&", "||", "->", "=="]))
            .prop_map(|(a, b, op)| format!("({a} {op} {b})")),
        1 => bool_expr(d).prop_map(|b| format!("(!{b})")),
        1 => (any_expr(d), any_expr(d)).prop_map(|(a, b)| format!("({a} == {b})")),
        1 => attrs_expr(d).prop_map(|a| format!("({a} ? k)")),
        1 => (int_expr(d), list_expr(d)).prop_map(|(a, l)| format!("(builtins.elem {a} {l})")),
        1 => str_expr(d).prop_map(|s| format!("({s} < \"m\")")),
    ]
    .boxed()
}

fn str_expr(depth: u32) -> BoxedStrategy<String> {
    if depth == 0 {
        return str_leaf();
    }
    let d = depth - 1;
    prop_oneof![
        3 => str_leaf(),
        1 => (str_expr(d), str_expr(d)).prop_map(|(a, b)| format!("({a} + {b})")),
        1 => (str_expr(d), int_expr(d)).prop_map(|(a, b)| format!("\"<${{{a}}}:${{toString {b}}}>\"")),
        1 => any_expr(d).prop_map(|x| format!("(builtins.typeOf {x})")),
        1 => list_expr(d).prop_map(|l| format!("(builtins.toJSON {l})")),
        1 => attrs_expr(d).prop_map(|a| format!("(builtins.toJSON {a})")),
        1 => (str_expr(d), 0i64..5, 0i64..5).prop_map(|(s, a, b)| format!("(builtins.substring {a} {b} {s})")),
        1 => str_expr(d).prop_map(|s| format!("(builtins.replaceStrings [ \"a\" \"o\" ] [ \"4\" \"0\" ] {s})")),
        1 => list_expr(d).prop_map(|l| format!("(builtins.concatStringsSep \",\" (map toString {l}))")),
    ]
    .boxed()
}

fn list_expr(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![Just("[ ]".to_string()), Just("xs".to_string())];
    if depth == 0 {
        return leaf.boxed();
    }
    let d = depth - 1;
    prop_oneof![
        1 => leaf,
        2 => prop::collection::vec(int_expr(d), 0..4).prop_map(|v| format!("[ {} ]", v.join(" "))),
        1 => prop::collection::vec(any_expr(d), 0..3).prop_map(|v| format!("[ {} ]", v.join(" "))),
        1 => (list_expr(d), list_expr(d)).prop_map(|(a, b)| format!("({a} ++ {b})")),
        1 => list_expr(d).prop_map(|l| format!("(map (x: x) {l})")),
        1 => prop::collection::vec(int_expr(d), 0..4)
            .prop_map(|v| format!("(builtins.sort (a: b: a < b) [ {} ])", v.join(" "))),
        1 => prop::collection::vec(int_expr(d), 0..4)
            .prop_map(|v| format!("(builtins.filter (x: x > 5) [ {} ])", v.join(" "))),
        1 => (0i64..5).prop_map(|k| format!("(builtins.genList (i: i * 3) {k})")),
        1 => attrs_expr(d).prop_map(|a| format!("(builtins.attrNames {a})")),
        1 => attrs_expr(d).prop_map(|a| format!("(builtins.attrValues {a})")),
    ]
    .boxed()
}

fn attrs_expr(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![Just("{ }".to_string()), Just("set".to_string())];
    if depth == 0 {
        return leaf.boxed();
    }
    let d = depth - 1;
    let name = prop::sample::select(vec!["k", "a", "b", "port", "\"x y\"", "z.k", "a.b"]);
    prop_oneof![
        1 => leaf,
        3 => prop::collection::vec((name.clone(), any_expr(d)), 0..4).prop_map(|kvs| {
            let body: String = kvs.iter().map(|(k, v)| format!("{k} = {v}; ")).collect();
            format!("{{ {body}}}")
        }),
        1 => (attrs_expr(d), attrs_expr(d)).prop_map(|(a, b)| format!("({a} // {b})")),
        1 => (attrs_expr(d), name).prop_map(|(a, n)| format!("(removeAttrs {a} [ \"{}\" ])", n.trim_matches('"'))),
        1 => attrs_expr(d).prop_map(|a| format!("(builtins.mapAttrs (n: v: n) {a})")),
        1 => int_expr(d).prop_map(|i| format!("(let b = {i}; in {{ inherit b; }})")),
        1 => list_expr(d).prop_map(|l| {
            format!("(builtins.listToAttrs (map (x: {{ name = \"e${{toString x}}\"; value = x; }}) {l}))")
        }),
    ]
    .boxed()
}

fn any_expr(depth: u32) -> BoxedStrategy<String> {
    prop_oneof![
        int_expr(depth),
        bool_expr(depth),
        str_expr(depth),
        list_expr(depth),
        attrs_expr(depth),
        Just("null".to_string()),
        (0u32..100).prop_map(|f| format!("{}.{}", f / 10, f % 10)),
    ]
    .boxed()
}

#[test]
fn random_programs_agree_with_nix() {
    if !common::nix_available() {
        return;
    }
    let cases = std::env::var("PORTNIX_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let dir = tempdir();
    let file = dir.join("prog.nix");
    let mut runner = common::runner(cases);
    let failed_both = std::cell::Cell::new(0u32);
    let total = std::cell::Cell::new(0u32);
    let result = runner.run(&any_expr(3), |expr| {
        let program = format!("{PRELUDE}{expr}\n");
        std::fs::write(&file, &program).expect("write program");
        let ours = common::portnix_eval(&file);
        let theirs = common::nix_eval(&file);
        total.set(total.get() + 1);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) if a == b => Ok(()),
            (Err(_), Err(_)) => {
                failed_both.set(failed_both.get() + 1);
                Ok(())
            }
            _ => Err(TestCaseError::fail(format!(
                "disagreement on\n{program}\nportnix: {ours:?}\nnix:     {theirs:?}"
            ))),
        }
    });
    eprintln!("{} random programs run ({} failed in both evaluators)", total.get(), failed_both.get());
    assert!(total.get() >= cases, "ran {} cases, wanted {cases}", total.get());
    if let Err(e) = result {
        panic!("{e}");
    }
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("portnix-prop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}
