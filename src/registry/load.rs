//! Evaluating the registry and its config together, so the config can `import ./ports.nix`
//! and every position points into the same set of sources.

use std::path::{Path, PathBuf};

use crate::fxhash::FxHashMap as HashMap;

use super::Entry;
use super::config::{self, Config, ServiceRule};
use super::data::{self, Node};
use super::leaf::{Flat, flatten, is_category};
use super::meta::{Field, Fields, given_at};
use super::path::{Pattern, Segment};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::{Eval, EvalError, EvalOptions, Thunk, Value, import::find_project_root};
use crate::syntax::Sources;

#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `--registry`; otherwise `lib/ports.nix` here or in the nearest ancestor.
    pub registry: Option<PathBuf>,
    /// `--config`; otherwise `portnix.nix` beside the registry, if it exists.
    pub config: Option<PathBuf>,
    pub allow_outside_root: bool,
    /// Which evaluator reads the files; by default portnix's, and the real Nix where it declines.
    pub evaluator: Evaluator,
    /// How long the real Nix may run (default `nix_eval::DEFAULT_TIMEOUT`).
    pub nix_timeout: Option<std::time::Duration>,
    /// Files to read from memory instead of the disk (see `EvalOptions::overlay`).
    pub overlay: std::collections::HashMap<PathBuf, String>,
    /// The evaluation's memory ceiling in bytes (see `EvalOptions::max_memory`).
    pub max_memory: Option<u64>,
    /// Arguments for a registry that is a function (`--arg`, `--argstr`); they take the place
    /// of the config's `args` of the same name.
    pub args: Vec<(String, AutoArg)>,
    /// `--nixpkgs DIR`: where a registry's `lib` comes from, before NIX_PATH.
    pub nixpkgs: Option<PathBuf>,
}

/// `--evaluator`: who evaluates the registry and its config.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Evaluator {
    /// portnix's own evaluator; where it declines a file (a builtin or a part of Nix it does not
    /// implement), the real nix-instantiate, confined the same way, with positions from Nix.
    #[default]
    Auto,
    /// portnix's own evaluator only: a file it declines is an error.
    Portnix,
    /// The real nix-instantiate, with positions from `builtins.unsafeGetAttrPos`.
    Nix,
}

pub use crate::eval::AutoArg;

pub struct Project {
    pub entries: Vec<Entry>,
    pub config: Config,
    pub sources: Sources,
    pub(crate) registry_file: PathBuf,
    pub config_file: Option<PathBuf>,
    /// The config as evaluated, before parsing: edits compare it before and after.
    pub(crate) config_data: Option<Node>,
    /// The project root: the nearest directory above the registry with flake.nix or .git.
    pub(crate) root: Option<PathBuf>,
    /// What is wrong with the metadata leaves give themselves, each with its entry's name:
    /// `check` reports them as `invalid-metadata`.
    pub(crate) metadata_errors: Vec<(Diagnostic, String)>,
    /// Why the real Nix evaluated the files instead of portnix's evaluator, when it did
    /// without being asked to: the command says so once.
    pub fallback: Option<String>,
    /// The evaluator, kept so that freeing it can be skipped together with the project's
    /// (see `Project::leak`). Held, never read.
    #[allow(dead_code)]
    evaluator: Option<Eval>,
}

impl Project {
    /// Ends the project's life without freeing it: a command that exits right after has no
    /// use for the tens of milliseconds that freeing a large registry's trees takes.
    pub(crate) fn leak(self) {
        std::mem::forget(self);
    }
}

/// Why loading failed: diagnostics to render against the sources they point into.
pub type LoadError = crate::diagnostic::Failure;

pub(crate) const REGISTRY: &str = "lib/ports.nix";
pub(crate) const CONFIG: &str = "portnix.nix";

/// Why no registry file was found.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FindError {
    #[error("cannot read the current directory: {0}")]
    Cwd(#[from] std::io::Error),
    #[error("no {REGISTRY} in {} or any parent directory; pass the file, or --registry PATH", .0.display())]
    NotFound(PathBuf),
}

