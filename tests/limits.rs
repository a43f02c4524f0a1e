//! Hostile input ends in a clear error with a position: never a panic, a hang or a stack overflow.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

use std::path::Path;

use portnix::eval::{Eval, EvalOptions};

/// Evaluates `text` strictly to JSON; Err holds the rendered diagnostics.
fn eval(text: &str, max_steps: Option<u64>) -> Result<String, String> {
    let text = text.to_string();
    portnix::try_with_big_stack(move || {
        let mut ev = Eval::new(EvalOptions { max_steps, ..EvalOptions::default() });
        let r = ev.eval_text("input.nix", &text, Path::new("/")).and_then(|v| {
            ev.deep_force(&v)?;
            ev.to_json(&v)
        });
        r.map_err(|e| portnix::eval::render_error(&ev, &e))
    })
    .unwrap()
}

fn assert_error(text: &str, code: &str) {
    match eval(text, None) {
        Ok(v) => panic!("expected error[{code}], got {v}"),
        Err(msg) => {
            assert!(msg.contains(&format!("error[{code}]")), "wanted {code}, got:\n{msg}");
            assert!(msg.contains("--> input.nix:"), "no position in:\n{msg}");
        }
    }
}

#[test]
fn unbounded_recursion_is_an_error_in_every_shape() {
    let shapes = [
        "let f = n: 1 + f (n + 1); in f 0",
        "let f = n: builtins.map (x: x) (f (n + 1)); in builtins.length (f 0)",
        "let f = n: builtins.foldl' (a: b: a + b) 0 [ (f (n + 1)) ]; in f 0",
        "let f = n: builtins.head (builtins.sort (a: b: a < b) [ (f (n + 1)) ]); in f 0",
        "let f = n: \"${f (n + 1)}x\"; in f 0",
        "let f = n: (builtins.tryEval (f (n + 1))).value; in f 0",
        "let f = n: (builtins.mapAttrs (k: v: f (n + 1)) { a = 1; }).a; in f 0",
    ];
    for s in shapes {
        assert_error(s, "stack-overflow");
    }
}

#[test]
fn deeply_nested_values_print_or_fail_cleanly() {
    // 200 000 levels of nested sets, built lazily and then forced for printing.
    let err = eval("let f = n: if n == 0 then { } else { a = f (n - 1); }; in f 200000", None).unwrap_err();
    assert!(err.contains("error[stack-overflow]"), "{err}");
    // Moderate depth still works.
    let ok = eval("let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 5000", None).unwrap();
    assert_eq!(ok, "5000");
}

#[test]
fn deeply_nested_syntax_is_a_parse_error() {
    const TOO_DEEP: &str = "error[syntax-error]: brackets, prefix operators, `if`s or attribute paths nested more than 512 levels deep";
    for (open, close) in [("(", "1)"), ("[", "]"), ("{a=", ";}"), ("\"${", "}\"")] {
        let deep = format!("{}{}", open.repeat(100_000), close.repeat(100_000));
        let err = eval(&deep, None).unwrap_err();
        assert!(err.contains(TOO_DEEP), "{err}");
        assert!(err.contains("--> input.nix:1:"), "{err}");
        // After a comment that ends at a lone CR, as Nix reads it, the guard still sees it all.
        let err = eval(&format!("# old Mac line end\r{deep}"), None).unwrap_err();
        assert!(err.contains(TOO_DEEP), "{err}");
        assert!(err.contains("--> input.nix:2:"), "{err}");
    }
    // Nesting below the limit is fine.
    let ok = format!("{}{}", "[".repeat(400), "]".repeat(400));
    assert!(eval(&ok, None).is_ok());
}

#[test]
fn step_budget_stops_long_programs() {
    let slow = "let f = n: if n == 0 then 0 else f (n - 1) + f (n - 1); in f 40";
    let err = eval(slow, Some(100_000)).unwrap_err();
    assert!(err.contains("error[resource-limit]"), "{err}");
}

#[test]
fn huge_allocations_are_refused() {
    assert_error("builtins.length (builtins.genList (x: x) 9000000000000)", "invalid-argument");
}

#[test]
fn unsupported_builtins_say_so_with_a_position() {
    let err = eval("builtins.getEnv \"HOME\"", None).unwrap_err();
    assert!(err.contains("error[unsupported-builtin]: builtins.getEnv is not supported by portnix"), "{err}");
    assert!(err.contains("--> input.nix:1:1"), "{err}");
    let err = eval("builtins.currentSystem", None).unwrap_err();
    assert!(err.contains("builtins.currentSystem is not supported by portnix"), "{err}");
    let err = eval("<nixpkgs>", None).unwrap_err();
    assert!(err.contains("search path <nixpkgs> is not supported"), "{err}");
}

