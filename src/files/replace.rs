//! Atomic, durable replacement of one file, and of several together.
//!
//! The new contents go into an unnamed file (`O_TMPFILE`) in the target's directory, created
//! with the target's mode and given its owner and extended attributes before a byte is
//! written; it is synced, given a random name and renamed over the target, and the directory
//! is synced. A run killed at any moment leaves the old file or the new one, and at most a
//! temporary name for the microseconds between link and rename, which the next run removes.

use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rustix::fs::{self as rfs, AtFlags, Mode, OFlags};
use rustix::io::Errno;

use super::{Lock, WriteError};

/// The file a write to `path` really changes: the end of its symlink chain.
pub(crate) fn resolve(path: &Path) -> Result<PathBuf, WriteError> {
    let abs = std::path::absolute(path).map_err(WriteError::io(path))?;
    match std::fs::symlink_metadata(&abs) {
        Ok(_) => std::fs::canonicalize(&abs).map_err(|_| WriteError::DanglingSymlink {
            target: std::fs::read_link(&abs).unwrap_or_default(),
            path: abs.clone(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let (Some(dir), Some(name)) = (abs.parent(), abs.file_name()) else {
                return Err(WriteError::NotAFile { path: abs });
            };
            match std::fs::canonicalize(dir) {
                Ok(dir) => Ok(dir.join(name)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Err(WriteError::NoDirectory { dir: dir.into(), path: abs })
                }
                Err(e) => Err(WriteError::io(dir)(e)),
            }
        }
        Err(e) => Err(WriteError::Io { path: abs, source: e }),
    }
}

/// What the replaced file had that the new one must keep.
struct Kept {
    mode: u32,
    uid: u32,
    gid: u32,
    xattrs: Vec<(OsString, Vec<u8>)>,
}

fn kept(target: &Path, shown: &Path) -> Result<Option<Kept>, WriteError> {
    let meta = match std::fs::metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(WriteError::Io { path: shown.into(), source: e }),
    };
    if !meta.is_file() {
        return Err(WriteError::NotAFile { path: shown.into() });
    }
    let mode = meta.mode() & 0o7777;
    // Root may write anything; a file nobody may write is still the user's "do not touch".
    if mode & 0o222 == 0 {
        return Err(WriteError::ReadOnly { path: shown.into(), mode });
    }
    rfs::access(target, rfs::Access::WRITE_OK)
        .map_err(|e| WriteError::Io { path: shown.into(), source: e.into() })?;
    if meta.nlink() > 1 {
        return Err(WriteError::HardLinks { path: shown.into(), links: meta.nlink() });
    }
    let euid = rustix::process::geteuid().as_raw();
    if euid != 0 && meta.uid() != euid {
        return Err(WriteError::Owner { path: shown.into(), uid: meta.uid() });
    }
    Ok(Some(Kept { mode, uid: meta.uid(), gid: meta.gid(), xattrs: xattrs(target, shown)? }))
}

fn xattrs(target: &Path, shown: &Path) -> Result<Vec<(OsString, Vec<u8>)>, WriteError> {
    let io = |e: Errno| WriteError::Io { path: shown.into(), source: e.into() };
    let size = match rfs::listxattr_query(target) {
        Ok(n) => n,
        Err(Errno::NOTSUP) => return Ok(Vec::new()),
        Err(e) => return Err(io(e)),
    };
    let mut names = vec![0u8; size];
    let n = rfs::listxattr(target, &mut names[..]).map_err(io)?;
    let mut out = Vec::new();
    for name in names[..n].split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = std::ffi::OsStr::from_bytes(name).to_os_string();
        let len = rfs::getxattr_query(target, name.as_os_str()).map_err(io)?;
        let mut value = vec![0u8; len];
        let got = rfs::getxattr(target, name.as_os_str(), &mut value[..]).map_err(io)?;
        value.truncate(got);
        out.push((name, value));
    }
    Ok(out)
}

