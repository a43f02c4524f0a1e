//! The edit fuzzer: random valid layouts (blocks on one line and on many, several bindings a
//! line, braces closing on a binding's line, dotted keys, comments, CRLF, tabs; a config that
//! imports the registry and interpolates a port by `let`, `with` or `inherit`) and random
//! `add`, `rm`, `mv` and `set` edits on them, through the commands' own plans (locate, edit,
//! prove). Every edit must either be refused or give a file that rnix parses and that
//! evaluates, read independently here, to the old registry plus exactly that change.
//!
//! `PORTNIX_EDIT_FUZZ_CASES=N` runs more cases; `PORTNIX_PROPTEST_SEED=random` new ones.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use portnix::edit::plan::{self, Context};
use portnix::registry::path::quote_segment;
use portnix::registry::{LoadOptions, Protocol, load};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

#[derive(Clone, Debug)]
struct Category {
    name: String,
    services: Vec<(String, i64)>,
    /// `cat.a = 1;` bindings at the top level instead of a block.
    dotted: bool,
    /// Separators: after `{`, between bindings (one per gap), before `}`.
    open: usize,
    gaps: Vec<usize>,
    close: usize,
}

#[derive(Clone, Debug)]
struct Layout {
    categories: Vec<Category>,
    open: usize,
    gaps: Vec<usize>,
    close: usize,
    indent: &'static str,
    crlf: bool,
    /// The set inside `let ... in`, as registries with shared bases are written.
    wrapped: bool,
    /// The config beside it: none (0), or one that imports the registry and interpolates the
    /// port of entry `referenced` into a process command, by `let ports = import` (1), `with`
    /// (2) or `let inherit (import ...) category` (3), as configs are written.
    config: usize,
    referenced: usize,
}

/// Between two bindings: a space, a new line, a trailing comment, a comment line.
fn gap(kind: usize, indent: &str) -> String {
    match kind % 4 {
        0 => " ".into(),
        1 => format!("\n{indent}"),
        2 => format!(" # note\n{indent}"),
        _ => format!("\n{indent}# a comment line\n{indent}"),
    }
}

fn render(l: &Layout) -> String {
    let (i1, i2) = (l.indent.to_string(), l.indent.repeat(2));
    let mut bindings = Vec::new();
    for c in &l.categories {
        if c.dotted {
            for (s, p) in &c.services {
                bindings.push(format!("{}.{} = {p};", c.name, quote_segment(s)));
            }
            continue;
        }
        let mut b = format!(
            "{} = {{{}",
            c.name,
            if c.open.is_multiple_of(2) { " ".into() } else { format!("\n{i2}") }
        );
        for (k, (s, p)) in c.services.iter().enumerate() {
            if k > 0 {
                b.push_str(&gap(c.gaps[k % c.gaps.len()], &i2));
            }
            b.push_str(&format!("{} = {p};", quote_segment(s)));
        }
        b.push_str(&if c.close.is_multiple_of(2) { " ".into() } else { format!("\n{i1}") });
        b.push_str("};");
        bindings.push(b);
    }
    let mut out = String::from("# a registry\n");
    if l.wrapped {
        out.push_str(&format!("let\n{i1}unused = 1;\nin\n"));
    }
    out.push('{');
    out.push_str(&if l.open.is_multiple_of(2) { " ".into() } else { format!("\n{i1}") });
    for (k, b) in bindings.iter().enumerate() {
        if k > 0 {
            out.push_str(&gap(l.gaps[k % l.gaps.len()], &i1));
        }
        out.push_str(b);
    }
    out.push_str(if l.close.is_multiple_of(2) { " }\n" } else { "\n}\n" });
    if l.crlf { out.replace('\n', "\r\n") } else { out }
}