/// Why `file` cannot be read as Nix, if it cannot: only a regular file (through links) can.
fn unreadable(file: &Path) -> Option<String> {
    let link = match std::fs::symlink_metadata(file) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some("does not exist".into()),
        Err(e) => return Some(format!("cannot be read: {e}")),
    };
    match std::fs::metadata(file) {
        Ok(m) if m.is_file() => None,
        Ok(m) if m.is_dir() => Some("is a directory".into()),
        Ok(_) => Some("is not a regular file (a FIFO, socket or device)".into()),
        Err(e) if link.file_type().is_symlink() && e.raw_os_error() == Some(40) => {
            Some("is a symlink loop".into())
        }
        Err(e) if link.file_type().is_symlink() && e.kind() == std::io::ErrorKind::NotFound => {
            Some("is a symlink to nothing".into())
        }
        Err(e) => Some(format!("cannot be read: {e}")),
    }
}

pub(crate) fn find_registry(explicit: Option<&Path>) -> Result<PathBuf, FindError> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    let cwd = std::env::current_dir()?;
    // Anything at the name stops the search (a dangling link too): it is this project's
    // registry, and reading it says what is wrong, rather than a parent's being used.
    cwd.ancestors()
        .map(|d| d.join(REGISTRY))
        .find(|p| std::fs::symlink_metadata(p).is_ok())
        .ok_or(FindError::NotFound(cwd))
}

pub fn load(opts: &LoadOptions) -> Result<Project, LoadError> {
    let registry_file = find_registry(opts.registry.as_deref()).map_err(|e| {
        LoadError::plain(
            Code::LoadFailed,
            e.to_string(),
            "run portnix inside a project that has lib/ports.nix",
        )
    })?;
    let registry_file = std::path::absolute(&registry_file).unwrap_or(registry_file);
    // Only an absent config means "no config": a config that is there but cannot be read (a
    // dangling link, a directory, a FIFO) is an error, not an empty config.
    let config_file = match &opts.config {
        Some(c) => Some(std::path::absolute(c).unwrap_or_else(|_| c.clone())),
        None => {
            registry_file.parent().map(|d| d.join(CONFIG)).filter(|p| std::fs::symlink_metadata(p).is_ok())
        }
    };
    for file in std::iter::once(&registry_file).chain(config_file.as_ref()) {
        if opts.overlay.contains_key(file) {
            continue;
        }
        if let Some(why) = unreadable(file) {
            let what = if *file == registry_file { "the registry" } else { "the config" };
            return Err(LoadError::plain(
                Code::LoadFailed,
                format!("{what} {} {why}", crate::syntax::display_path(file)),
                "make it a regular Nix file, or remove it",
            ));
        }
    }
    let dir = registry_file.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("/"));
    let root = find_project_root(&dir);
    let import_root = root.clone().unwrap_or_else(|| dir.clone());
    let nix = || {
        super::nix_eval::eval(&super::nix_eval::NixRun {
            registry: &registry_file,
            config: config_file.as_deref(),
            root: (!opts.allow_outside_root).then_some(import_root.as_path()),
            args: &opts.args,
            nixpkgs: opts.nixpkgs.clone().or_else(|| nixpkgs_lib(None).map(|(d, _)| d)),
            timeout: opts.nix_timeout.unwrap_or(super::nix_eval::DEFAULT_TIMEOUT),
            asked: opts.evaluator == Evaluator::Nix,
        })
    };
    let mut fallback = None;
    let (registry, config_node, sources, evaluator) = match opts.evaluator {
        Evaluator::Nix => {
            let (reg, cfg, sources) = nix()?;
            (reg, cfg, sources, None)
        }
        Evaluator::Portnix | Evaluator::Auto => {
            match eval_with_portnix(&registry_file, config_file.as_deref(), import_root.clone(), opts) {
                Ok(done) => done,
                Err(e) => {
                    let Some(why) = (opts.evaluator == Evaluator::Auto)
                        .then(|| super::nix_eval::declined(&e.diagnostics))
                        .flatten()
                        .map(|d| describe(d, &e.sources))
                    else {
                        return Err(e);
                    };
                    match nix() {
                        Ok((reg, cfg, sources)) => {
                            fallback = Some(why);
                            (reg, cfg, sources, None)
                        }
                        // Without Nix, portnix's own reason is the one to show.
                        Err(n) if n.diagnostics.iter().any(|d| d.code == Code::NixNotFound) => return Err(e),
                        Err(n) => return Err(n),
                    }
                }
            }
        }
    };
    // A set with `from` or `to` (or `port`, or metadata) at the top is one leaf, not a set of
    // entries.
    if !matches!(&registry.data, data::Data::Set(attrs) if is_category(attrs)) {
        return Err(not_a_set(&registry, &registry_file, sources));
    }
    let config = match config_node.as_ref().map(config::parse) {
        Some(Err(diagnostics)) => return Err(LoadError { diagnostics, sources }),
        Some(Ok(config)) => config,
        None => Config::default(),
    };
    let (entries, metadata_errors) =
        crate::timing::phase("entries", || resolve_meta(flatten(&registry, &config.extra_fields), &config));
    Ok(Project {
        entries,
        config,
        sources,
        registry_file,
        config_file,
        config_data: config_node,
        root,
        metadata_errors,
        fallback,
        evaluator,
    })
}

