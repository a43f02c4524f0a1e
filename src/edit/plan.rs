//! Each edit command as a plan: the files it changes, proven against the project it was read
//! from, and the notes for the user. The command line locks, applies and reports; the edit
//! fuzzer runs the same plans.

use std::path::{Path, PathBuf};

use super::locate::{Confine, File, Overrides, locate};
use super::references::{self, Kind, Needle, Reference};
use super::verify::{Change, ConfigChange, verify};
use super::{Edit, EditError, insert, insert_with, key_text, remove, remove_with_comments, set_value};
use crate::registry::{LoadOptions, PortValue, Project, Protocol};

/// What an edit is planned against: the project read under the lock, and how it was read.
pub struct Context<'a> {
    pub(crate) project: &'a Project,
    pub(crate) options: &'a LoadOptions,
    pub(crate) root: Confine,
}

impl<'a> Context<'a> {
    pub fn new(project: &'a Project, options: &'a LoadOptions) -> Context<'a> {
        let root = if options.allow_outside_root {
            Confine::default()
        } else {
            Confine {
                root: project.root.clone().or_else(|| project.registry_file.parent().map(Path::to_path_buf)),
            }
        };
        Context { project, options, root }
    }

    fn locate(&self, segs: &[String], overrides: &Overrides) -> Result<super::locate::Target, EditError> {
        locate(&self.project.registry_file, segs, overrides, &self.root)
    }

    /// The index of the entry at `segs`.
    pub(crate) fn entry(&self, segs: &[String]) -> Option<usize> {
        self.project
            .entries
            .iter()
            .position(|e| e.path.len() == segs.len() && e.path.iter().zip(segs).all(|(a, b)| **a == **b))
    }

    /// The entry at `segs`, or the item of the list leaf there.
    pub(crate) fn entry_item(&self, segs: &[String], item: Option<u32>) -> Option<usize> {
        let first = self.entry(segs)?;
        match item {
            None => Some(first),
            Some(i) => (first..self.project.entries.len())
                .take_while(|&j| self.project.entries[j].path == self.project.entries[first].path)
                .find(|&j| self.project.entries[j].item == Some(i)),
        }
    }

    /// The config and the `services` key whose `fallback` it gives, when `segs` is such a
    /// fallback (`a.b.fallback`, defined in the config rather than in the leaf).
    fn config_fallback(&self, segs: &[String], item: Option<u32>) -> Option<(&'a Path, String)> {
        let (last, parent) = segs.split_last()?;
        let config = self.project.config_file.as_deref()?;
        let e = &self.project.entries[self.entry_item(segs, item)?];
        let file = e.span.map(|s| self.project.sources.get(s.file).path.clone())?;
        (last == "fallback" && crate::eval::import::file_key(&file) == crate::eval::import::file_key(config))
            .then(|| (config, key_text(parent)))
    }

    /// The variable portnix names after the entry, when the config does not name one.
    fn derived_env(&self, i: usize) -> Option<String> {
        let e = &self.project.entries[i];
        e.meta.env.is_none().then(|| crate::generate::derived_env_name(&e.path))
    }

    fn config_references(
        &self,
        segs: &[String],
        env: Option<&str>,
    ) -> Result<Option<(File, Vec<Reference>)>, EditError> {
        let Some(config) = &self.project.config_file else { return Ok(None) };
        let file = File::read(config, &self.root)?;
        let refs = references::find(&file, &Needle { path: segs, env }, &self.project.registry_file);
        Ok(Some((file, refs)).filter(|(_, r)| !r.is_empty()))
    }

    /// Notes for the project's other Nix files that still select the old path.
    fn other_selections(&self, segs: &[String], new: Option<&[String]>) -> Vec<String> {
        let Some(root) = &self.project.root else { return Vec::new() };
        let own: Vec<PathBuf> = self.project.sources.paths().map(Path::to_path_buf).collect();
        let old = key_text(segs);
        let mut notes = Vec::new();
        for path in references::project_nix_files(root, &own) {
            let Ok(file) = File::read(&path, &Confine::default()) else { continue };
            let needle = Needle { path: segs, env: None };
            for r in references::find(&file, &needle, &self.project.registry_file) {
                if r.kind == Kind::Selection {
                    let advice = match new {
                        Some(n) => format!("change it to ports.{}", key_text(n)),
                        None => "it will fail to evaluate".into(),
                    };
                    notes.push(format!("{} still selects ports.{old}; {advice}", location(&file, r.start)));
                }
            }
        }
        notes
    }
}

