//! The registry and config evaluated by the real `nix-instantiate`, for what portnix's own
//! evaluator declines. A wrapper calls the registry as portnix would (the config's `args`,
//! `--arg`, `--argstr`, a `lib` from nixpkgs) and walks the value, asking Nix for the position
//! of every attribute (`builtins.unsafeGetAttrPos`), so findings keep their file:line:col.
//!
//! Nix runs under the confinement portnix's evaluator keeps: restricted evaluation with the
//! project root (and a nixpkgs the user named) as the only readable paths, none of the
//! caller's NIX_PATH, no URIs, nothing written to the store, and a time limit.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::data::{Data, Node};
use super::load::{AutoArg, LoadError};
use super::path::nix_string;
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::syntax::{LineIndex, Sources};

/// How long nix-instantiate may run before it is stopped, unless the caller says otherwise.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

pub(crate) struct NixRun<'a> {
    pub(crate) registry: &'a Path,
    pub(crate) config: Option<&'a Path>,
    /// The only directory Nix may read, with `nixpkgs`; `None` with `--allow-outside-root`.
    pub(crate) root: Option<&'a Path>,
    pub(crate) args: &'a [(String, AutoArg)],
    pub(crate) nixpkgs: Option<PathBuf>,
    pub(crate) timeout: Duration,
    /// Whether the user asked for Nix (`--evaluator nix`) rather than portnix falling back.
    pub(crate) asked: bool,
}