#[test]
fn integer_overflow_is_reported_not_wrapped() {
    assert_error("9223372036854775807 + 1", "integer-overflow");
    assert_error("(-9223372036854775807 - 1) / (-1)", "integer-overflow");
}

#[test]
fn runaway_growth_meets_the_command_lines_budget() {
    // A string that doubles 40 times would need a terabyte; the CLI's budget ends it early.
    let dir = std::env::temp_dir().join(format!("portnix-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("boom.nix");
    std::fs::write(
        &file,
        "let f = n: if n == 0 then \"a\" else let s = f (n - 1); in s + s; in builtins.stringLength (f 40)\n",
    )
    .unwrap();
    let out = portnix::try_with_big_stack(move || {
        portnix::eval::eval_to_json(&file, &Default::default()).map_err(|e| e.render())
    })
    .unwrap();
    let err = out.unwrap_err();
    assert!(err.contains("error[resource-limit]"), "{err}");
}

#[test]
fn long_prefix_operator_chains_end_at_once() {
    // rnix took 29.8 s on 10^5 minus signs (and 12.2 s on as many `!`): rowan's cost grows with
    // the square of the nesting.
    for (op, last) in [("- ", "1"), ("! ", "true")] {
        let text = format!("{{ a = {}{last}; }}", op.repeat(100_000));
        let start = std::time::Instant::now();
        let err = eval(&text, None).unwrap_err();
        // A hang guard, not a timing: scripts/bench-hostile measures these.
        assert!(start.elapsed() < std::time::Duration::from_secs(60), "{op}: {:?}", start.elapsed());
        assert!(err.contains("nested more than 512 levels deep"), "{err}");
        assert!(err.contains("--> input.nix:1:"), "{err}");
    }
    assert_eq!(eval("let x = - - 1; y = !!true; in [ x y (1 - -2) ]", None).unwrap(), "[1,true,3]");
}

#[test]
fn an_if_chain_of_a_million_ends_at_once() {
    let text = format!("{}1", "if true then 1 else ".repeat(1_000_000));
    let start = std::time::Instant::now();
    let err = eval(&text, None).unwrap_err();
    // A hang guard, not a timing: scripts/bench-hostile measures these.
    assert!(start.elapsed() < std::time::Duration::from_secs(60), "{:?}", start.elapsed());
    assert!(err.contains("nested more than 512 levels deep"), "{}", &err[..err.len().min(400)]);
    // A long but flat run of ifs, each in its own binding, is fine.
    let flat: String = (0..2000).map(|i| format!("a{i} = if true then {i} else 0; ")).collect();
    assert!(eval(&format!("{{ {flat} }}"), None).is_ok());
}

/// The memory bombs an adversarial run found: each must end in `resource-limit`, not in the
/// kernel's out-of-memory killer. Peak memory is read from the child's rusage.
#[test]
fn memory_bombs_end_in_a_resource_limit() {
    let bombs = [
        ("shared", {
            let mut s = String::from("let\n");
            for i in 0..60 {
                s.push_str(&format!("  x{i} = {{ a = x{n}; b = x{n}; }};\n", n = i + 1));
            }
            s.push_str("  x60 = 1;\nin { cat = x0; }\n");
            s
        }),
        ("replace", format!("let s = \"{}\"; in {{ x = builtins.stringLength (builtins.replaceStrings [ \"a\" ] [ s ] s); }}\n", "a".repeat(100_000))),
        ("concatMap", "{ x = builtins.length (builtins.concatMap (i: builtins.genList (j: j) 10000000) (builtins.genList (i: i) 100000)); }\n".into()),
        ("concatLists", "let l = builtins.genList (j: j) 100000; in { x = builtins.length (builtins.concatLists (builtins.genList (i: l) 100000)); }\n".into()),
        ("doubling", "let f = n: l: if n == 0 then l else f (n - 1) (l ++ l); in { x = builtins.length (f 40 [ 1 ]); }\n".into()),
        ("toJSON", "let f = n: l: if n == 0 then l else f (n - 1) [ l l ]; in { x = builtins.stringLength (builtins.toJSON (f 60 [ 1 ])); }\n".into()),
    ];
    for (name, text) in bombs {
        let dir = std::env::temp_dir().join(format!("portnix-bomb-{}-{name}", std::process::id()));
        std::fs::create_dir_all(dir.join("lib")).unwrap();
        std::fs::write(dir.join("flake.nix"), "{ }\n").unwrap();
        std::fs::write(dir.join("lib/ports.nix"), &text).unwrap();
        for args in [&["check"][..], &["eval", "lib/ports.nix"]] {
            // GNU time reports the child's peak resident memory (scripts/test installs it).
            let peak_file = dir.join("peak");
            let out = std::process::Command::new("/usr/bin/time")
                .args(["-f", "%M", "-o"])
                .arg(&peak_file)
                .arg(env!("CARGO_BIN_EXE_portnix"))
                .args(args)
                .current_dir(&dir)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{name} {args:?}: {err}");
            assert!(err.contains("error[resource-limit]"), "{name} {args:?}: {err}");
            let peak_kib: u64 =
                std::fs::read_to_string(&peak_file).unwrap().trim().lines().last().unwrap().parse().unwrap();
            assert!(peak_kib < 1 << 20, "{name} {args:?}: peak {peak_kib} KiB");
        }
    }
}

/// `deepSeq` forces each value once, as Nix does, so a value that shares its parts 2^60 times
/// is forced at once (Nix 2.8 gives 1 too), where printing it is the bomb above.
#[test]
fn deep_seq_on_shared_parts_is_quick() {
    let text = "let f = n: l: if n == 0 then l else f (n - 1) [ l l ]; in { x = builtins.deepSeq (f 60 [ 1 ]) 1; }\n";
    let dir = std::env::temp_dir().join(format!("portnix-shared-deepseq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("flake.nix"), "{ }\n").unwrap();
    std::fs::write(dir.join("shared.nix"), text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_portnix"))
        .args(["eval", "shared.nix"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{\"x\":1}", "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn an_address_space_limit_ends_in_an_error_not_an_abort() {
    let dir = std::env::temp_dir().join(format!("portnix-ulimit-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("flake.nix"), "{ }\n").unwrap();
    let mut bomb = String::from("let\n");
    for i in 0..60 {
        bomb.push_str(&format!("  x{i} = {{ a = x{n}; b = x{n}; }};\n", n = i + 1));
    }
    bomb.push_str("  x60 = 1;\nin { cat = x0; }\n");
    std::fs::write(dir.join("lib/ports.nix"), bomb).unwrap();
    let bin = env!("CARGO_BIN_EXE_portnix");
    // Too tight for the evaluator's stack, then tight for the bomb: errors, never SIGABRT.
    for (kib, says) in
        [("1000000", "cannot start the evaluator's thread"), ("3500000", "error[resource-limit]")]
    {
        let out = std::process::Command::new("bash")
            .args(["-c", &format!("ulimit -v {kib}; exec {bin} check")])
            .current_dir(&dir)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "ulimit -v {kib}: {err}");
        assert!(err.contains(says), "ulimit -v {kib}: {err}");
    }
}

#[test]
fn an_attribute_path_of_a_hundred_thousand_names_ends_at_once() {
    // A million names built a million nested sets (1.7 GB) before the depth check said no.
    // Spaced, so that the run scan (see `long_runs_without_spaces_end_at_once`) lets it through.
    let text = format!("{{ {} = 1; }}", vec!["a"; 100_000].join(" . "));
    let err = eval(&text, None).unwrap_err();
    assert!(
        err.contains("attribute paths nested more than 512 levels deep"),
        "{}",
        &err[..err.len().min(400)]
    );
    assert_eq!(
        eval("{ a.b.c.d = 1; x = { y.z = 2; }; }", None).unwrap(),
        r#"{"a":{"b":{"c":{"d":1}}},"x":{"y":{"z":2}}}"#
    );
}

/// A 200 MB registry took 10 s and 3.1 GB in `check`, and 27.7 s and 4.6 GB in `add`. Its
/// bytes are paid from the budget before they are read, so it is refused at once, and so is an
/// import of one. The file is sparse: it is never read, so its contents do not matter.
#[test]
fn a_registry_larger_than_the_budget_is_refused_before_it_is_read() {
    let dir = std::env::temp_dir().join(format!("portnix-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::File::create(dir.join("huge.nix")).unwrap().set_len(200 << 20).unwrap();
    std::fs::write(dir.join("ports.nix"), "{ web = 8080; more = import ./huge.nix; }\n").unwrap();
    for (registry, at) in [("huge.nix", None), ("ports.nix", Some("ports.nix:1:"))] {
        for command in [&["check"][..], &["add", "web2"][..]] {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_portnix"))
                .args(command)
                .arg("--registry")
                .arg(dir.join(registry))
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command:?} {registry}: {err}");
            assert!(err.contains("error[resource-limit]") && err.contains("huge.nix' is 200 MiB"), "{err}");
            if let Some(at) = at {
                assert!(err.contains(at), "the import is located: {err}");
            }
        }
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("ports.nix")).unwrap(),
        "{ web = 8080; more = import ./huge.nix; }\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// rnix's tokenizer reads ahead over the rest of a run of name and operator characters at
/// every token in it: `a+a+…` of 200 KB took 98 s and of 800 KB more than 120 s, and a dotted
/// path of 10 MB 20 s. Such runs are refused before rnix sees them; the same characters in
/// strings and comments, where rnix does not read ahead, are fine.
#[test]
fn long_runs_without_spaces_end_at_once() {
    for (what, run) in [
        ("a sum", vec!["a"; 400_000].join("+")),
        ("a select", vec!["a"; 100_000].join(".")),
        ("a difference of numbers", vec!["1"; 400_000].join("-")),
    ] {
        let start = std::time::Instant::now();
        let err =
            eval(&format!("let a = {{ a = 1; }} // {{ a = 1; }}; in {{ x = {run}; }}"), None).unwrap_err();
        // A hang guard, not a timing: scripts/bench-hostile measures these.
        assert!(start.elapsed() < std::time::Duration::from_secs(60), "{what}: {:?}", start.elapsed());
        assert!(err.contains("with no space between them"), "{what}: {}", &err[..err.len().min(300)]);
        assert!(err.contains("--> input.nix:1:"), "{what}: {}", &err[..err.len().min(300)]);
    }
    let blob = vec!["a"; 400_000].join("+");
    let text = format!(
        "# {blob}\n/* {blob} */ {{ s = \"{blob}\"; i = ''{blob}''; t = \"${{\"{blob}\"}}\"; n = 1+2+3; }}"
    );
    let out = eval(&format!("builtins.stringLength ({text}).t + ({text}).n"), None).unwrap();
    assert_eq!(out, (blob.len() + 6).to_string());
    // A long sum is read when it is short enough to read quickly.
    let sum = vec!["1"; 2_000].join("+");
    assert_eq!(eval(&sum, None).unwrap(), "2000");
}

/// Paying for a file's bytes can also trip the memory check; that is reported as memory, not
/// blamed on the file's size.
#[test]
fn a_file_within_the_budget_is_never_blamed_for_memory() {
    let dir = std::env::temp_dir().join(format!("portnix-file-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ports.nix");
    std::fs::write(&file, format!("# {}\n{{ web = 8080; }}\n", "x".repeat(2 << 20))).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_portnix"))
        .args(["check", "--max-memory", "1", "--registry"])
        .arg(&file)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("grew past 1 MiB of memory"), "{err}");
    assert!(!err.contains("evaluation budget"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Nix's own eval-fail tests: `toJSON-stack-overflow` (a 100 000-level linked list, which Nix
/// 2.8 cannot print either; it overflows past about 60 500 levels), and
/// `fromJSON-valueWithNullByte` / `fromTOML-valueWithNullByte`, where 2.8 cuts the string at
/// the NUL (so its length, `==` and hash would differ from the text) and later Nix refuses.
#[test]
fn what_nix_refuses_or_reads_differently_is_an_error() {
    let linked = |n: u32| {
        format!(
            "let long = builtins.genList (x: x) {n}; list = builtins.foldl' (tail: head: {{ inherit head tail; }}) null long; in builtins.stringLength (builtins.toJSON list)"
        )
    };
    assert_error(&linked(100_000), "stack-overflow");
    // As deep as Nix 2.8 prints, it prints.
    assert!(eval(&linked(50_000), None).is_ok());
    assert_error(r#"builtins.fromJSON "\"a\\u0000b\"""#, "invalid-json");
    assert_error(r#"(builtins.fromTOML "x = \"a\\u0000b\"").x"#, "invalid-argument");
    // Without a NUL, the escapes read as before.
    assert_eq!(eval(r#"builtins.fromJSON "\"a\\u0001b\"""#, None).unwrap(), r#""a\u0001b""#);
}
