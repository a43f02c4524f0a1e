//! Parse, lower and evaluate arbitrary text: any outcome but a panic, hang or crash is fine.
//! Where the fast parser accepts the text, its IR must equal the rnix path's.
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use portnix::eval::{Eval, EvalOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // libFuzzer's threads have small stacks; the evaluator needs its own, as in the CLI.
    let text = text.to_string();
    portnix::try_with_big_stack(move || {
        let options = EvalOptions {
            project_root: Some(PathBuf::from("/nonexistent-fuzz-root")),
            allow_outside_root: false,
            // High enough to reach the blowups the budget exists for; with the memory ceiling
            // below libFuzzer's -rss_limit_mb, they must end in resource-limit, not a crash.
            max_steps: Some(20_000_000),
            max_memory: Some(1 << 30),
            ..EvalOptions::default()
        };
        let mut eval = Eval::new(options.clone());
        if let (Some(fast), rnix) = eval.both_front_ends(&text, Path::new("/nonexistent-fuzz-root")) {
            assert_eq!(Some(fast), rnix, "the front ends disagree");
        }
        let mut eval = Eval::new(options);
        let result = eval.eval_text("fuzz.nix", &text, Path::new("/nonexistent-fuzz-root")).and_then(|v| {
            eval.deep_force(&v)?;
            eval.to_json(&v)
        });
        // Rendering must not panic either, whatever spans the error carries.
        if let Err(e) = result {
            let _ = portnix::eval::render_error(&eval, &e);
        }
    }).unwrap();
});