fn eval_with_portnix(
    registry: &Path,
    config: Option<&Path>,
    root: PathBuf,
    opts: &LoadOptions,
) -> Result<(Node, Option<Node>, Sources, Option<Eval>), LoadError> {
    let mut eval = Eval::new(EvalOptions {
        project_root: Some(root),
        allow_outside_root: opts.allow_outside_root,
        max_steps: Some(crate::eval::DEFAULT_MAX_STEPS),
        overlay: opts.overlay.iter().map(|(p, t)| (crate::eval::import::file_key(p), t.clone())).collect(),
        max_memory: opts.max_memory,
        extra_roots: Vec::new(),
    });
    let result = (|| {
        // The registry's file first, so its positions sort before the config's; then the
        // config, whose `args` are the registry's arguments when it is a function.
        // Uncalled: a function is called below, with the arguments gathered for it.
        let uncalled = eval.import_path(registry, None)?;
        let cfg = config.map(|c| eval.eval_file(c)).transpose()?;
        let mut args = config_args(&mut eval, cfg.as_ref())?;
        for (name, value) in eval.auto_args(&opts.args)? {
            args.retain(|(n, _): &(std::rc::Rc<str>, Thunk)| **n != *name);
            args.push((name, value));
        }
        if let Some(span) = module_span(&uncalled) {
            // lib.evalModules is the real Nix's: the fallback evaluates modules.
            let mut e = EvalError::new(
                Code::Unsupported,
                "the registry is a NixOS module: portnix's evaluator does not evaluate modules",
            )
            .hint("the real Nix evaluates it (--evaluator auto or nix), with lib.evalModules from a nixpkgs");
            e.diag.span = span;
            return Err(e);
        }
        if wants_lib(&uncalled)
            && !args.iter().any(|(n, _)| &**n == "lib")
            && let Some((nixpkgs, lib)) = nixpkgs_lib(opts.nixpkgs.as_deref())
        {
            // The nixpkgs the user named is read as the project's own files are.
            eval.options.extra_roots.push(nixpkgs);
            let v = eval.eval_file(&lib)?;
            args.push(("lib".into(), Thunk::value(v)));
        }
        let reg = eval.call_with(uncalled, &args)?;
        let reg = crate::timing::phase("eval", || data::from_value(&mut eval, &reg, None))?;
        let cfg = match cfg {
            Some(v) => Some(data::from_value(&mut eval, &without_args(v), None)?),
            None => None,
        };
        Ok((reg, cfg))
    })();
    crate::timing::count("steps", eval.steps());
    match result {
        Ok((reg, cfg)) => Ok((reg, cfg, std::mem::take(&mut eval.sources), Some(eval))),
        Err(e) => Err(LoadError { diagnostics: e.diagnostics(), sources: std::mem::take(&mut eval.sources) }),
    }
}

