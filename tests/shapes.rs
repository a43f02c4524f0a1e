//! Leaves as registries write them (metadata beside the port, lists of ports), through every
//! command: queries, generators and the edits, each run as the binary a user runs.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::path::Path;

use common::{portnix, project};

const PORTS: &str = r#"{
  network = {
    dns = { port = 5353; protocol = "UDP"; description = "mDNS"; openFirewall = true; };
    dnsTcp = { port = 5353; protocol = "tcp"; };
    syncthing = [ 22000 { port = 21027; protocol = "udp"; description = "discovery"; } ];
    wireguard = { port = 51820; protocol = "udp"; openFirewall = true; interfaces = [ "wan0" ]; };
  };
  web = { api = 8080; admin = 8081; };
}
"#;

const CONFIG: &str = r#"{
  services."network.syncthing" = { env = "SYNCTHING"; openFirewall = true; };
  ignore."ephemeral-port" = [ "network.wireguard" ];
}
"#;

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = portnix(dir, args);
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn ports_text(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("lib/ports.nix")).unwrap()
}

#[test]
fn metadata_leaves_and_lists_check_clean_and_answer_queries() {
    let dir = project("shapes-queries", PORTS, Some(CONFIG));
    let (code, out, err) = run(&dir, &["check"]);
    assert_eq!(code, 0, "{out}{err}");
    // 5353/udp and 5353/tcp are two sockets: no duplicate.
    assert!(!out.contains("duplicate-port"), "{out}");

    assert_eq!(run(&dir, &["get", "network.syncthing"]).1, "22000\n21027\n");
    assert_eq!(run(&dir, &["get", "network.syncthing[1]"]).1, "21027\n");
    assert_eq!(run(&dir, &["get", "network.dns"]).1, "5353\n");
    let (_, which, _) = run(&dir, &["which", "21027"]);
    assert!(which.contains("network.syncthing[1]"), "{which}");

    let (_, ls, _) = run(&dir, &["ls", "--json"]);
    let ls: serde_json::Value = serde_json::from_str(&ls).unwrap();
    let dns = ls.as_array().unwrap().iter().find(|e| e["path"] == "network.dns").unwrap();
    assert_eq!(dns["protocol"], "udp", "the leaf's own protocol, in any case");
    assert_eq!(dns["description"], "mDNS");
}