/// A random suffix: the name of a temporary file must not be guessable, or another user could
/// plant something there first.
fn random_suffix() -> String {
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let state = std::hash::RandomState::new();
    let n = state.hash_one((
        std::process::id(),
        std::time::SystemTime::now(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
    ));
    format!("{n:016x}")
}

fn tmp_prefix(name: &std::ffi::OsStr) -> String {
    format!(".{}.portnix-tmp-", name.to_string_lossy())
}

/// Removes temporaries a killed run left beside `target`. Only under the lock, so none of them
/// can belong to a run still going.
fn remove_stale(dir: &Path, name: &std::ffi::OsStr) {
    let prefix = tmp_prefix(name);
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        if e.file_name().as_bytes().starts_with(prefix.as_bytes()) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// New contents, written and synced beside the target, not yet in its place.
pub(crate) struct Prepared {
    /// The path as the user gave it, for messages.
    shown: PathBuf,
    target: PathBuf,
    dir: OwnedFd,
    name: OsString,
    file: File,
    /// The temporary's name once it has one, so that every failure path can remove it.
    linked: Option<OsString>,
    /// The target's contents when it was read; the commit refuses if they changed since.
    expected: Option<Vec<u8>>,
}

/// Writes `contents` beside `path`, ready to replace it. `expected`: the contents the caller
/// read and changed, `None` for output that replaces whatever is there.
pub(crate) fn prepare(
    _lock: &Lock,
    path: &Path,
    contents: &[u8],
    expected: Option<&[u8]>,
) -> Result<Prepared, WriteError> {
    let target = resolve(path)?;
    let shown = path.to_path_buf();
    let kept = kept(&target, &shown)?;
    let (Some(dir_path), Some(name)) = (target.parent(), target.file_name()) else {
        return Err(WriteError::NotAFile { path: shown });
    };
    let name = name.to_os_string();
    remove_stale(dir_path, &name);
    let io = |e: Errno| WriteError::Io { path: shown.clone(), source: e.into() };
    let dir = rfs::open(dir_path, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
        .map_err(io)?;
    let mode = Mode::from_raw_mode(kept.as_ref().map_or(0o666, |k| k.mode & 0o777));
    let (fd, linked) = match rfs::openat(&dir, ".", OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC, mode)
    {
        Ok(fd) => (fd, None),
        // File systems without unnamed temporaries get an exclusive, unguessable name.
        Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL) => {
            let (fd, tmp) = create_named(&dir, &name, mode).map_err(io)?;
            (fd, Some(tmp))
        }
        Err(e) => return Err(io(e)),
    };
    let mut prepared = Prepared {
        shown,
        target: target.clone(),
        dir,
        name,
        file: File::from(fd),
        linked,
        expected: expected.map(<[u8]>::to_vec),
    };
    prepared.fill(kept.as_ref(), contents)?;
    Ok(prepared)
}

fn create_named(dir: &OwnedFd, name: &std::ffi::OsStr, mode: Mode) -> Result<(OwnedFd, OsString), Errno> {
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    loop {
        let tmp = OsString::from(format!("{}{}", tmp_prefix(name), random_suffix()));
        match rfs::openat(dir, tmp.as_os_str(), flags, mode) {
            Ok(fd) => return Ok((fd, tmp)),
            Err(Errno::EXIST) => continue,
            Err(e) => return Err(e),
        }
    }
}

impl Prepared {
    fn fill(&mut self, kept: Option<&Kept>, contents: &[u8]) -> Result<(), WriteError> {
        let shown = self.shown.clone();
        let io = |e: std::io::Error| WriteError::Io { path: shown.clone(), source: e };
        if let Some(k) = kept {
            let st = rfs::fstat(&self.file).map_err(|e| io(e.into()))?;
            if st.st_uid != k.uid || st.st_gid != k.gid {
                let (uid, gid) = (rfs::Uid::from_raw(k.uid), rfs::Gid::from_raw(k.gid));
                rfs::fchown(&self.file, Some(uid), Some(gid))
                    .map_err(|_| WriteError::Owner { path: shown.clone(), uid: k.uid })?;
            }
            // After chown, which clears set-id bits.
            rfs::fchmod(&self.file, Mode::from_raw_mode(k.mode)).map_err(|e| io(e.into()))?;
            for (name, value) in &k.xattrs {
                rfs::fsetxattr(&self.file, name.as_os_str(), value, rfs::XattrFlags::empty())
                    .map_err(|e| io(e.into()))?;
            }
        }
        self.file.write_all(contents).map_err(io)?;
        self.file.sync_all().map_err(io)
    }

    /// Puts the new contents in place and syncs the directory.
    pub(crate) fn commit(mut self) -> Result<(), WriteError> {
        let io = |e: std::io::Error| WriteError::Io { path: self.shown.clone(), source: e };
        if let Some(want) = &self.expected {
            let now = std::fs::read(&self.target).map_err(io)?;
            if &now != want {
                return Err(WriteError::Changed { path: self.shown.clone() });
            }
        }
        if self.linked.is_none() {
            self.linked = Some(self.link().map_err(|e| io(e.into()))?);
        }
        let tmp = self.linked.clone().unwrap_or_default();
        rfs::renameat(&self.dir, tmp.as_os_str(), &self.dir, self.name.as_os_str())
            .map_err(|e| io(e.into()))?;
        self.linked = None;
        rfs::fsync(&self.dir).map_err(|e| io(e.into()))
    }

    /// Gives the unnamed temporary a name in the target's directory.
    fn link(&self) -> Result<OsString, Errno> {
        let proc_path = format!("/proc/self/fd/{}", self.file.as_raw_fd());
        loop {
            let tmp = OsString::from(format!("{}{}", tmp_prefix(&self.name), random_suffix()));
            let linked = rfs::linkat(
                rfs::CWD,
                proc_path.as_str(),
                &self.dir,
                tmp.as_os_str(),
                AtFlags::SYMLINK_FOLLOW,
            )
            .or_else(|e| match e {
                Errno::NOENT => rfs::linkat(&self.file, "", &self.dir, tmp.as_os_str(), AtFlags::EMPTY_PATH),
                e => Err(e),
            });
            match linked {
                Ok(()) => return Ok(tmp),
                Err(Errno::EXIST) => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        if let Some(tmp) = self.linked.take() {
            let _ = rfs::unlinkat(self.dir.as_fd(), tmp.as_os_str(), AtFlags::empty());
        }
    }
}

/// Replaces one file: prepare, then commit.
pub(crate) fn replace(
    lock: &Lock,
    path: &Path,
    contents: &[u8],
    expected: Option<&[u8]>,
) -> Result<(), WriteError> {
    prepare(lock, path, contents, expected)?.commit()
}

/// Several files replaced together: all are written first, then put in place in the order
/// they were added; if one fails, the ones already in place get their old contents back.
#[derive(Default)]
pub(crate) struct Transaction {
    files: Vec<(Prepared, Vec<u8>)>,
}

impl Transaction {
    pub(crate) fn new() -> Transaction {
        Transaction::default()
    }

    /// Prepares `path`'s new contents; `old` is what it holds now, restored on failure.
    pub(crate) fn add(
        &mut self,
        lock: &Lock,
        path: &Path,
        contents: &[u8],
        old: &[u8],
    ) -> Result<(), WriteError> {
        let p = prepare(lock, path, contents, Some(old))?;
        self.files.push((p, old.to_vec()));
        Ok(())
    }

    pub(crate) fn commit(self, lock: &Lock) -> Result<(), WriteError> {
        let mut done: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        for (p, old) in self.files {
            let shown = p.shown.clone();
            match p.commit() {
                Ok(()) => done.push((shown, old)),
                Err(e) => {
                    for (path, old) in done.iter().rev() {
                        let _ = replace(lock, path, old, None);
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("portnix-replace-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_failed_commit_puts_back_what_was_already_replaced() {
        let base = scratch("restore");
        for d in ["a", "b"] {
            std::fs::create_dir_all(base.join(d)).unwrap();
            std::fs::write(base.join(d).join("f.nix"), format!("old {d}")).unwrap();
        }
        let lock = Lock::exclusive(&base).unwrap();
        let mut tx = Transaction::new();
        tx.add(&lock, &base.join("a/f.nix"), b"new a", b"old a").unwrap();
        tx.add(&lock, &base.join("b/f.nix"), b"new b", b"old b").unwrap();
        // The second file's directory goes away between preparing and committing: its rename
        // fails after the first file is already in place.
        std::fs::remove_dir_all(base.join("b")).unwrap();
        assert!(tx.commit(&lock).is_err());
        assert_eq!(std::fs::read_to_string(base.join("a/f.nix")).unwrap(), "old a");
        let names: Vec<_> =
            std::fs::read_dir(base.join("a")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![OsString::from("f.nix")]);
    }

    #[test]
    fn a_file_changed_behind_portnixs_back_is_not_overwritten() {
        let base = scratch("changed");
        let file = base.join("ports.nix");
        std::fs::write(&file, "old").unwrap();
        let lock = Lock::exclusive(&base).unwrap();
        let prepared = prepare(&lock, &file, b"new", Some(b"old")).unwrap();
        std::fs::write(&file, "edited by hand meanwhile").unwrap();
        assert!(matches!(prepared.commit(), Err(WriteError::Changed { .. })));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "edited by hand meanwhile");
        assert_eq!(std::fs::read_dir(&base).unwrap().count(), 1, "no temporary is left");
    }

    #[test]
    fn a_new_file_is_created_and_a_dangling_symlink_is_refused() {
        let base = scratch("new");
        let lock = Lock::exclusive(&base).unwrap();
        replace(&lock, &base.join("out.env"), b"A=1\n", None).unwrap();
        assert_eq!(std::fs::read(base.join("out.env")).unwrap(), b"A=1\n");
        std::os::unix::fs::symlink(base.join("nowhere"), base.join("link.env")).unwrap();
        let err = replace(&lock, &base.join("link.env"), b"A=1\n", None).unwrap_err();
        assert!(matches!(err, WriteError::DanglingSymlink { .. }), "{err}");
    }

    #[test]
    fn a_missing_directory_is_named_and_not_created() {
        let base = scratch("nodir");
        let err = resolve(&base.join("public/map.html")).unwrap_err();
        let WriteError::NoDirectory { dir, path } = &err else { panic!("{err}") };
        assert_eq!(
            (dir.as_path(), path.as_path()),
            (base.join("public").as_path(), base.join("public/map.html").as_path())
        );
        assert!(err.hint().unwrap().contains("mkdir -p"), "{err}");
        assert!(!base.join("public").exists());
    }
}
