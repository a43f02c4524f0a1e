//! Renames that keep the project whole: `mv` carries the config's references along and `check`
//! says after it what it said before, on every example and on this repository's registry;
//! `rm` lists what still names an entry; edits stay inside the project root; a multi-file edit
//! whose second file cannot be written changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::path::{Path, PathBuf};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A throwaway project holding a copy of `registry` and `config` under `lib/`.
fn copy_project(name: &str, registry: &Path, config: &Path) -> PathBuf {
    let ports = std::fs::read_to_string(registry).unwrap();
    let cfg = std::fs::read_to_string(config).unwrap();
    common::project(name, &ports, Some(&cfg))
}

/// `check --format json` as (code, sorted paths) pairs, sorted, and the exit code.
fn findings(dir: &Path) -> (Vec<(String, Vec<String>)>, Option<i32>) {
    let out = common::portnix(dir, &["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), stderr(&out)));
    let mut v: Vec<(String, Vec<String>)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut paths: Vec<String> =
                f["paths"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect();
            paths.sort();
            (f["code"].as_str().unwrap().to_string(), paths)
        })
        .collect();
    v.sort();
    (v, out.status.code())
}

fn entry_paths(dir: &Path) -> Vec<String> {
    let out = common::portnix(dir, &["ls", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json.as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap().to_string()).collect()
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    ["lib/ports.nix", "lib/portnix.nix"]
        .iter()
        .map(|f| (dir.join(f), std::fs::read(dir.join(f)).unwrap()))
        .collect()
}

#[test]
fn random_renames_keep_every_example_and_the_repo_registry_checking_the_same() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut projects: Vec<(String, PathBuf, PathBuf)> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|d| {
            (
                d.file_name().unwrap().to_string_lossy().into_owned(),
                d.join("ports.nix"),
                d.join("portnix.nix"),
            )
        })
        .collect();
    projects.push(("repo".into(), root.join("lib/ports.nix"), root.join("lib/portnix.nix")));
    projects.sort();
    let (mut moved, mut refused) = (0, 0);
    let mut seed: u64 = 7;
    for (name, registry, config) in &projects {
        let dir = copy_project(&format!("mv-{name}"), registry, config);
        // The repo's registry imports nothing; the examples are self-contained too.
        let (mut want, code) = findings(&dir);
        for round in 0..12 {
            let paths = entry_paths(&dir);
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let old = &paths[(seed >> 33) as usize % paths.len()];
            let Some((parent, leaf)) = old.rsplit_once('.') else { continue };
            let new = format!("{parent}.{leaf}R{round}");
            let before = snapshot(&dir);
            let out = common::portnix(&dir, &["mv", old, &new]);
            if out.status.code() != Some(0) {
                // Entries a function computes (seed 002's `environment 9000`) are the user's
                // to rename; anything else would be a layout portnix should handle.
                let err = stderr(&out);
                assert!(err.contains("is computed"), "{name}: mv {old} {new} refused: {err}");
                refused += 1;
                assert_eq!(
                    snapshot(&dir),
                    before,
                    "{name}: a refused mv {old} changed files: {}",
                    stderr(&out)
                );
                continue;
            }
            moved += 1;
            for (_, paths) in want.iter_mut() {
                for p in paths.iter_mut() {
                    if p == old {
                        *p = new.clone();
                    }
                }
                paths.sort();
            }
            want.sort();
            let (got, got_code) = findings(&dir);
            assert_eq!(got, want, "{name}: after mv {old} {new}");
            assert_eq!(got_code, code, "{name}: after mv {old} {new}");
        }
    }
    eprintln!("{moved} renames checked, {refused} refused as computed");
    assert!(moved >= 50, "{moved} moved, {refused} refused");
}