/// The files to write, in the order to write them, and what to tell the user afterwards.
pub struct Plan {
    pub edits: Vec<Edit>,
    pub(crate) notes: Vec<String>,
}

/// A reference `rm` found, for its refusal.
#[derive(Debug, Clone)]
pub struct Named {
    pub(crate) location: String,
    pub(crate) what: &'static str,
    /// `--force` cannot remove it: the user must.
    pub(crate) by_hand: bool,
}

fn location(file: &File, offset: usize) -> String {
    let index = crate::syntax::LineIndex::new(&file.text);
    let (line, col) = index.line_col_in(&file.text, offset as u32);
    format!("{}:{line}:{col}", crate::syntax::display_path(&file.path))
}

fn same_file_refusal() -> EditError {
    EditError::new("the config and the entry are in the same file: edit it by hand")
}

/// Adds the entry. A protocol other than tcp lands in the file: in the leaf when its
/// neighbours carry their own metadata, in the config's `services` when the project has a
/// config, else in the leaf (`{ port = 5353; protocol = "udp"; }`).
pub fn add(cx: &Context, segs: &[String], port: i64, protocol: Protocol) -> Result<Plan, EditError> {
    let target = cx.locate(segs, &Overrides::new())?;
    // A neighbour's port, to find the base a block's offsets are counted from.
    let parent = &segs[..segs.len().saturating_sub(1)];
    let value_of = |key: &str| {
        let path: Vec<String> = parent.iter().cloned().chain([key.to_string()]).collect();
        cx.entry(&path).and_then(|i| match cx.project.entries[i].value {
            PortValue::Port(p) => Some(i64::from(p.get())),
            _ => None,
        })
    };
    let (mut value, inline) = super::value_like_neighbours(&target, port, protocol, &value_of);
    let mut edits = Vec::new();
    if protocol != Protocol::Tcp && !inline {
        match &cx.project.config_file {
            Some(config) if *config != target.file.path => {
                let service = vec!["services".to_string(), key_text(segs)];
                let in_config = super::locate::locate(config, &service, &Overrides::new(), &cx.root)?;
                let meta = format!("{{ protocol = \"{}\"; }}", protocol.as_str());
                edits.push(insert(&in_config, &meta).map_err(|e| match e {
                    EditError::Refused { answer: true, .. } => EditError::new(format!(
                        "the config already has services.\"{}\": give it `protocol = \"{}\";` by hand",
                        key_text(segs),
                        protocol.as_str()
                    )),
                    other => other,
                })?);
            }
            _ => value = format!("{{ port = {port}; protocol = \"{}\"; }}", protocol.as_str()),
        }
    }
    // The entry is written after its metadata: a run killed between the two writes leaves a
    // `services` key for a missing entry (an unknown-service finding), never a udp port read
    // as tcp.
    edits.push(insert(&target, &value)?);
    verify(
        cx.options,
        cx.project,
        &edits,
        &Change::Add { path: segs, value: PortValue::of_int(port), protocol },
        None,
    )?;
    Ok(Plan { edits, notes: Vec::new() })
}

pub fn set(cx: &Context, segs: &[String], item: Option<u32>, port: i64) -> Result<Plan, EditError> {
    let current = cx.entry_item(segs, item).and_then(|i| match cx.project.entries[i].value {
        PortValue::Port(p) => Some(i64::from(p.get())),
        _ => None,
    });
    // A fallback the config gives (`services."a.b".fallback = 13456;`) is set there.
    let target = match cx.config_fallback(segs, item) {
        Some((config, service)) => super::locate::locate(
            config,
            &["services".to_string(), service, "fallback".to_string()],
            &Overrides::new(),
            &cx.root,
        )?,
        None => cx.locate(segs, &Overrides::new())?,
    };
    let (edit, _) = set_value(&target, item, port, current)?;
    let edits = vec![edit];
    verify(
        cx.options,
        cx.project,
        &edits,
        &Change::Set { path: segs, item, value: PortValue::of_int(port) },
        None,
    )?;
    Ok(Plan { edits, notes: Vec::new() })
}