fn layout() -> impl Strategy<Value = Layout> {
    let service_names = prop::sample::subsequence(
        vec!["api", "db", "grpc", "metrics", "queue", "web", "web-1", "v1.api"],
        1..5,
    );
    let category = (
        prop::sample::select(vec!["apps", "data", "infra", "otel", "tools"]),
        service_names,
        prop::bool::weighted(0.2),
        0..2usize,
        prop::collection::vec(0..4usize, 1..4),
        0..2usize,
    )
        .prop_map(|(name, services, dotted, open, gaps, close)| Category {
            name: name.to_string(),
            services: services.into_iter().map(|s| (s.to_string(), 0)).collect(),
            dotted,
            open,
            gaps,
            close,
        });
    (
        prop::collection::vec(category, 1..4),
        0..2usize,
        prop::collection::vec(0..4usize, 1..4),
        0..2usize,
        prop::sample::select(vec!["  ", "    ", "\t"]),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.2),
        (0..4usize, any::<usize>()),
    )
        .prop_map(|(mut categories, open, gaps, close, indent, crlf, wrapped, (config, referenced))| {
            categories.sort_by(|a, b| a.name.cmp(&b.name));
            categories.dedup_by(|a, b| a.name == b.name);
            let mut port = 20000;
            for c in &mut categories {
                for s in &mut c.services {
                    s.1 = port;
                    port += 1;
                }
            }
            Layout { categories, open, gaps, close, indent, crlf, wrapped, config, referenced }
        })
}

/// The entry the config interpolates, and the config's text.
fn config_of(l: &Layout) -> Option<(Vec<String>, String)> {
    let entries: Vec<Vec<String>> = model(l).into_keys().collect();
    let path = entries[l.referenced % entries.len()].clone();
    let (c, s) = (&path[0], quote_segment(&path[1]));
    // The path as portnix writes it (`apps."v1.api"`), inside a Nix string.
    let dotted = format!("{}.{}", path[0], quote_segment(&path[1])).replace('"', "\\\"");
    let process = |selection: &str| {
        format!(
            "processes.srv = {{\n    command = \"srv --port ${{toString {selection}}}\";\n    serves = [ \"{dotted}\" ];\n  }};"
        )
    };
    let text = match l.config {
        0 => return None,
        1 => format!(
            "let\n  ports = import ./ports.nix;\nin\n{{\n  {}\n}}\n",
            process(&format!("ports.{c}.{s}"))
        ),
        2 => format!("with import ./ports.nix;\n{{\n  {}\n}}\n", process(&format!("{c}.{s}"))),
        _ => format!(
            "let\n  inherit (import ./ports.nix) {c};\nin\n{{\n  {}\n}}\n",
            process(&format!("{c}.{s}"))
        ),
    };
    Some((path, text))
}

#[derive(Clone, Debug)]
enum Op {
    Add { category: usize, new_category: bool, name: usize },
    Rm { pick: usize },
    Mv { pick: usize, category: usize, new_category: bool, name: usize },
    Set { pick: usize, port: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<usize>(), prop::bool::weighted(0.3), any::<usize>())
            .prop_map(|(category, new_category, name)| Op::Add { category, new_category, name }),
        any::<usize>().prop_map(|pick| Op::Rm { pick }),
        (any::<usize>(), any::<usize>(), prop::bool::weighted(0.3), any::<usize>())
            .prop_map(|(pick, category, new_category, name)| Op::Mv { pick, category, new_category, name }),
        (any::<usize>(), 30000..30100i64).prop_map(|(pick, port)| Op::Set { pick, port }),
    ]
}

const NEW_NAMES: &[&str] = &["alpha", "mid", "zulu", "newsvc", "aaa", "v2.api", "has space"];

type Model = BTreeMap<Vec<String>, i64>;

fn model(l: &Layout) -> Model {
    let mut m = Model::new();
    for c in &l.categories {
        for (s, p) in &c.services {
            m.insert(vec![c.name.clone(), s.clone()], *p);
        }
    }
    m
}

