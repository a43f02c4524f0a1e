//! `portnix sync` through the binary: seed 002's workflow (ports kept inside each component's
//! YAML config, synced from the registry, `--check` in CI), and a property test over random
//! YAML, JSON, TOML and .env files with comments, other keys holding the same number, and
//! every quoting: only the target value's digits change, at the place the generator put them,
//! and a real reader of the format (PyYAML, serde_json, the toml crate, python-dotenv) reads
//! the new port there.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn python() -> String {
    std::env::var("PORTNIX_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// A real reader's value at `key` (dotted), as JSON.
fn read_back(format: &str, text: &str, key: &str) -> serde_json::Value {
    let value: serde_json::Value = match format {
        "json" => serde_json::from_str(text).unwrap(),
        "toml" => serde_json::to_value(toml::from_str::<toml::Value>(text).unwrap()).unwrap(),
        "yaml" | "env" => {
            let script = match format {
                "yaml" => "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))",
                _ => {
                    "import io, json, sys, dotenv; print(json.dumps(dotenv.dotenv_values(stream=io.StringIO(sys.stdin.read()))))"
                }
            };
            let mut child = Command::new(python())
                .args(["-c", script])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "{format} reader failed on:\n{text}");
            serde_json::from_slice(&out.stdout).unwrap()
        }
        _ => unreachable!(),
    };
    if format == "env" {
        return value[key].clone();
    }
    key.split('.').fold(value, |v, k| v[k].clone())
}

use common::Rng;

/// A random file of `format` holding `old` at `key` and elsewhere, and where its digits are.
fn document(rng: &mut Rng, format: &str, old: u16) -> (String, String, usize) {
    let comment = |rng: &mut Rng| rng.pick(&["", " # note", "  # port moved? é", " #"]).to_string();
    let mut text = String::new();
    let at;
    let key;
    match format {
        "yaml" => {
            let ind = rng.pick(&["  ", "    "]);
            text.push_str(&format!("# config ü{}\nname: svc\nother_port: {old}\n", comment(rng)));
            if rng.next(2) == 0 {
                text.push_str(&format!("list:\n{ind}- {old}\n{ind}- port: {old}\n"));
            }
            text.push_str(&format!("server:\n{ind}host: \"0.0.0.0\"{}\n", comment(rng)));
            let q = rng.pick(&["", "\"", "'"]);
            let prefix = format!("{ind}port: {q}");
            at = text.len() + prefix.len();
            text.push_str(&format!("{prefix}{old}{q}{}\n", comment(rng)));
            text.push_str(&format!("{ind}backup_port: {old}\nlast: {{ port: {old} }}\n"));
            key = "server.port".to_string();
        }
        "json" => {
            let sp = rng.pick(&["", " ", "\n  ", "\t"]);
            let q = rng.pick(&["", "\""]);
            let head = format!(
                "{{{sp}\"port\":{sp}{old},{sp}\"server\":{sp}{{{sp}\"name\": \"a.b\",{sp}\"port\":{sp}{q}"
            );
            at = head.len();
            text = format!(
                "{head}{old}{q}{sp},{sp}\"ports\": [{old}, {{\"port\": {old}}}]{sp}}},{sp}\"x\": null{sp}}}\n"
            );
            key = "server.port".to_string();
        }
        "toml" => {
            text.push_str(&format!(
                "# top{}\nport = {old}\n\n[server]\nhost = \"h\"{}\n",
                comment(rng),
                comment(rng)
            ));
            let q = rng.pick(&["", "\""]);
            let eq = rng.pick(&[" = ", "=", "   =  "]);
            let prefix = format!("port{eq}{q}");
            at = text.len() + prefix.len();
            text.push_str(&format!("{prefix}{old}{q}{}\n\n[backup]\nport = {old}\n", comment(rng)));
            key = "server.port".to_string();
        }
        _ => {
            text.push_str(&format!("# env{}\nOTHER_PORT={old}\n", comment(rng)));
            let export = rng.pick(&["", "export "]);
            let q = rng.pick(&["", "\"", "'"]);
            let prefix = format!("{export}API_PORT={q}");
            at = text.len() + prefix.len();
            let tail = rng.pick(&["", " # api"]);
            text.push_str(&format!("{prefix}{old}{q}{tail}\nLAST={old}\n"));
            key = "API_PORT".to_string();
        }
    }
    (text, key, at)
}

