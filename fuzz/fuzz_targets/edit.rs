//! The edit commands' plans on arbitrary registry text: whenever the text loads as a registry,
//! `add`, `rm`, `mv` and `set` on its entries either refuse or give text that evaluates, read
//! independently, to the old entries plus exactly the change.
#![no_main]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use portnix::edit::plan::{self, Context};
use portnix::registry::{LoadOptions, PortValue, Protocol, load};

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("portnix-fuzz-edit-{}", std::process::id()));
    std::fs::create_dir_all(d.join("lib")).unwrap();
    std::fs::write(d.join("flake.nix"), "{ }\n").unwrap();
    d
}

/// path -> value, by evaluating `text` with a fresh evaluator.
fn read_back(text: &str, dir: &Path) -> Option<BTreeMap<Vec<String>, PortValue>> {
    std::fs::write(dir.join("lib/check.nix"), text).ok()?;
    let opts = LoadOptions { registry: Some(dir.join("lib/check.nix")), ..LoadOptions::default() };
    let p = load(&opts).ok()?;
    Some(p.entries.iter().map(|e| (e.path.iter().map(|s| s.to_string()).collect(), e.value.clone())).collect())
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let text = text.to_string();
    portnix::try_with_big_stack(move || {
        let dir = dir();
        let registry = dir.join("lib/ports.nix");
        std::fs::write(&registry, &text).unwrap();
        let options = LoadOptions { registry: Some(registry.clone()), ..LoadOptions::default() };
        let Ok(project) = load(&options) else { return };
        if project.entries.is_empty() {
            return;
        }
        let before: BTreeMap<Vec<String>, PortValue> =
            project.entries.iter().map(|e| (e.path.iter().map(|s| s.to_string()).collect(), e.value.clone())).collect();
        let pick: Vec<String> = project.entries[choice as usize % project.entries.len()].path.iter().map(|s| s.to_string()).collect();
        let mut fresh = pick.clone();
        *fresh.last_mut().unwrap() = format!("fz{choice}");
        let cx = Context::new(&project, &options);
        let mut want = before.clone();
        let planned = match choice % 4 {
            0 => {
                if want.contains_key(&fresh) {
                    return;
                }
                want.insert(fresh.clone(), PortValue::of_int(40000));
                plan::add(&cx, &fresh, 40000, Protocol::Tcp)
            }
            1 => {
                want.remove(&pick);
                plan::rm(&cx, &pick, false)
            }
            2 => {
                if want.contains_key(&fresh) {
                    return;
                }
                let v = want.remove(&pick).unwrap();
                want.insert(fresh.clone(), v);
                plan::mv(&cx, &pick, &fresh)
            }
            _ => {
                want.insert(pick.clone(), PortValue::of_int(40001));
                plan::set(&cx, &pick, None, 40001)
            }
        };
        let Ok(plan) = planned else { return };
        // Single-file registries: the one edit is the registry's new text.
        if let [edit] = plan.edits.as_slice() {
            let got = read_back(&edit.after, &dir).expect("an accepted edit evaluates");
            assert_eq!(got, want, "edit of {pick:?} on\n{text}\ngave\n{}", edit.after);
        }
    }).unwrap();
});
