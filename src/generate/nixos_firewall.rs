//! A NixOS module: `networking.firewall` for the entries marked `openFirewall`.

use std::collections::BTreeMap;

use super::{Context, hash_header};
use crate::registry::{Entry, Protocol};

/// The four lists NixOS has, for one interface (or for all).
#[derive(Default)]
struct Lists<'a> {
    tcp: Vec<Opening<'a>>,
    udp: Vec<Opening<'a>>,
    tcp_ranges: Vec<Opening<'a>>,
    udp_ranges: Vec<Opening<'a>>,
}

/// An entry with the interval it was filed under, read once.
struct Opening<'a> {
    entry: &'a Entry,
    from: i64,
    to: i64,
}

impl<'a> Lists<'a> {
    fn add(&mut self, e: &'a Entry) {
        let Some((from, to)) = e.interval() else { return };
        for &p in e.meta.protocol.transports() {
            let list = match (p, from == to) {
                (Protocol::Udp, true) => &mut self.udp,
                (Protocol::Udp, false) => &mut self.udp_ranges,
                (_, true) => &mut self.tcp,
                (_, false) => &mut self.tcp_ranges,
            };
            list.push(Opening { entry: e, from, to });
        }
    }

    fn write(&self, out: &mut String, indent: &str) {
        for (name, list, range) in [
            ("allowedTCPPorts", &self.tcp, false),
            ("allowedUDPPorts", &self.udp, false),
            ("allowedTCPPortRanges", &self.tcp_ranges, true),
            ("allowedUDPPortRanges", &self.udp_ranges, true),
        ] {
            if list.is_empty() {
                continue;
            }
            out.push_str(&format!("{indent}{name} = [\n"));
            for &Opening { entry, from, to } in list {
                let value = if range { format!("{{ from = {from}; to = {to}; }}") } else { from.to_string() };
                out.push_str(&format!("{indent}  {value} # {}\n", entry.name));
            }
            out.push_str(&format!("{indent}];\n"));
        }
    }
}

pub(crate) fn generate(ctx: &Context) -> String {
    let mut global = Lists::default();
    let mut per_interface: BTreeMap<&str, Lists> = BTreeMap::new();
    for e in ctx.entries().into_iter().filter(|e| e.meta.open_firewall) {
        if e.meta.interfaces.is_empty() {
            global.add(e);
        }
        for i in &e.meta.interfaces {
            per_interface.entry(i.as_str()).or_default().add(e);
        }
    }
    let mut out = hash_header(ctx);
    out.push_str("# A NixOS module: add this file to `imports`.\n{\n  networking.firewall = {\n");
    global.write(&mut out, "    ");
    for (name, lists) in per_interface {
        out.push_str(&format!("    interfaces.{} = {{\n", crate::registry::path::quote_segment(name)));
        lists.write(&mut out, "      ");
        out.push_str("    };\n");
    }
    out.push_str("  };\n}\n");
    out
}