#[test]
fn every_generator_reads_the_leaves_own_metadata() {
    let dir = project("shapes-generate", PORTS, Some(CONFIG));
    let (code, env, err) = run(&dir, &["gen", "env"]);
    assert_eq!(code, 0, "{err}");
    // A list shares the service's name, each item with its place.
    assert!(env.contains("\nSYNCTHING_0=22000\n") && env.contains("\nSYNCTHING_1=21027\n"), "{env}");
    assert!(env.contains("\nNETWORK_DNS_PORT=5353\n"), "{env}");

    let (_, fw, _) = run(&dir, &["gen", "nixos-firewall"]);
    let compact: String = fw.split_whitespace().collect::<Vec<_>>().join(" ");
    // dns opens udp only (its own protocol); syncthing's two items each on their own protocol.
    assert!(compact.contains("allowedTCPPorts = [ 22000 # network.syncthing[0] ];"), "{fw}");
    assert!(
        compact.contains("allowedUDPPorts = [ 5353 # network.dns 21027 # network.syncthing[1] ];"),
        "{fw}"
    );
    assert!(
        compact.contains("interfaces.wan0 = { allowedUDPPorts = [ 51820 # network.wireguard ]; };"),
        "{fw}"
    );

    let (_, json, _) = run(&dir, &["gen", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let items: Vec<_> = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["segments"] == serde_json::json!(["network", "syncthing"]))
        .map(|e| (e["item"].as_u64().unwrap(), e["port"].as_u64().unwrap(), e["protocol"].clone()))
        .collect();
    assert_eq!(items.len(), 2);
    assert!(items.contains(&(0, 22000, "tcp".into())) && items.contains(&(1, 21027, "udp".into())));

    let (_, md, _) = run(&dir, &["gen", "markdown"]);
    assert!(md.contains("| 5353 | udp | `network.dns` | mDNS |"), "{md}");
}

#[test]
fn set_changes_only_the_port_of_a_metadata_leaf_or_a_list_item() {
    let dir = project("shapes-set", PORTS, Some(CONFIG));
    let before = ports_text(&dir);
    let (code, _, err) = run(&dir, &["set", "network.dns", "5354"]);
    assert_eq!(code, 0, "{err}");
    let want = before
        .replace(r#"dns = { port = 5353; protocol = "UDP";"#, r#"dns = { port = 5354; protocol = "UDP";"#);
    assert_eq!(ports_text(&dir), want);

    let (code, _, err) = run(&dir, &["set", "network.syncthing[1]", "21028"]);
    assert_eq!(code, 0, "{err}");
    assert!(ports_text(&dir).contains(r#"[ 22000 { port = 21028; protocol = "udp";"#));
    let (code, _, err) = run(&dir, &["set", "network.syncthing[0]", "22001"]);
    assert_eq!(code, 0, "{err}");
    assert!(ports_text(&dir).contains("[ 22001 { port = 21028;"));

    // A whole list is several ports: which one is meant must be said.
    let unchanged = ports_text(&dir);
    let (code, _, err) = run(&dir, &["set", "network.syncthing", "22002"]);
    // Bad usage, not the registry's no.
    assert_eq!(code, 2);
    assert!(err.contains("a list of 2 ports") && err.contains("[0]"), "{err}");
    assert_eq!(run(&dir, &["set", "network.syncthing[7]", "22002"]).0, 1);
    // The other item's port is taken: refused like any other claimed port.
    assert_eq!(run(&dir, &["set", "network.dnsTcp", "8080"]).0, 1);
    assert_eq!(ports_text(&dir), unchanged);
}

#[test]
fn add_writes_the_shape_its_neighbours_use_and_rm_and_mv_take_whole_leaves() {
    let dir = project("shapes-add", PORTS, Some(CONFIG));
    // network's leaves are sets with their own `port`: the new one is too, with its protocol.
    let (code, out, err) = run(&dir, &["add", "network.unbound", "--port", "5335", "--protocol", "udp"]);
    assert_eq!((code, out.as_str()), (0, "5335\n"), "{err}");
    assert!(!err.contains("services."), "the protocol went into the leaf: {err}");
    assert!(ports_text(&dir).contains(r#"unbound = { port = 5335; protocol = "udp"; };"#));
    assert_eq!(run(&dir, &["get", "network.unbound"]).1, "5335\n");
    let (_, ls, _) = run(&dir, &["ls", "network.unbound", "--json"]);
    assert!(ls.contains(r#""protocol": "udp""#), "{ls}");
    // web's leaves are plain numbers: so is the new one, and the config says the protocol.
    let (code, _, err) = run(&dir, &["add", "web.metrics", "--port", "8082", "--protocol", "udp"]);
    assert_eq!(code, 0, "{err}");
    assert!(ports_text(&dir).contains("web = { api = 8080; admin = 8081; metrics = 8082; };"));
    let config = std::fs::read_to_string(dir.join("lib/portnix.nix")).unwrap();
    assert!(config.contains(r#"  services."web.metrics" = { protocol = "udp"; };"#), "{config}");
    let (_, ls, _) = run(&dir, &["ls", "web.metrics", "--json"]);
    assert!(ls.contains(r#""protocol": "udp""#), "{ls}");

    let (code, _, err) = run(&dir, &["mv", "network.wireguard", "network.wg"]);
    assert_eq!(code, 0, "{err}");
    let text = ports_text(&dir);
    assert!(text.contains(r#"wg = { port = 51820; protocol = "udp"; openFirewall = true;"#), "{text}");
    assert!(std::fs::read_to_string(dir.join("lib/portnix.nix")).unwrap().contains(r#"[ "network.wg" ]"#));

    // The config names syncthing: rm refuses, then with --force takes the list and the key.
    assert_eq!(run(&dir, &["rm", "network.syncthing"]).0, 1);
    let (code, _, err) = run(&dir, &["rm", "network.syncthing", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(!ports_text(&dir).contains("syncthing"));
    let (code, out, err) = run(&dir, &["check"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn lint_suggests_a_selection_that_real_nix_evaluates_to_the_port() {
    let dir = project("shapes-lint", PORTS, Some(CONFIG));
    std::fs::create_dir_all(dir.join("modules")).unwrap();
    std::fs::write(dir.join("modules/net.nix"), "{ a = 5353; b = 21027; c = 22000; d = 51820; }\n").unwrap();
    let (code, out, _) = run(&dir, &["lint"]);
    assert_eq!(code, 1, "{out}");
    let suggestions: Vec<(u16, String)> = out
        .lines()
        .filter_map(|l| {
            let port = l.split("hard-coded port ").nth(1)?.split(' ').next()?.parse().ok()?;
            let first = l.split(": use ").nth(1)?.trim_end_matches(" instead").split(" or ").next()?;
            Some((port, first.to_string()))
        })
        .collect();
    let wanted = [
        (5353, "ports.network.dns.port"),
        (21027, "(builtins.elemAt ports.network.syncthing 1).port"),
        (22000, "builtins.elemAt ports.network.syncthing 0"),
        (51820, "ports.network.wireguard.port"),
    ];
    for (port, selector) in wanted {
        assert!(suggestions.contains(&(port, selector.to_string())), "{port}: {out}");
    }
    if !common::nix_available() {
        return;
    }
    for (port, selector) in wanted {
        let expr = format!("let ports = import {}/lib/ports.nix; in {selector}", dir.display());
        let out =
            std::process::Command::new("nix-instantiate").args(["--eval", "-E", &expr]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), port.to_string(), "{selector}");
    }
}

#[test]
fn owner_and_status_are_shown_where_people_read_the_registry() {
    // Seed 000 keeps who owns each service and whether it is active, planned or dev only.
    let dir = common::project(
        "owner-status",
        "{ nlpApi = { port = 3456; owner = \"luminous-core\"; status = \"active\"; }; gui = 3458; }\n",
        Some("{ services.gui = { status = \"planned\"; }; }\n"),
    );
    let ls = String::from_utf8_lossy(&common::portnix(&dir, &["ls"]).stdout).to_string();
    let header = ls.lines().next().unwrap();
    assert!(header.contains("OWNER") && header.contains("STATUS"), "{ls}");
    let api = ls.lines().find(|l| l.contains("nlpApi")).unwrap();
    assert!(api.contains("luminous-core") && api.contains("active"), "{ls}");
    assert!(ls.lines().find(|l| l.contains("gui")).unwrap().contains("planned"), "{ls}");
    let json: serde_json::Value =
        serde_json::from_slice(&common::portnix(&dir, &["gen", "json"]).stdout).unwrap();
    let by_path =
        |p: &str| json["entries"].as_array().unwrap().iter().find(|e| e["path"] == p).unwrap().clone();
    assert_eq!(by_path("nlpApi")["owner"], "luminous-core");
    assert_eq!(by_path("gui")["status"], "planned");
    assert!(by_path("gui").get("owner").is_none());
    let md = String::from_utf8_lossy(&common::portnix(&dir, &["gen", "markdown"]).stdout).to_string();
    assert!(md.contains("| 3456 | tcp | `nlpApi` |  | luminous-core | active |"), "{md}");
    // A typo is still caught, with the new fields among the known ones.
    let bad = common::project("owner-typo", "{ a = { port = 1234; ownr = \"x\"; }; }\n", None);
    let out = String::from_utf8_lossy(&common::portnix(&bad, &["check"]).stdout).to_string();
    assert!(out.contains("did you mean 'owner'?"), "{out}");
}