#[test]
fn sync_changes_only_the_target_digits_in_every_format() {
    let dir = common::project("sync-prop", "{ api = 8000; }\n", Some("{ }\n"));
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut cases = 0;
    for format in ["yaml", "json", "toml", "env"] {
        let file = match format {
            "env" => ".env".to_string(),
            f => format!("config.{f}"),
        };
        for _ in 0..40 {
            let old = [1u16, 80, 8000, 9050, 65535][rng.next(5)];
            let new = [7, 8000, 10000, 443][rng.next(4)];
            let (text, key, at) = document(&mut rng, format, old);
            assert_eq!(&text[at..at + old.to_string().len()], old.to_string(), "{format} generator:\n{text}");
            std::fs::write(dir.join(&file), &text).unwrap();
            std::fs::write(dir.join("lib/ports.nix"), format!("{{ api = {new}; }}\n")).unwrap();
            std::fs::write(
                dir.join("lib/portnix.nix"),
                format!("{{ sync = [ {{ file = \"{file}\"; key = \"{key}\"; port = \"api\"; }} ]; }}\n"),
            )
            .unwrap();
            let out = common::portnix(&dir, &["sync"]);
            assert!(out.status.success(), "{format}:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
            let after = std::fs::read_to_string(dir.join(&file)).unwrap();
            let (old_s, new_s) = (old.to_string(), new.to_string());
            assert_eq!(&after[..at], &text[..at], "{format}: bytes before the value changed");
            assert_eq!(&after[at..at + new_s.len()], new_s, "{format}:\n{after}");
            assert_eq!(
                &after[at + new_s.len()..],
                &text[at + old_s.len()..],
                "{format}: bytes after the value changed"
            );
            let read = read_back(format, &after, &key);
            assert!(
                read == serde_json::json!(new) || read == serde_json::json!(new_s),
                "{format}: read {read}:\n{after}"
            );
            // Once synced, --check is clean, and a second sync writes the same bytes.
            assert_eq!(common::portnix(&dir, &["sync", "--check"]).status.code(), Some(0));
            cases += 1;
        }
    }
    eprintln!("{cases} files synced, each changed only at its value");
}

fn yaml_config(port: u16) -> String {
    format!(
        "# Pourtier: user management API\nserver:\n  host: 0.0.0.0        # all interfaces\n  port: {port}           # from lib/ports.nix\n  workers: 4\ndatabase:\n  url: \"postgres://db:5432/pourtier\"\n"
    )
}

#[test]
fn seed_002_syncs_its_component_configs_and_check_catches_a_hand_edit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/002-environments");
    let dir =
        common::project("sync-seed-002", &std::fs::read_to_string(root.join("ports.nix")).unwrap(), None);
    let config = std::fs::read_to_string(root.join("portnix.nix")).unwrap();
    let config = config.trim_end().strip_suffix('}').unwrap().to_string()
        + "  sync = map (env: { file = \"pourtier/config/${env}.yaml\"; key = \"server.port\"; port = \"${env}.pourtier\"; })\n    [ \"production\" \"development\" \"test\" ];\n}\n";
    std::fs::write(dir.join("lib/portnix.nix"), config).unwrap();
    std::fs::create_dir_all(dir.join("pourtier/config")).unwrap();
    for env in ["production", "development", "test"] {
        std::fs::write(dir.join(format!("pourtier/config/{env}.yaml")), yaml_config(1234)).unwrap();
    }
    // A dry run shows the three changes and writes nothing.
    let dry = common::portnix(&dir, &["sync", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0));
    let diff = String::from_utf8_lossy(&dry.stdout);
    for (env, port) in [("production", 8000), ("development", 9000), ("test", 7000)] {
        assert!(diff.contains(&format!("+  port: {port}")), "{env}: {diff}");
        assert_eq!(
            std::fs::read_to_string(dir.join(format!("pourtier/config/{env}.yaml"))).unwrap(),
            yaml_config(1234)
        );
    }
    assert_eq!(common::portnix(&dir, &["sync", "--check"]).status.code(), Some(1));
    let out = common::portnix(&dir, &["sync"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    for (env, port) in [("production", 8000), ("development", 9000), ("test", 7000)] {
        let text = std::fs::read_to_string(dir.join(format!("pourtier/config/{env}.yaml"))).unwrap();
        // "port: 1234  " became "port: 8000  ": the comment's column stays.
        assert_eq!(text, yaml_config(port), "{env}");
    }
    assert_eq!(common::portnix(&dir, &["sync", "--check"]).status.code(), Some(0));
    // Someone edits a value by hand: CI's --check fails with the diff, and sync puts it back.
    let dev = dir.join("pourtier/config/development.yaml");
    std::fs::write(&dev, yaml_config(9050)).unwrap();
    let check = common::portnix(&dir, &["sync", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&check.stdout);
    assert!(diff.contains("-  port: 9050") && diff.contains("+  port: 9000"), "{diff}");
    assert!(String::from_utf8_lossy(&check.stderr).contains("1 of 3 synced files are out of date"));
    assert_eq!(common::portnix(&dir, &["sync"]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&dev).unwrap(), yaml_config(9000));
}

#[test]
fn sync_keeps_mode_goes_through_symlinks_and_refuses_what_it_cannot_find() {
    use std::os::unix::fs::PermissionsExt;
    let dir = common::project(
        "sync-files",
        "{ api = 8000; }\n",
        Some("{ sync = [ { file = \"link.yaml\"; key = \"port\"; port = \"api\"; } ]; }\n"),
    );
    std::fs::create_dir_all(dir.join("real")).unwrap();
    std::fs::write(dir.join("real/app.yaml"), "port: 1\n").unwrap();
    std::fs::set_permissions(dir.join("real/app.yaml"), std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink("real/app.yaml", dir.join("link.yaml")).unwrap();
    assert_eq!(common::portnix(&dir, &["sync"]).status.code(), Some(0));
    assert!(std::fs::symlink_metadata(dir.join("link.yaml")).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(dir.join("real/app.yaml")).unwrap(), "port: 8000\n");
    assert_eq!(std::fs::metadata(dir.join("real/app.yaml")).unwrap().permissions().mode() & 0o777, 0o640);

    // A missing key and a value that is not a number: errors at their place, nothing written.
    std::fs::write(dir.join("real/app.yaml"), "server:\n  host: example.org\n").unwrap();
    std::fs::write(
        dir.join("lib/portnix.nix"),
        "{ sync = [\n  { file = \"link.yaml\"; key = \"server.port\"; port = \"api\"; }\n  { file = \"link.yaml\"; key = \"server.host\"; port = \"api\"; }\n]; }\n",
    )
    .unwrap();
    let out = common::portnix(&dir, &["sync"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[sync-target]: link.yaml has no `server.port`"), "{err}");
    assert!(err.contains("`server.host` in link.yaml holds example.org, not a port number"), "{err}");
    assert!(err.contains("--> link.yaml:2:9"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.join("real/app.yaml")).unwrap(), "server:\n  host: example.org\n");

    // A file outside the project, even through a symlink, is refused.
    let outside = std::env::temp_dir().join(format!("portnix-sync-outside-{}.yaml", std::process::id()));
    std::fs::write(&outside, "port: 1\n").unwrap();
    std::fs::remove_file(dir.join("link.yaml")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("link.yaml")).unwrap();
    std::fs::write(
        dir.join("lib/portnix.nix"),
        "{ sync = [ { file = \"link.yaml\"; key = \"port\"; port = \"api\"; } ]; }\n",
    )
    .unwrap();
    let out = common::portnix(&dir, &["sync"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("outside the project root"), "{out:?}");
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "port: 1\n");
    std::fs::remove_file(&outside).unwrap();
}

/// What bash reads for `name` after sourcing the file.
fn bash_reads(text: &str, name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("portnix-sync-bash-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("f.env"), text).unwrap();
    let out = Command::new("bash")
        .args(["-c", &format!("set -a; . ./f.env; printf %s \"${name}\"")])
        .current_dir(&dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sync_project(name: &str, sync: &str, file: &str, text: &str) -> std::path::PathBuf {
    let config = format!("{{ sync = [ {sync} ]; }}\n");
    let dir = common::project(name, "{ bridge = { passeur = 9000; api = 9001; }; }\n", Some(&config));
    std::fs::write(dir.join(file), text).unwrap();
    dir
}

#[test]
fn a_line_inside_a_quoted_env_value_is_not_synced_and_the_last_binding_is() {
    let text = "NOTE=\"line1\nPASSEUR_PORT=9050\nline3\"\nPASSEUR_PORT=9051\n";
    let dir = sync_project(
        "env-multiline",
        "{ file = \".env\"; key = \"PASSEUR_PORT\"; port = \"bridge.passeur\"; }",
        ".env",
        text,
    );
    assert_eq!(common::portnix(&dir, &["sync", "--check"]).status.code(), Some(1));
    let out = common::portnix(&dir, &["sync"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let after = std::fs::read_to_string(dir.join(".env")).unwrap();
    assert_eq!(after, "NOTE=\"line1\nPASSEUR_PORT=9050\nline3\"\nPASSEUR_PORT=9000\n");
    // The readers read the synced port, and the note unchanged.
    assert_eq!(read_back("env", &after, "PASSEUR_PORT"), "9000");
    assert_eq!(read_back("env", &after, "NOTE"), "line1\nPASSEUR_PORT=9050\nline3");
    assert_eq!(bash_reads(&after, "PASSEUR_PORT"), "9000");
    assert_eq!(common::portnix(&dir, &["sync", "--check"]).status.code(), Some(0));
}

#[test]
fn a_key_given_twice_in_json_or_yaml_is_refused_with_both_places() {
    for (file, text, key) in [
        ("c.json", "{\n  \"port\": 9050,\n  \"port\": 9051\n}\n", "port"),
        ("c.yaml", "server:\n  port: 9050\n  port: 9051\n", "server.port"),
    ] {
        let sync = format!("{{ file = \"{file}\"; key = \"{key}\"; port = \"bridge.passeur\"; }}");
        let dir = sync_project(&format!("dup-{file}"), &sync, file, text);
        for args in [&["sync"][..], &["sync", "--check"]] {
            let out = common::portnix(&dir, args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{file} {args:?}: {err}");
            assert!(err.contains("is given twice") && err.contains(&format!("{file}:3:3")), "{err}");
            assert!(err.contains(&format!("{file}:2:3")) && err.contains("given here first"), "{err}");
        }
        assert_eq!(std::fs::read_to_string(dir.join(file)).unwrap(), text, "{file} untouched");
    }
}

#[test]
fn two_targets_on_one_value_are_a_config_error_naming_both() {
    let sync = "{ file = \"c.yaml\"; key = \"server.port\"; port = \"bridge.passeur\"; } \
                { file = \"./c.yaml\"; key = \"server.port\"; port = \"bridge.api\"; }";
    let dir = sync_project("two-targets", sync, "c.yaml", "server:\n  port: 9000\n");
    for args in [&["sync", "--check"][..], &["check"]] {
        let out = common::portnix(&dir, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("error[config-error]: sync[0] and sync[1] both write `server.port`"), "{err}");
        assert!(err.contains("sync[0] writes it too"), "{err}");
    }
    // Two patterns that match one number: found when the file is read.
    let sync = "{ file = \"Caddyfile\"; pattern = \"localhost:([0-9]+)\"; port = \"bridge.passeur\"; } \
                { file = \"Caddyfile\"; pattern = \":([0-9]+) \"; port = \"bridge.api\"; }";
    let dir = sync_project("two-patterns", sync, "Caddyfile", "reverse_proxy localhost:9000 {\n}\n");
    let out = common::portnix(&dir, &["sync", "--check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("two sync targets write one value of Caddyfile"), "{err}");
}
