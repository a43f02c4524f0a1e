//! An nftables ruleset: a complete `inet portnix` table whose input chain drops what the
//! registry does not open, like the NixOS firewall does. Load it with `nft -f`.

use super::{Context, hash_header};
use crate::registry::Protocol;

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace(['"', '\\'], "_"))
}

pub fn generate(ctx: &Context) -> String {
    let mut rules = Vec::new();
    for e in ctx.entries().into_iter().filter(|e| e.meta.open_firewall) {
        let (from, to) = e.interval().expect("entries() yields valid entries");
        let ports = if from == to { from.to_string() } else { format!("{from}-{to}") };
        let matcher = match e.meta.protocol {
            Protocol::Tcp => format!("tcp dport {ports}"),
            Protocol::Udp => format!("udp dport {ports}"),
            Protocol::Both => format!("meta l4proto {{ tcp, udp }} th dport {ports}"),
        };
        let mut ifaces: Vec<&str> = e.meta.interfaces.iter().map(String::as_str).collect();
        ifaces.sort_unstable();
        if ifaces.is_empty() {
            rules.push(format!("{matcher} accept comment {}", quote(&e.name)));
        }
        for i in ifaces {
            rules.push(format!("iifname {} {matcher} accept comment {}", quote(i), quote(&e.name)));
        }
    }
    let mut out = String::from("#!/usr/sbin/nft -f\n");
    out.push_str(&hash_header(ctx));
    out.push_str("\ntable inet portnix\ndelete table inet portnix\n\ntable inet portnix {\n");
    out.push_str("  chain open_ports {\n");
    for r in &rules {
        out.push_str(&format!("    {r}\n"));
    }
    out.push_str("  }\n\n");
    out.push_str("  chain input {\n");
    out.push_str("    type filter hook input priority filter; policy drop;\n");
    out.push_str("    ct state vmap { established : accept, related : accept, invalid : drop }\n");
    out.push_str("    iifname \"lo\" accept\n");
    out.push_str("    meta l4proto { icmp, ipv6-icmp } accept\n");
    out.push_str("    jump open_ports\n");
    out.push_str("  }\n}\n");
    out
}