/// The config's `args`: the registry's arguments when it is a function.
fn config_args(
    eval: &mut Eval,
    cfg: Option<&Value>,
) -> crate::eval::EvalResult<Vec<(std::rc::Rc<str>, Thunk)>> {
    let Some(Value::Attrs(cfg)) = cfg else { return Ok(Vec::new()) };
    let Some(attr) = cfg.get("args") else { return Ok(Vec::new()) };
    match eval.force(&attr.value)? {
        Value::Attrs(given) => Ok(given.attrs.iter().map(|a| (a.name.clone(), a.value.clone())).collect()),
        other => {
            let mut e = EvalError::new(
                Code::ConfigError,
                format!("the config's `args` must be an attribute set, not {}", other.show_type()),
            )
            .hint("write args = { env = \"prod\"; };");
            e.diag.span = attr.span;
            Err(e)
        }
    }
}

/// "builtins.getEnv is not supported by portnix (lib/ports.nix:3:7)": what portnix declined,
/// and where.
fn describe(d: &Diagnostic, sources: &Sources) -> String {
    match d.span {
        Some(span) => {
            let at = crate::diagnostic::Location::of(sources, span);
            format!("{} ({}:{}:{})", d.message, at.file, at.line, at.column)
        }
        None => d.message.clone(),
    }
}

/// Where the registry shows itself a NixOS module: a function of `config`, or a set of
/// `options` or `imports`.
fn module_span(v: &Value) -> Option<Option<crate::diagnostic::Span>> {
    match v {
        Value::Lambda(c) if v.required_formals().iter().any(|n| &**n == "config") => Some(Some(c.span)),
        Value::Attrs(a) => a.get("options").or_else(|| a.get("imports")).map(|x| x.span),
        _ => None,
    }
}

/// Whether the value is a function whose pattern needs a `lib` it has no default for.
fn wants_lib(v: &Value) -> bool {
    v.required_formals().iter().any(|n| &**n == "lib")
}

/// The nixpkgs to take `lib` from, and its `lib/default.nix`: `--nixpkgs DIR`, else
/// `<nixpkgs>` by NIX_PATH (an entry `nixpkgs=DIR`, or a directory holding `nixpkgs`).
fn nixpkgs_lib(given: Option<&Path>) -> Option<(PathBuf, PathBuf)> {
    let with_lib = |dir: PathBuf| {
        let lib = dir.join("lib/default.nix");
        lib.is_file().then_some((dir, lib))
    };
    if let Some(dir) = given {
        return with_lib(std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()));
    }
    let nix_path = std::env::var("NIX_PATH").ok()?;
    nix_path.split(':').find_map(|entry| match entry.split_once('=') {
        Some(("nixpkgs", dir)) => with_lib(PathBuf::from(dir)),
        Some(_) => None,
        None => with_lib(Path::new(entry).join("nixpkgs")),
    })
}

/// The config without `args`: they are the registry's arguments, possibly all of nixpkgs'
/// `lib`, and not the config's to read (forcing them would evaluate all of it).
fn without_args(v: Value) -> Value {
    match v {
        Value::Attrs(a) if a.get("args").is_some() => {
            let attrs = a.attrs.iter().filter(|x| &*x.name != "args").cloned().collect();
            Value::Attrs(std::rc::Rc::new(crate::eval::AttrSet::from_sorted(attrs)))
        }
        other => other,
    }
}