#[test]
fn moving_a_referenced_entry_rewrites_the_config() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = copy_project("mv-redis", &root.join("lib/ports.nix"), &root.join("lib/portnix.nix"));
    let before = snapshot(&dir);
    let out = common::portnix(&dir, &["mv", "databases.redis", "devtools.redis", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let diff = String::from_utf8_lossy(&out.stdout);
    for want in [
        "--- lib/ports.nix",
        "-    redis = 6379;",
        "--- lib/portnix.nix",
        "+      serves = [ \"devtools.redis\" ];",
    ] {
        assert!(diff.contains(want), "{want}\n{diff}");
    }
    assert_eq!(snapshot(&dir), before, "--dry-run writes nothing");
    let out = common::portnix(&dir, &["mv", "databases.redis", "devtools.redis"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let config = std::fs::read_to_string(dir.join("lib/portnix.nix")).unwrap();
    assert!(
        config.contains("\"devtools.redis\" = { description = \"Redis\"; env = \"REDIS_PORT\"; };"),
        "{config}"
    );
    assert!(config.contains("--port ${toString ports.devtools.redis}"), "{config}");
    assert!(config.contains("serves = [ \"devtools.redis\" ];"), "{config}");
    assert!(!config.contains("databases.redis"), "{config}");
    let check = common::portnix(&dir, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}{}", String::from_utf8_lossy(&check.stdout), stderr(&check));
}

#[test]
fn every_kind_of_reference_moves_in_the_files_own_style() {
    let dir = common::project(
        "mv-kinds",
        "{\n  infra = {\n    ssh = 22;\n    tailscale = 41641;\n  };\n  web = {\n    api = 3000;\n  };\n}\n",
        Some(concat!(
            "let p = import ./ports.nix; in\n{\n",
            "  reserved = [ { from = 1; to = 1023; reason = \"system\"; allow = [ \"infra.ssh\" ]; } ];\n",
            "  services.\"infra.tailscale\" = { protocol = \"udp\"; shareWith = [ \"web.api\" ]; };\n",
            "  ignore.\"ephemeral-port\" = [ \"infra.tailscale\" ];\n",
            "  processes.api = {\n",
            "    command = \"api --port ${toString p.web.api} --ssh $INFRA_SSH_PORT\";\n",
            "    serves = [ \"web.api\" \"infra.ssh\" ];\n",
            "  };\n}\n",
        )),
    );
    let (before, code) = findings(&dir);
    let out = common::portnix(&dir, &["mv", "infra.ssh", "admin.ssh"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("now names it ADMIN_SSH_PORT instead of INFRA_SSH_PORT"),
        "{}",
        stderr(&out)
    );
    let out = common::portnix(&dir, &["mv", "infra.tailscale", "vpn.tailscale"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = common::portnix(&dir, &["mv", "web.api", "web.backend"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let config = std::fs::read_to_string(dir.join("lib/portnix.nix")).unwrap();
    for want in [
        "allow = [ \"admin.ssh\" ]",
        "services.\"vpn.tailscale\" = { protocol = \"udp\"; shareWith = [ \"web.backend\" ]; };",
        "ignore.\"ephemeral-port\" = [ \"vpn.tailscale\" ];",
        "${toString p.web.backend} --ssh $ADMIN_SSH_PORT",
        "serves = [ \"web.backend\" \"admin.ssh\" ];",
    ] {
        assert!(config.contains(want), "{want}\n{config}");
    }
    let rename = |p: &str| match p {
        "infra.ssh" => "admin.ssh".to_string(),
        "infra.tailscale" => "vpn.tailscale".to_string(),
        "web.api" => "web.backend".to_string(),
        p => p.to_string(),
    };
    let mut want: Vec<(String, Vec<String>)> = before
        .into_iter()
        .map(|(c, ps)| {
            let mut ps: Vec<String> = ps.iter().map(|p| rename(p)).collect();
            ps.sort();
            (c, ps)
        })
        .collect();
    want.sort();
    assert_eq!(findings(&dir), (want, code));
}

#[test]
fn rm_lists_every_reference_and_force_removes_the_removable_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = copy_project("rm-refs", &root.join("lib/ports.nix"), &root.join("lib/portnix.nix"));
    let before = snapshot(&dir);
    let out = common::portnix(&dir, &["rm", "databases.postgresql"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for want in [
        "lib/portnix.nix:35:5: a services key",
        "lib/portnix.nix:51:67: a selection from the registry",
        "lib/portnix.nix:52:18: the path as a string",
        "--force",
    ] {
        assert!(err.contains(want), "{want}\n{err}");
    }
    assert_eq!(snapshot(&dir), before);
    // A selection inside a command cannot be removed for the user, even with --force.
    let out = common::portnix(&dir, &["rm", "databases.postgresql", "--force"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("51:67: a selection from the registry (edit this by hand)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&dir), before);
    // An entry named only by its services key and a list item goes with --force.
    let out = common::portnix(&dir, &["rm", "development.docs", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let config = std::fs::read_to_string(dir.join("lib/portnix.nix")).unwrap();
    assert!(!config.contains("development.docs"), "{config}");
    assert_eq!(common::portnix(&dir, &["check"]).status.code(), Some(0));
}

#[test]
fn other_nix_files_that_select_the_old_path_are_named() {
    let dir = common::project("mv-notes", "{\n  db = {\n    pg = 5432;\n  };\n}\n", Some("{ }\n"));
    std::fs::create_dir_all(dir.join("hosts")).unwrap();
    std::fs::write(
        dir.join("hosts/web.nix"),
        "{ ... }:\nlet ports = import ../lib/ports.nix; in\n{\n  services.postgresql.port = ports.db.pg;\n}\n",
    )
    .unwrap();
    let out = common::portnix(&dir, &["mv", "db.pg", "db.postgres"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("hosts/web.nix:4:36 still selects ports.db.pg; change it to ports.db.postgres"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn edits_stay_inside_the_project_root() {
    // Through `../`: evaluation refuses the import without --allow-outside-root, and so does
    // every edit; with it, the user has allowed both.
    let dir = common::project("outside", "{ db = import ../../outside/shared.nix; }\n", Some("{ }\n"));
    let outside = dir.join("../outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("shared.nix"), "{ pg = 5432; }\n").unwrap();
    let before = std::fs::read(outside.join("shared.nix")).unwrap();
    for args in [
        &["rm", "db.pg"][..],
        &["mv", "db.pg", "db.postgres"],
        &["add", "db.x", "--port", "6000"],
        &["set", "db.pg", "5433"],
    ] {
        let out = common::portnix(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("leaves the project root"), "{args:?}: {}", stderr(&out));
        assert_eq!(std::fs::read(outside.join("shared.nix")).unwrap(), before, "{args:?}");
    }
    let out = common::portnix(&dir, &["set", "db.pg", "5433", "--allow-outside-root"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::read_to_string(outside.join("shared.nix")).unwrap().contains("5433"));
    std::fs::write(outside.join("shared.nix"), &before).unwrap();

    // Through a symlink inside the tree that points out of it: the edit follows the link, so
    // the link's target is what must be inside.
    let dir = common::project("outside-link", "{ db = import ./db.nix; }\n", Some("{ }\n"));
    std::os::unix::fs::symlink(outside.join("shared.nix"), dir.join("lib/db.nix")).unwrap();
    for args in [&["rm", "db.pg"][..], &["mv", "db.pg", "db.postgres"], &["set", "db.pg", "5433"]] {
        let out = common::portnix(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("leaves the project root"), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(std::fs::read(outside.join("shared.nix")).unwrap(), before);
}

#[test]
fn a_move_across_files_whose_second_write_fails_changes_nothing() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("not root: the read-only mount this test needs is not available");
        return;
    }
    let dir = common::project(
        "mv-fail",
        "{\n  db = import ./db;\n  web = {\n    api = 3000;\n  };\n}\n",
        Some("{ }\n"),
    );
    std::fs::create_dir_all(dir.join("lib/db")).unwrap();
    std::fs::write(dir.join("lib/db/default.nix"), "{\n  pg = 5432;\n}\n").unwrap();
    let snap = || {
        (
            std::fs::read(dir.join("lib/ports.nix")).unwrap(),
            std::fs::read(dir.join("lib/db/default.nix")).unwrap(),
        )
    };
    let before = snap();
    let d = dir.display();
    let bin = env!("CARGO_BIN_EXE_portnix");
    // The imported file's directory is read-only (a bind mount in a namespace of our own), so
    // the removal cannot be prepared: the insertion into the writable registry must not land.
    let script = format!(
        "mount --bind {d}/lib/db {d}/lib/db; mount -o remount,bind,ro {d}/lib/db; cd {d}; \
         set +e; {bin} mv db.pg web.pg; echo \"exit=$?\""
    );
    let out = std::process::Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-ec", &script])
        .output()
        .unwrap();
    let (so, se) = (String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(so.contains("exit=2"), "{so}\n{se}");
    assert!(se.contains("read-only"), "{se}");
    assert_eq!(snap(), before, "nothing was written");
    // Writable again, the same move lands in both files.
    let out = common::portnix(&dir, &["mv", "db.pg", "web.pg"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::read_to_string(dir.join("lib/ports.nix")).unwrap().contains("pg = 5432;"));
    assert!(!std::fs::read_to_string(dir.join("lib/db/default.nix")).unwrap().contains("pg"));
}