/// Removes the entry; while the config names it, refuses listing each reference, or with
/// `force` removes the ones that can go with it.
pub fn rm(cx: &Context, segs: &[String], force: bool) -> Result<Plan, EditError> {
    let (edit, _) = remove(&cx.locate(segs, &Overrides::new())?)?;
    let env = cx.entry(segs).and_then(|i| cx.derived_env(i));
    let mut edits = vec![edit];
    if let Some((file, refs)) = cx.config_references(segs, env.as_deref())? {
        let cuts: Vec<Option<(usize, usize)>> =
            refs.iter().map(|r| references::removal(&file.text, r)).collect();
        if !force || cuts.iter().any(Option::is_none) {
            let references = refs
                .iter()
                .zip(&cuts)
                .map(|(r, cut)| Named {
                    location: location(&file, r.start),
                    what: r.kind.describe(),
                    by_hand: cut.is_none(),
                })
                .collect();
            return Err(EditError::Referenced { path: key_text(segs), references, force });
        }
        if file.path == edits[0].file {
            return Err(same_file_refusal());
        }
        let after = references::apply(
            &file.text,
            cuts.into_iter().flatten().map(|(s, e)| (s, e, String::new())).collect(),
        );
        edits.push(Edit { file: file.path.clone(), before: file.text.clone(), after });
    }
    let config = ConfigChange { from: key_text(segs), to: None, env: None };
    verify(cx.options, cx.project, &edits, &Change::Remove { path: segs }, Some(&config))?;
    Ok(Plan { edits, notes: cx.other_selections(segs, None) })
}

/// Moves the entry and every reference the config makes to it.
pub fn mv(cx: &Context, old: &[String], new: &[String]) -> Result<Plan, EditError> {
    let Some(index) = cx.entry(old) else {
        return Err(EditError::no(format!("{} is not in the registry", key_text(old))));
    };
    if cx.entry(new).is_some() {
        return Err(EditError::no(format!("{} is already in the registry", key_text(new))));
    }
    let (removed, value, comments) = remove_with_comments(&cx.locate(old, &Overrides::new())?)?;
    let mut overrides = Overrides::new();
    overrides.insert(removed.file.clone(), removed.after.clone());
    let added = insert_with(&cx.locate(new, &overrides)?, &value, &comments)?;
    // The insertion is written first: a run killed between the two writes leaves the entry
    // in both files, never in neither.
    let mut edits = if added.file == removed.file {
        vec![Edit { file: removed.file.clone(), before: removed.before, after: added.after }]
    } else {
        vec![added, removed]
    };
    let old_env = cx.derived_env(index);
    let new_env = old_env.as_ref().map(|_| crate::generate::derived_env_name(new));
    if let Some((file, refs)) = cx.config_references(old, old_env.as_deref())? {
        if edits.iter().any(|e| e.file == file.path) {
            return Err(same_file_refusal());
        }
        let to = Needle { path: new, env: new_env.as_deref() };
        let changes = refs.iter().map(|r| (r.start, r.end, references::replacement(r, &to))).collect();
        let after = references::apply(&file.text, changes);
        edits.push(Edit { file: file.path.clone(), before: file.text.clone(), after });
    }
    let config = ConfigChange {
        from: key_text(old),
        to: Some(key_text(new)),
        env: old_env.as_deref().zip(new_env.as_deref()),
    };
    let after = verify(cx.options, cx.project, &edits, &Change::Move { from: old, to: new }, Some(&config))?;
    let mut notes = Vec::new();
    let moved = Context::new(&after, cx.options).entry(new);
    if moved.is_some_and(|j| after.entries[j].meta != cx.project.entries[index].meta) {
        notes.push(format!(
            "{} does not get the metadata {} had: a `services` pattern matched the old path only",
            key_text(new),
            key_text(old)
        ));
    }
    if let (Some(o), Some(n)) = (&old_env, &new_env) {
        notes.push(format!(
            "`portnix gen env` now names it {n} instead of {o}; to keep the old name, set services.\"{}\".env = \"{o}\";",
            key_text(new)
        ));
    }
    notes.extend(cx.other_selections(old, Some(new)));
    Ok(Plan { edits, notes })
}