/// The registry's value is not an attribute set: an error at its first expression.
fn not_a_set(registry: &Node, file: &Path, sources: Sources) -> LoadError {
    let what = match &registry.data {
        d @ data::Data::Set(_) if d.get("from").is_some() || d.get("to").is_some() => {
            "a single { from; to; } range".to_string()
        }
        d @ data::Data::Set(_) if d.get("port").is_some() => "a single leaf with its own `port`".to_string(),
        data::Data::Set(_) => "a single leaf: a set of metadata fields".to_string(),
        other => other.describe(),
    };
    let hint = match registry.data {
        data::Data::Function => {
            "a registry may be a function of a set of arguments ({ lib, env ? \"dev\", ... }:), which \
             portnix calls with --arg, --argstr and the config's `args`; this one takes a single \
             argument (an overlay, `final: prev:`?), so nothing can call it: make the file evaluate \
             to { category = { service = port; }; }"
        }
        _ => "make the file evaluate to { category = { service = port; }; }",
    };
    let mut d =
        Diagnostic::new(Code::RegistryNotASet, format!("the registry must be an attribute set, not {what}"))
            .with_hint(hint);
    if let Some(id) = sources.find(&crate::eval::import::file_key(file)) {
        let text = &sources.get(id).text;
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let t = line.trim();
            if !t.is_empty() && !t.starts_with('#') {
                start += line.len() - line.trim_start().len();
                break;
            }
            start += line.len();
        }
        let start = start.min(text.len());
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        d.span = Some(crate::diagnostic::Span { file: id, start: start as u32, end: end as u32 });
    }
    LoadError { diagnostics: vec![d], sources }
}

/// Attaches each entry's metadata: the most specific matching `services` rule wins, and a
/// leaf's own metadata is its exact rule, merged with the config's exact rule where both exist
/// (a field they both give must agree). Exact paths are looked up in a map, so this stays
/// linear for large configs.
fn resolve_meta(flat: Flat, config: &Config) -> (Vec<Entry>, Vec<(Diagnostic, String)>) {
    let Flat { mut entries, inline, mut errors } = flat;
    let mut best: Vec<Option<&ServiceRule>> =
        vec![None; if config.services.is_empty() { 0 } else { entries.len() }];
    if !config.services.is_empty() {
        let index = exact_index(&entries);
        for rule in &config.services {
            for i in matching(&index, &entries, &rule.pattern) {
                if best[i].is_none_or(|b| rule.pattern.specificity() > b.pattern.specificity()) {
                    best[i] = Some(rule);
                }
            }
        }
        for (e, rule) in entries.iter_mut().zip(&best) {
            if let Some(rule) = rule {
                e.meta = rule.meta.clone();
            }
        }
    }
    let mut own_env = Vec::new();
    // Where each entry's `fallback` was given, for the entry it becomes.
    let mut fallback_at: HashMap<usize, crate::diagnostic::Span> = HashMap::default();
    for (i, rule) in best.iter().enumerate() {
        if let Some(Some(span)) = rule.and_then(|r| given_at(&r.given, Field::Fallback)) {
            fallback_at.insert(i, span);
        }
    }
    for (i, fields) in inline {
        if let Some(Some(span)) = given_at(&fields.given, Field::Fallback) {
            fallback_at.insert(i, span);
        }
        let exact = best.get(i).copied().flatten().filter(|r| r.pattern.is_literal());
        let e = &mut entries[i];
        errors.extend(disagreements(e, &fields, exact));
        let mut meta = exact.map(|r| (*r.meta).clone()).unwrap_or_default();
        for (field, _) in &fields.given {
            field.copy(&fields.meta, &mut meta);
        }
        if given_at(&fields.given, Field::Env).is_some() {
            own_env.push(i);
        }
        e.meta = std::rc::Rc::new(meta);
    }
    // Items of a list share the service's variable name; each gets its place as a suffix,
    // unless it names its own.
    for (i, e) in entries.iter_mut().enumerate() {
        if let (Some(item), Some(env)) = (e.item, &e.meta.env)
            && own_env.binary_search(&i).is_err()
        {
            let mut meta = (*e.meta).clone();
            meta.env = Some(format!("{env}_{item}"));
            e.meta = std::rc::Rc::new(meta);
        }
    }
    if entries.iter().any(|e| e.meta.fallback.is_some()) {
        entries = with_fallbacks(entries, &fallback_at);
    }
    (entries, errors)
}