/// The wrapper: the registry called like `Eval::call_with` calls it, then every node of it and
/// of the config as one flat list in depth-first order, so no JSON reader nests deeply.
fn wrapper(registry: &Path, config: Option<&Path>, args: &[(String, AutoArg)]) -> String {
    let path = |p: &Path| format!("import {}", nix_string(&p.display().to_string()));
    let config = config.map_or("null".to_string(), path);
    // nix-instantiate --eval calls nothing by itself: the arguments are written in, as
    // --arg and --argstr would give them (an expression in parentheses, or a string).
    let cli: String = args
        .iter()
        .map(|(name, arg)| match arg {
            AutoArg::Expr(e) => format!(" {} = ({e}\n);", nix_string(name)),
            AutoArg::Str(v) => format!(" {} = {};", nix_string(name), nix_string(v)),
        })
        .collect();
    format!(
        r#"let
  cli = {{{cli} }};
  inherit (builtins) attrNames concatLists genList isAttrs isFunction isList isPath length elemAt map typeOf;
  reg0 = {registry};
  cfg = {config};
  given = (if isAttrs cfg then cfg.args or {{ }} else {{ }}) // cli;
  hasNixpkgs = builtins.any (e: e.prefix == "nixpkgs") builtins.nixPath;
  args = if given ? lib || !hasNixpkgs then given else given // {{ lib = import <nixpkgs/lib>; }};
  # A NixOS module (a function of `config`, or a set of `options`, `config` and `imports`) is
  # evaluated by lib.evalModules; the registry is its config's `module` attribute ("ports" by
  # default). Its values come from the evaluated config, their positions from the module's own
  # definitions: the module called once more with the final config.
  isModule = (isFunction reg0 && (builtins.functionArgs reg0) ? config)
    || (isAttrs reg0 && (reg0 ? options || reg0 ? imports));
  attrPath = builtins.filter builtins.isString (builtins.split "\\." (if isAttrs cfg then cfg.module or "ports" else "ports"));
  at = path: v: builtins.foldl' (v: n: if isAttrs v && v ? ${{n}} then v.${{n}} else null) v path;
  modLib = args.lib or (throw "the registry is a NixOS module, which needs lib.evalModules: give a nixpkgs with --nixpkgs DIR or NIX_PATH");
  evaluated = modLib.evalModules {{ modules = [ reg0 ]; }};
  defined = let m = if isFunction reg0 then reg0 ({{ inherit (evaluated) config options; lib = modLib; }} // args) else reg0; in
    if m ? config || m ? options then at ([ "config" ] ++ attrPath) m else at attrPath m;
  reg = if isModule then at attrPath evaluated.config
    else if isFunction reg0 then reg0 (builtins.intersectAttrs (builtins.functionArgs reg0) args) else reg0;
  shadow = if isModule then defined else reg;
  pos = n: s: let p = if isAttrs s && s ? ${{n}} then builtins.unsafeGetAttrPos n s else null; in
    if p == null then null else [ p.file p.line p.column ];
  # A definition wrapped by mkIf, mkDefault, ... holds its attributes in `content`.
  bare = r: if isAttrs r && r ? _type && r ? content then bare r.content else r;
  # Each node of `v`, with positions read from `r`, the definitions it came from.
  node = d: n: p: v: r: let r' = bare r; in
    if isAttrs v then [ {{ inherit d n p; t = "set"; }} ]
      ++ concatLists (map (k: node (d + 1) k (pos k r') v.${{k}} (if isAttrs r' then r'.${{k}} or null else null)) (attrNames v))
    else if isList v then [ {{ inherit d n p; t = "list"; }} ]
      ++ concatLists (genList (i: node (d + 1) null null (elemAt v i) (if isList r' && i < length r' then elemAt r' i else null)) (length v))
    else if isFunction v then [ {{ inherit d n p; t = "function"; }} ]
    else if isPath v then [ {{ inherit d n p; t = "path"; x = toString v; }} ]
    else [ {{ inherit d n p; t = typeOf v; x = v; }} ];
in
{{
  registry = node 0 null null reg shadow;
  config = if cfg == null then null else let c = builtins.removeAttrs cfg [ "args" ]; in node 0 null null c c;
}}"#,
        registry = path(registry),
    )
}

/// The registry and config as Nix evaluates them, with the sources their positions point into.
pub(crate) fn eval(run: &NixRun) -> Result<(Node, Option<Node>, Sources), LoadError> {
    let mut cmd = Command::new("nix-instantiate");
    cmd.args(["--eval", "--strict", "--json", "--readonly-mode"]);
    if let Some(root) = run.root {
        cmd.env_remove("NIX_PATH");
        cmd.args(["--option", "restrict-eval", "true", "--option", "allowed-uris", ""]);
        cmd.arg("-I").arg(root);
    }
    if let Some(n) = &run.nixpkgs {
        cmd.arg("-I").arg(format!("nixpkgs={}", n.display()));
    }
    cmd.arg("-E").arg(wrapper(run.registry, run.config, run.args));
    let json = run_with_timeout(cmd, run.timeout, run.asked)?;
    let value: serde_json::Value = serde_json::from_str(&json).map_err(|e| {
        LoadError::plain(
            Code::LoadFailed,
            format!("nix-instantiate printed invalid JSON: {e}"),
            "report this as a bug",
        )
    })?;
    let mut files = Files::default();
    let registry = rebuild(&value["registry"], &mut files).ok_or_else(|| {
        LoadError::plain(
            Code::LoadFailed,
            "the wrapper's output has no registry".into(),
            "report this as a bug",
        )
    })?;
    let config = match &value["config"] {
        serde_json::Value::Null => None,
        c => rebuild(c, &mut files),
    };
    Ok((registry, config, files.sources))
}

fn run_with_timeout(mut cmd: Command, timeout: Duration, asked: bool) -> Result<String, LoadError> {
    let mut child =
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| {
            LoadError::plain(
                Code::NixNotFound,
                format!("cannot run nix-instantiate: {e}"),
                "install Nix (on Debian: apt-get install nix-bin), or use --evaluator portnix",
            )
        })?;
    // Both pipes are drained while Nix runs, so a large output cannot stall it.
    fn drain(r: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    }
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(LoadError::plain(
                    Code::NixEvalFailed,
                    format!("nix-instantiate did not finish within {} s", timeout.as_secs()),
                    "look for a value that never ends (a set that contains itself); --nix-timeout SECS allows longer",
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                return Err(LoadError::plain(
                    Code::NixEvalFailed,
                    format!("waiting for nix-instantiate: {e}"),
                    "run it again; if it persists, report it",
                ));
            }
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        let hint = if stderr.contains("restricted mode") {
            "Nix runs confined to the project root, as portnix's evaluator does: --allow-outside-root widens it"
        } else if asked {
            "this is nix-instantiate's own error, from --evaluator nix"
        } else {
            "portnix's evaluator declined the file, so the real Nix evaluated it: this is Nix's own error"
        };
        return Err(LoadError::plain(
            Code::NixEvalFailed,
            format!("nix-instantiate failed:\n{}", stderr.trim_end()),
            hint,
        ));
    }
    Ok(String::from_utf8_lossy(&stdout).into_owned())
}

/// The files Nix's positions name, read once each.
#[derive(Default)]
struct Files {
    sources: Sources,
    read: HashMap<String, Option<(crate::syntax::FileId, LineIndex)>>,
}

impl Files {
    /// The byte offset of Nix's `[file, line, column]`, in the file it names.
    fn position(&mut self, pos: &serde_json::Value) -> Option<(crate::syntax::FileId, u32)> {
        let file = pos.get(0)?.as_str()?;
        let (line, column) = (pos.get(1)?.as_u64()? as u32, pos.get(2)?.as_u64()? as u32);
        let entry = self.read.entry(file.to_string()).or_insert_with(|| {
            let text = std::fs::read_to_string(file).ok()?;
            let index = LineIndex::new(&text);
            Some((self.sources.add(PathBuf::from(file), text), index))
        });
        let (id, index) = entry.as_ref()?;
        let offset = index.offset_of(&self.sources.get(*id).text, line, column)?;
        Some((*id, offset))
    }

    /// The span of the name `name` in the attribute path at `at`, and its place in that path.
    /// Nix gives every name of `a.b.c = 1;` the position of `a`; portnix points at each name,
    /// so the path is read: the name is the one after its parent's when the parent was
    /// defined by the same path (`same_as_parent`), else the first one that continues the
    /// ancestors' names.
    fn name_span(
        &self,
        at: (crate::syntax::FileId, u32),
        name: &str,
        ancestors: &[&str],
        same_as_parent: Option<usize>,
    ) -> (Span, Option<usize>) {
        let (file, offset) = at;
        let text = &self.sources.get(file).text;
        let segs = crate::syntax::attrpath::segments_from(text, offset as usize);
        let fits = |k: usize| {
            segs.get(k).is_some_and(|(n, _)| n == name)
                && k <= ancestors.len()
                && (0..k).all(|j| segs[j].0 == ancestors[ancestors.len() - k + j])
        };
        let k = match same_as_parent {
            Some(p) if fits(p + 1) => Some(p + 1),
            _ => (0..segs.len()).find(|&k| fits(k)),
        };
        match k {
            Some(k) => {
                let r = &segs[k].1;
                (Span { file, start: r.start as u32, end: r.end as u32 }, Some(k))
            }
            // Not a path continuing the ancestors' names (an `inherit`, a dynamic name): the
            // first name at the position, or the position alone.
            None => {
                let end = segs.first().map_or(offset, |(_, r)| r.end as u32);
                (Span { file, start: offset, end }, None)
            }
        }
    }
}

/// The tree back from the wrapper's flat list: each record is a node at depth `d`, after its
/// parent and before its parent's next child.
fn rebuild(list: &serde_json::Value, files: &mut Files) -> Option<Node> {
    // Each open set or list, outermost first: its name, node, Nix's position for it and its
    // place in the attribute path there.
    let mut open: Vec<Open> = Vec::new();
    for rec in list.as_array()? {
        let depth = rec["d"].as_u64()? as usize;
        while open.len() > depth {
            if open.len() == 1 {
                return None;
            }
            close(&mut open);
        }
        let name = rec["n"].as_str().map(Rc::from);
        let at = if rec["p"].is_null() { None } else { files.position(&rec["p"]) };
        let (span, place) = match (&name, at) {
            (Some(n), Some(at)) => {
                let ancestors: Vec<&str> = open.iter().filter_map(|o| o.name.as_deref()).collect();
                let same = open.last().filter(|p| p.at == Some(at)).and_then(|p| p.place);
                let (span, place) = files.name_span(at, n, &ancestors, same);
                (Some(span), place)
            }
            _ => (None, None),
        };
        let x = &rec["x"];
        let data = match rec["t"].as_str()? {
            "set" => Data::Set(Vec::new()),
            "list" => Data::List(Vec::new()),
            "function" => Data::Function,
            "path" => Data::Path(x.as_str()?.to_string()),
            "int" => Data::Int(x.as_i64()?),
            "float" => Data::Float(x.as_f64()?),
            "bool" => Data::Bool(x.as_bool()?),
            "string" => Data::Str(x.as_str()?.to_string()),
            _ => Data::Null,
        };
        open.push(Open { name, node: Node { data, span }, at, place });
    }
    while open.len() > 1 {
        close(&mut open);
    }
    open.pop().map(|o| o.node)
}

struct Open {
    name: Option<Rc<str>>,
    node: Node,
    at: Option<(crate::syntax::FileId, u32)>,
    place: Option<usize>,
}

/// Ends the innermost open node and hands it to its parent, with positions as portnix's
/// evaluator gives them (`data::from_value`): an attribute Nix has no position for takes its
/// parent's; a list item, which has none of its own, is located by its first attribute when it
/// is a set, else by the list's attribute.
fn close(open: &mut Vec<Open>) {
    // Called with a parent below the node, always.
    let (Some(Open { name, mut node, .. }), Some(parent)) = (open.pop(), open.last_mut()) else { return };
    let parent = &mut parent.node;
    if node.span.is_none() {
        node.span = match (&parent.data, &node.data) {
            (Data::List(_), Data::Set(attrs)) => {
                attrs.iter().filter_map(|(_, n)| n.span).min_by_key(|s| (s.file, s.start)).or(parent.span)
            }
            _ => parent.span,
        };
    }
    match (&mut parent.data, name) {
        (Data::Set(attrs), Some(n)) => attrs.push((n, node)),
        (Data::List(items), _) => items.push(node),
        _ => {}
    }
}

/// Whether portnix's evaluator stopped only because it does not implement something, so that
/// the real Nix may evaluate the file instead.
pub(crate) fn declined(diagnostics: &[Diagnostic]) -> Option<&Diagnostic> {
    diagnostics.iter().find(|d| matches!(d.code, Code::Unsupported | Code::UnsupportedBuiltin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flat_list_becomes_the_tree_it_was() {
        let list = serde_json::json!([
            { "d": 0, "n": null, "p": null, "t": "set" },
            { "d": 1, "n": "a", "p": null, "t": "set" },
            { "d": 2, "n": "b", "p": null, "t": "int", "x": 1 },
            { "d": 2, "n": "c", "p": null, "t": "list" },
            { "d": 3, "n": null, "p": null, "t": "int", "x": 2 },
            { "d": 3, "n": null, "p": null, "t": "set" },
            { "d": 1, "n": "z", "p": null, "t": "string", "x": "s" }
        ]);
        let node = rebuild(&list, &mut Files::default()).unwrap();
        let json = |n: &Node| format!("{:?}", n.data);
        let text = json(&node);
        assert!(text.starts_with("Set([(\"a\", Node { data: Set([(\"b\", Node { data: Int(1)"), "{text}");
        let Data::Set(top) = &node.data else { panic!() };
        assert_eq!(top.len(), 2);
        let Data::Set(a) = &top[0].1.data else { panic!() };
        let Data::List(c) = &a[1].1.data else { panic!() };
        assert_eq!(c.len(), 2);
        assert_eq!(top[1].1.data, Data::Str("s".into()));
    }
}
