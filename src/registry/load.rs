//! Evaluating the registry and its config together, so the config can `import ./ports.nix`
//! and every position points into the same set of sources.

use std::path::{Path, PathBuf};

use crate::fxhash::FxHashMap as HashMap;

use super::config::{self, Config, ServiceRule};
use super::data::{self, Node};
use super::path::{Pattern, Segment};
use super::{Entry, entries};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::{Eval, EvalOptions, import::find_project_root, nix_cli};
use crate::syntax::Sources;

#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `--registry`; otherwise `lib/ports.nix` here or in the nearest ancestor.
    pub registry: Option<PathBuf>,
    /// `--config`; otherwise `portnix.nix` beside the registry, if it exists.
    pub config: Option<PathBuf>,
    pub allow_outside_root: bool,
    /// Evaluate with the real `nix-instantiate` (no positions).
    pub use_nix: bool,
    /// Files to read from memory instead of the disk (see `EvalOptions::overlay`).
    pub overlay: std::collections::HashMap<PathBuf, String>,
    /// The evaluation's memory ceiling in bytes (see `EvalOptions::max_memory`).
    pub max_memory: Option<u64>,
}

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

pub(crate) fn find_registry(explicit: Option<&Path>) -> Result<PathBuf, FindError> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    let cwd = std::env::current_dir()?;
    cwd.ancestors().map(|d| d.join(REGISTRY)).find(|p| p.is_file()).ok_or(FindError::NotFound(cwd))
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
    let config_file = match &opts.config {
        Some(c) => Some(std::path::absolute(c).unwrap_or_else(|_| c.clone())),
        None => registry_file.parent().map(|d| d.join(CONFIG)).filter(|p| p.is_file()),
    };
    let dir = registry_file.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("/"));
    let root = find_project_root(&dir);
    let (registry, config_node, sources, evaluator) = if opts.use_nix {
        let reg = eval_with_nix(&registry_file)?;
        let cfg = config_file.as_deref().map(eval_with_nix).transpose()?;
        (reg, cfg, Sources::new(), None)
    } else {
        let import_root = root.clone().unwrap_or(dir);
        eval_with_portnix(&registry_file, config_file.as_deref(), import_root, opts)?
    };
    // A set with `from` or `to` at the top is one range, not a set of entries.
    if !matches!(&registry.data, data::Data::Set(attrs) if !attrs.iter().any(|(n, _)| &**n == "from" || &**n == "to"))
    {
        return Err(not_a_set(&registry, &registry_file, sources));
    }
    let config = match config_node.as_ref().map(config::parse) {
        Some(Err(diagnostics)) => return Err(LoadError { diagnostics, sources }),
        Some(Ok(config)) => config,
        None => Config::default(),
    };
    let entries = crate::timing::phase("entries", || resolve_meta(entries(&registry), &config));
    Ok(Project {
        entries,
        config,
        sources,
        registry_file,
        config_file,
        config_data: config_node,
        root,
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
    });
    let read = |eval: &mut Eval, file: &Path| {
        let v = eval.eval_file(file)?;
        crate::timing::phase("eval", || data::from_value(eval, &v, None))
    };
    let result = read(&mut eval, registry).and_then(|reg| {
        let cfg = config.map(|c| read(&mut eval, c)).transpose()?;
        Ok((reg, cfg))
    });
    crate::timing::count("steps", eval.steps());
    match result {
        Ok((reg, cfg)) => Ok((reg, cfg, std::mem::take(&mut eval.sources), Some(eval))),
        Err(e) => Err(LoadError { diagnostics: e.diagnostics(), sources: std::mem::take(&mut eval.sources) }),
    }
}

/// The registry's value is not an attribute set: an error at its first expression.
fn not_a_set(registry: &Node, file: &Path, sources: Sources) -> LoadError {
    let what = match &registry.data {
        data::Data::Set(_) => "a single { from; to; } range".to_string(),
        other => other.describe(),
    };
    let hint = match registry.data {
        data::Data::Function => {
            "portnix calls a top-level function only when every argument has a default \
             ({ x ? 1 }: ...); make the file evaluate to { category = { service = port; }; }"
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

fn eval_with_nix(file: &Path) -> Result<Node, LoadError> {
    let json = nix_cli::eval_json(file)
        .map_err(|e| LoadError { diagnostics: e.diagnostics(), sources: Sources::new() })?;
    let value: serde_json::Value = serde_json::from_str(&json).map_err(|e| {
        LoadError::plain(
            Code::LoadFailed,
            format!("nix-instantiate printed invalid JSON: {e}"),
            "report this as a bug",
        )
    })?;
    Ok(data::from_json(&value))
}

/// Attaches each entry's `services` metadata: the most specific matching rule wins.
/// Exact paths are looked up in a map, so this stays linear for large configs.
fn resolve_meta(mut entries: Vec<Entry>, config: &Config) -> Vec<Entry> {
    if config.services.is_empty() {
        return entries;
    }
    let index = exact_index(&entries);
    let mut best: Vec<Option<&ServiceRule>> = vec![None; entries.len()];
    for rule in &config.services {
        for i in matching(&index, &entries, &rule.pattern) {
            if best[i].is_none_or(|b| rule.pattern.specificity() > b.pattern.specificity()) {
                best[i] = Some(rule);
            }
        }
    }
    for (e, rule) in entries.iter_mut().zip(best) {
        if let Some(rule) = rule {
            e.meta = rule.meta.clone();
        }
    }
    entries
}

/// Entries by their path segments.
pub(crate) fn exact_index(entries: &[Entry]) -> HashMap<Vec<&str>, usize> {
    entries.iter().enumerate().map(|(i, e)| (e.path.iter().map(|s| &**s).collect(), i)).collect()
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
        Some(key) => index.get(&key).copied().into_iter().collect(),
        None => (0..entries.len()).filter(|&i| pattern.matches_exact(&entries[i].path)).collect(),
    }
}
