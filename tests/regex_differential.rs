//! `match` and `split` against Nix 2.8 on random patterns built to reach where POSIX and
//! leftmost-first engines part (alternatives of different lengths, optional groups, classes):
//! repeated groups with captures inside; every case portnix does not decline must give Nix's
//! value, and most cases must be taken.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use common::Rng;

const ATOMS: &[&str] = &[
    "a",
    "b",
    ".",
    "[ab]",
    "[^a]",
    "(a)",
    "(b|a)",
    "(ab)",
    "(a|ab)",
    "(a*)",
    "(a|b)*",
    "[[:alpha:]]",
    "x",
    "(c|bcd)",
    "(a+)",
    "(ab|a)(bc|c)?",
    "[]a]",
    "\\.",
    "(x|xa|xab)",
    "(\\.a*)",
    "((a)|b)",
    "(a(b)?)",
    "([ab]x*)",
    "((a|b)c)",
];
const QUANTIFIERS: &[&str] = &["", "", "", "*", "+", "?", "{1,2}", "{2}", "{0,}"];

#[test]
fn match_and_split_agree_with_nix_wherever_portnix_takes_the_pattern() {
    if !common::nix_available() {
        return;
    }
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let dir = std::env::temp_dir().join(format!("portnix-regex-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("case.nix");
    let (mut total, mut taken) = (0, Vec::new());
    for _ in 0..1000 {
        let mut pattern: String =
            (0..1 + rng.next(4)).map(|_| format!("{}{}", rng.pick(ATOMS), rng.pick(QUANTIFIERS))).collect();
        if rng.next(5) == 0 {
            pattern = format!("{pattern}|{}", rng.pick(ATOMS));
        }
        let subject: String = (0..rng.next(8)).map(|_| rng.pick(&["a", "b", "c", "d", "x", "."])).collect();
        for builtin in ["match", "split"] {
            let expr =
                format!("builtins.{builtin} {} {}", serde_json::json!(pattern), serde_json::json!(subject));
            std::fs::write(&file, &expr).unwrap();
            total += 1;
            match common::portnix_eval(&file) {
                Ok(json) => taken.push((expr, json)),
                // Declined, never approximated; an invalid pattern must be one for Nix too.
                Err(e) => assert!(
                    e.contains("error[unsupported]") || e.contains("invalid regular expression"),
                    "{expr}: {e}"
                ),
            }
        }
    }
    let all = dir.join("all.nix");
    std::fs::write(
        &all,
        format!("[\n{}\n]\n", taken.iter().map(|(e, _)| format!("({e})")).collect::<Vec<_>>().join("\n")),
    )
    .unwrap();
    let nix: Vec<serde_json::Value> = serde_json::from_str(&common::nix_eval(&all).unwrap()).unwrap();
    let mut differ = Vec::new();
    for ((expr, ours), theirs) in taken.iter().zip(&nix) {
        let ours: serde_json::Value = serde_json::from_str(ours).unwrap();
        if &ours != theirs {
            differ.push(format!("{expr}: portnix {ours}, nix {theirs}"));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    eprintln!("{total} cases, {} taken, {} differ", taken.len(), differ.len());
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    assert!(taken.len() * 3 >= total, "only {} of {total} cases taken", taken.len());
}
