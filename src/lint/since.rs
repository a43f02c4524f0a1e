//! `lint --since REV`: the registry as it was at a git revision, to find the old ports of
//! entries that have moved or gone since. The revision's tree is read with `git archive` into
//! a temporary directory and loaded there as portnix loads any project, so imports resolve as
//! they did at that revision.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::registry::{LoadOptions, PortValue, Project};

/// An old port no entry claims any more: who had it, and where that entry is now.
#[derive(Clone, Debug)]
pub(crate) struct Moved {
    pub(crate) name: String,
    /// When it had the port: "at REV" with the revision as the user named it.
    pub(crate) when: String,
    /// The entry's port now, with what to write for it; `None` when the entry is gone.
    pub(crate) now: Option<(i64, String)>,
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A temporary directory removed when dropped.
struct TempTree(PathBuf);

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The ports the registry gave at `rev` that nobody claims now, by port.
pub(crate) fn moved_since(
    project: &Project,
    rev: &str,
    options: &LoadOptions,
) -> Result<HashMap<i64, Vec<Moved>>, String> {
    let dir = project.registry_file.parent().map(Path::to_path_buf).unwrap_or_default();
    let top = PathBuf::from(
        git(&dir, &["rev-parse", "--show-toplevel"])
            .map_err(|e| format!("lint --since needs a git checkout: {e}"))?,
    );
    let commit = git(&top, &["rev-parse", "--verify", "--end-of-options", &format!("{rev}^{{commit}}")])
        .map_err(|e| format!("'{rev}' is not a revision of {}: {e}", top.display()))?;
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let relative = |p: &Path| real(p).strip_prefix(real(&top)).map(Path::to_path_buf).ok();
    let registry = relative(&project.registry_file).ok_or("the registry is outside its git checkout")?;
    let config = project.config_file.as_deref().and_then(relative);

    let tmp = TempTree(std::env::temp_dir().join(format!("portnix-since-{}-{commit}", std::process::id())));
    std::fs::create_dir_all(&tmp.0).map_err(|e| e.to_string())?;
    let mut archive = Command::new("git")
        .args(["archive", "--format=tar", &commit])
        .current_dir(&top)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run git archive: {e}"))?;
    let tar = Command::new("tar")
        .args(["-x", "-f", "-", "-C"])
        .arg(&tmp.0)
        .stdin(archive.stdout.take().ok_or("git archive gave no output")?)
        .status()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    let archived = archive.wait().map_err(|e| e.to_string())?;
    if !archived.success() || !tar.success() {
        return Err(format!("cannot read the tree of {rev}"));
    }
    // The tree at the revision is a project of its own (it need not have flake.nix or .git).
    std::fs::create_dir_all(tmp.0.join(".git")).map_err(|e| e.to_string())?;
    let old_registry = tmp.0.join(&registry);
    if !old_registry.is_file() {
        return Err(format!("{} did not exist at {rev}", registry.display()));
    }
    let old = crate::registry::load(&LoadOptions {
        registry: Some(old_registry),
        config: config.map(|c| tmp.0.join(c)).filter(|c| c.is_file()),
        ..options.clone()
    })
    .map_err(|e| {
        format!("the registry at {rev} does not load: {}", e.render().lines().next().unwrap_or(""))
    })?;

    let claimed = super::port_index(project);
    let mut out: HashMap<i64, Vec<Moved>> = HashMap::new();
    for e in &old.entries {
        let PortValue::Port(p) = e.value else { continue };
        let port = i64::from(p.get());
        if claimed.contains_key(&port) {
            continue;
        }
        let now = project.entries.iter().find(|n| n.path == e.path && n.item == e.item).and_then(|n| match n
            .value
        {
            PortValue::Port(q) => Some((i64::from(q.get()), n.nix_selector())),
            _ => None,
        });
        out.entry(port).or_default().push(Moved { name: e.name.clone(), when: format!("at {rev}"), now });
    }
    Ok(out)
}