/// The file's value read back by portnix's evaluator on its own, as `path -> port`.
fn read_back(dir: &Path, text: &str) -> Result<Model, String> {
    let (dir, text) = (dir.to_path_buf(), text.to_string());
    let json = portnix::try_with_big_stack(move || {
        let mut ev = portnix::eval::Eval::new(Default::default());
        let v = ev.eval_text("edited.nix", &text, &dir).map_err(|e| portnix::eval::render_error(&ev, &e))?;
        ev.deep_force(&v).map_err(|e| portnix::eval::render_error(&ev, &e))?;
        ev.to_json(&v).map_err(|e| portnix::eval::render_error(&ev, &e))
    })
    .unwrap()?;
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut m = Model::new();
    for (c, services) in value.as_object().unwrap() {
        for (s, p) in services.as_object().ok_or("a category that is not a set")? {
            m.insert(vec![c.clone(), s.clone()], p.as_i64().ok_or("a port that is not an int")?);
        }
    }
    Ok(m)
}

#[derive(Default, Debug)]
struct Tally {
    accepted: usize,
    refused: BTreeMap<String, usize>,
    by_nix: usize,
    /// `set` edits whose every byte outside the one number was checked unchanged.
    set_bytes: usize,
    /// Accepted edits of layouts whose config interpolates the registry, read back.
    configs: usize,
}

fn run_case(l: &Layout, op: &Op, tally: &mut Tally, with_nix: bool) -> Result<(), TestCaseError> {
    let text = render(l);
    let config = config_of(l);
    let dir = common::project("edit-fuzz", &text, config.as_ref().map(|(_, c)| c.as_str()));
    let registry = dir.join("lib/ports.nix");
    let options = LoadOptions { registry: Some(registry.clone()), ..LoadOptions::default() };
    let project = load(&options)
        .map_err(|e| TestCaseError::fail(format!("the layout loads:\n{text}\n{}", e.render())))?;
    let before = model(l);
    let entries: Vec<&Vec<String>> = before.keys().collect();
    let pick = |i: usize| entries[i % entries.len()].clone();
    let dest = |category: usize, new_category: bool, name: usize| {
        let c = if new_category {
            "zzz".to_string()
        } else {
            l.categories[category % l.categories.len()].name.clone()
        };
        vec![c, NEW_NAMES[name % NEW_NAMES.len()].to_string()]
    };
    let cx = Context::new(&project, &options);
    let mut want = before.clone();
    let planned = match op {
        Op::Add { category, new_category, name } => {
            let path = dest(*category, *new_category, *name);
            if before.contains_key(&path) {
                return Ok(());
            }
            want.insert(path.clone(), 40000);
            plan::add(&cx, &path, 40000, Protocol::Tcp)
        }
        Op::Rm { pick: i } => {
            let path = pick(*i);
            want.remove(&path);
            plan::rm(&cx, &path, false)
        }
        Op::Set { pick: i, port } => {
            let path = pick(*i);
            want.insert(path.clone(), *port);
            plan::set(&cx, &path, None, *port)
        }
        Op::Mv { pick: i, category, new_category, name } => {
            let (from, to) = (pick(*i), dest(*category, *new_category, *name));
            if before.contains_key(&to) {
                return Ok(());
            }
            let port = want.remove(&from).unwrap();
            want.insert(to.clone(), port);
            plan::mv(&cx, &from, &to)
        }
    };
    let edits = match planned {
        Ok(plan) => plan.edits,
        Err(e) => {
            let why = e.to_string();
            let kind = [
                "unparsable",
                "more than intended",
                "would not evaluate",
                "is computed",
                "already exists",
                "the config still names",
                "beyond the references",
            ]
            .into_iter()
            .find(|k| why.contains(k))
            .map_or_else(|| why.lines().next().unwrap_or("").to_string(), str::to_string);
            *tally.refused.entry(kind).or_default() += 1;
            return Ok(());
        }
    };
    tally.accepted += 1;
    let registry_edit = edits.iter().find(|e| e.file.ends_with("ports.nix"));
    let after = registry_edit.map_or(&text, |e| &e.after);
    // The config as the edit leaves it, read by the evaluator on its own: the interpolated
    // command says the port the referenced entry has now, under whatever name it has now.
    if let Some((referenced, _)) = &config {
        for e in &edits {
            std::fs::write(&e.file, &e.after).unwrap();
        }
        let now = match op {
            Op::Mv { .. } if !want.contains_key(referenced) => {
                want.iter().find(|(k, _)| !before.contains_key(*k)).map(|(k, _)| k.clone())
            }
            _ => Some(referenced.clone()),
        };
        let json = common::portnix_eval(&dir.join("lib/portnix.nix")).map_err(TestCaseError::fail)?;
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let port = now.as_ref().and_then(|p| want.get(p)).copied();
        let command = value["processes"]["srv"]["command"].as_str().unwrap_or_default().to_string();
        prop_assert_eq!(command, format!("srv --port {}", port.unwrap_or_default()), "{:?} on\n{}", op, text);
        let serves = value["processes"]["srv"]["serves"][0].as_str().unwrap_or_default().to_string();
        let written = now.map(|p| format!("{}.{}", p[0], quote_segment(&p[1]))).unwrap_or_default();
        prop_assert_eq!(serves, written);
        tally.configs += 1;
    }
    let parsed = rnix::Root::parse(after);
    prop_assert!(parsed.errors().is_empty(), "accepted but unparsable: {:?}\n{after}", parsed.errors());
    let got = read_back(&dir.join("lib"), after).map_err(|e| TestCaseError::fail(format!("{e}\n{after}")))?;
    prop_assert_eq!(&got, &want, "{:?} on\n{}\ngave\n{}", op, text, after);
    if let Op::Set { .. } = op {
        // `set` rewrites one number: what differs is one run of digits, every other byte stays.
        let (a, b) = (text.as_bytes(), after.as_bytes());
        let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        let room = a.len().min(b.len()) - prefix;
        let suffix = a.iter().rev().zip(b.iter().rev()).take(room).take_while(|(x, y)| x == y).count();
        let (old, new) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
        prop_assert!(
            old.iter().chain(new).all(u8::is_ascii_digit),
            "set changed more than one number: {:?} became {:?}",
            String::from_utf8_lossy(old),
            String::from_utf8_lossy(new)
        );
        tally.set_bytes += 1;
    }
    if l.crlf {
        let lf = after.matches('\n').count();
        prop_assert_eq!(lf, after.matches("\r\n").count(), "a bare LF in a CRLF file:\n{:?}", after);
    }
    if with_nix {
        let file = dir.join("lib/edited.nix");
        std::fs::write(&file, after).unwrap();
        let nix = common::nix_eval(&file).map_err(TestCaseError::fail)?;
        let ours = common::portnix_eval(&file).map_err(TestCaseError::fail)?;
        prop_assert_eq!(nix.trim(), ours.trim(), "real Nix reads the edit differently");
        tally.by_nix += 1;
    }
    Ok(())
}