/// Each entry followed by its fallback, an entry of its own at `path.fallback`: checked like
/// any claim, and `NAME_ALT` to `gen env` (seed 000's NLP_API_PORT_ALT).
fn with_fallbacks(entries: Vec<Entry>, at: &HashMap<usize, crate::diagnostic::Span>) -> Vec<Entry> {
    let mut out = Vec::with_capacity(entries.len() + 1);
    for (i, e) in entries.into_iter().enumerate() {
        let Some(port) = e.meta.fallback else {
            out.push(e);
            continue;
        };
        let mut meta = (*e.meta).clone();
        meta.fallback = None;
        meta.env = Some(format!("{}_ALT", super::env::env_name(&e)));
        let mut path = e.path.clone();
        path.push(std::rc::Rc::from("fallback"));
        let fallback = Entry {
            path,
            name: format!("{}.fallback", e.name),
            value: super::PortValue::of_int(port),
            span: at.get(&i).copied().or(e.span),
            item: e.item,
            in_set: false,
            meta: std::rc::Rc::new(meta),
        };
        out.push(e);
        out.push(fallback);
    }
    out
}

/// Each field a leaf and the config's `services."path"` both give, differently.
fn disagreements(e: &Entry, fields: &Fields, exact: Option<&ServiceRule>) -> Vec<(Diagnostic, String)> {
    let Some(rule) = exact else { return Vec::new() };
    let mut out = Vec::new();
    for &(field, span) in &fields.given {
        let Some(rule_span) = given_at(&rule.given, field) else { continue };
        if field.same(&fields.meta, &rule.meta) {
            continue;
        }
        let mut d = Diagnostic::new(
            Code::InvalidMetadata,
            format!(
                "{} gives its {} here, and services.\"{}\" gives another",
                e.name,
                field.key(),
                rule.pattern.text
            ),
        )
        .with_hint("say it in one place: keep the leaf's own field or the config's, not both");
        d.span = span;
        if let Some(s) = rule_span {
            d = d.with_label(s, format!("services.\"{}\".{} says otherwise", rule.pattern.text, field.key()));
        }
        out.push((d, e.name.clone()));
    }
    out
}

/// Entries by their path segments.
pub(crate) fn exact_index(entries: &[Entry]) -> HashMap<Vec<&str>, usize> {
    let mut index = HashMap::default();
    for (i, e) in entries.iter().enumerate() {
        index.entry(e.path.iter().map(|s| &**s).collect()).or_insert(i);
    }
    index
}

/// The entries a pattern names exactly: a map lookup, or a scan when it has wildcards.
pub(crate) fn matching(
    index: &HashMap<Vec<&str>, usize>,
    entries: &[Entry],
    pattern: &Pattern,
) -> Vec<usize> {
    let literal: Option<Vec<&str>> = pattern
        .segments
        .iter()
        .map(|s| match s {
            Segment::Name(n) => Some(n.as_str()),
            Segment::Any => None,
        })
        .collect();
    match literal {
        // The items of a list leaf share one path and follow each other: the index holds the
        // first of them.
        Some(key) => match index.get(&key) {
            Some(&first) => (first..entries.len())
                .take_while(|&i| {
                    i == first || (entries[i].item.is_some() && entries[i].path == entries[first].path)
                })
                .collect(),
            None => Vec::new(),
        },
        None => (0..entries.len()).filter(|&i| pattern.matches_exact(&entries[i].path)).collect(),
    }
}