#[test]
fn every_edit_refuses_or_gives_exactly_old_plus_change() {
    let cases = std::env::var("PORTNIX_EDIT_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1500);
    let nix = common::nix_available();
    let mut runner = common::runner(cases);
    let tally = std::cell::RefCell::new(Tally::default());
    let count = std::cell::Cell::new(0usize);
    let result = runner.run(&(layout(), op()), |(l, op)| {
        count.set(count.get() + 1);
        // Real Nix reads one accepted edit in fifty too: the independent reader must agree.
        run_case(&l, &op, &mut tally.borrow_mut(), nix && count.get().is_multiple_of(50))
    });
    let tally = tally.into_inner();
    eprintln!(
        "{} cases: {} edits accepted and proven ({} sets changed one number and nothing else, {} with a config that interpolates the registry), {} read by real Nix; refused: {:?}",
        count.get(),
        tally.accepted,
        tally.set_bytes,
        tally.configs,
        tally.by_nix,
        tally.refused
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    // The registry's own answer (an entry the config still names, one already there) is right;
    // what counts against the editor is a layout it could not edit.
    let refused: usize = tally
        .refused
        .iter()
        .filter(|(k, _)| !k.contains("still names") && !k.contains("already"))
        .map(|(_, n)| n)
        .sum();
    assert!(refused * 20 <= tally.accepted, "too many refusals: {:?}", tally.refused);
    assert!(tally.set_bytes * 8 >= tally.accepted, "too few set edits: {}", tally.set_bytes);
    assert!(
        tally.configs * 3 >= tally.accepted,
        "too few layouts with an interpolating config: {}",
        tally.configs
    );
}
