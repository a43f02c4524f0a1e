//! nftables for the entries marked `openFirewall`, in two forms.
//!
//! By default, definitions that compose with the host's own firewall: named sets of the open
//! ports (`portnix_tcp`, `portnix_udp`) and a chain `portnix_input` that accepts them, with no
//! hook and no policy of their own. They go inside the user's table (`include "portnix.nft"`,
//! or as `networking.nftables.tables.<name>.content`) and take effect from `jump portnix_input`
//! in its input chain. A table of its own with `policy drop` would not add to the host's
//! firewall but cut it: nftables runs every base chain hooked at input, and a drop in any one
//! is final, so it would close every port the host opened itself.
//!
//! With `--standalone`, a complete firewall: the table `inet portnix` whose input chain drops
//! what is not open, on NixOS's baseline (loopback, established and related, ICMP, every ICMPv6
//! type but redirects and node-information queries as RFC 4890 section 4.4 advises, DHCPv6
//! client replies, a reverse-path filter). It refuses to generate when no SSH port is open,
//! unless told to: loading it must not lock anyone out of the machine.

use super::{Context, hash_header};
use crate::diagnostic::{Code, Diagnostic};
use crate::registry::{Entry, Protocol};

/// nftables keeps at most this many bytes of a comment.
pub(crate) const MAX_COMMENT: usize = 128;

/// An nftables string: no escapes exist, so a `"` becomes `'`; a comment longer than nftables
/// keeps is shortened to a prefix and a hash of the whole, which still tells paths apart.
fn comment(name: &str) -> String {
    let text = name.replace('"', "'");
    if text.len() <= MAX_COMMENT {
        return format!("\"{text}\"");
    }
    let hash = fnv1a(name.as_bytes());
    let suffix = format!("...#{hash:016x}");
    let mut cut = MAX_COMMENT - suffix.len();
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("\"{}{suffix}\"", &text[..cut])
}

/// FNV-1a: a stable hash, the same on every machine and in every build.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3))
}

fn ports(e: &Entry) -> Option<String> {
    let (from, to) = e.interval()?;
    Some(if from == to { from.to_string() } else { format!("{from}-{to}") })
}

/// The open entries: (entries open on every interface, (interface, entry) pairs).
fn open<'a>(ctx: &'a Context) -> (Vec<&'a Entry>, Vec<(&'a str, &'a Entry)>) {
    let mut everywhere = Vec::new();
    let mut by_iface = Vec::new();
    for e in ctx.entries().into_iter().filter(|e| e.meta.open_firewall) {
        if e.meta.interfaces.is_empty() {
            everywhere.push(e);
        }
        for i in &e.meta.interfaces {
            by_iface.push((i.as_str(), e));
        }
    }
    by_iface.sort_by(|a, b| (a.0, a.1.interval(), &a.1.name).cmp(&(b.0, b.1.interval(), &b.1.name)));
    (everywhere, by_iface)
}

fn carries(e: &Entry, proto: Protocol) -> bool {
    e.meta.protocol.transports().contains(&proto)
}

/// The sets and the accepting chain, indented by `pad`.
fn definitions(ctx: &Context, pad: &str) -> String {
    let (everywhere, by_iface) = open(ctx);
    let mut out = String::new();
    for (proto, name) in [(Protocol::Tcp, "tcp"), (Protocol::Udp, "udp")] {
        out.push_str(&format!(
            "{pad}set portnix_{name} {{\n{pad}  type inet_service\n{pad}  flags interval\n"
        ));
        let elements: Vec<String> = everywhere
            .iter()
            .filter(|e| carries(e, proto))
            .filter_map(|e| Some(format!("{} comment {}", ports(e)?, comment(&e.name))))
            .collect();
        if !elements.is_empty() {
            out.push_str(&format!("{pad}  elements = {{\n"));
            for el in &elements {
                out.push_str(&format!("{pad}    {el},\n"));
            }
            out.push_str(&format!("{pad}  }}\n"));
        }
        out.push_str(&format!("{pad}}}\n\n"));
    }
    out.push_str(&format!("{pad}chain portnix_input {{\n"));
    out.push_str(&format!("{pad}  tcp dport @portnix_tcp accept\n{pad}  udp dport @portnix_udp accept\n"));
    for (iface, e) in by_iface {
        let Some(ports) = ports(e) else { continue };
        for (proto, name) in [(Protocol::Tcp, "tcp"), (Protocol::Udp, "udp")] {
            if carries(e, proto) {
                out.push_str(&format!(
                    "{pad}  iifname \"{iface}\" {name} dport {ports} accept comment {}\n",
                    comment(&e.name)
                ));
            }
        }
    }
    out.push_str(&format!("{pad}}}\n"));
    out
}

/// The definitions to include inside the user's own table.
pub(crate) fn generate(ctx: &Context) -> String {
    let mut out = hash_header(ctx);
    out.push_str(
        "# Definitions to include inside your own table, next to its input chain:\n\
         #   table inet filter { include \"portnix.nft\"; chain input { ...; jump portnix_input } }\n\
         # or, on NixOS, as networking.nftables.tables.<name>.content with such a chain.\n\
         # They accept the open ports and set no policy: your table still decides the rest.\n\n",
    );
    out.push_str(&definitions(ctx, ""));
    out
}

/// Whether an open entry is the SSH server: port 22, or a path that names it.
fn is_ssh(e: &Entry) -> bool {
    let named =
        e.path.last().is_some_and(|s| matches!(s.to_ascii_lowercase().as_str(), "ssh" | "sshd" | "openssh"));
    carries(e, Protocol::Tcp) && (named || e.interval().is_some_and(|(f, t)| f <= 22 && 22 <= t))
}

/// A complete firewall table, or why it would lock the user out.
pub(crate) fn standalone(ctx: &Context, without_ssh: bool) -> Result<String, Vec<Diagnostic>> {
    let (everywhere, _) = open(ctx);
    if !without_ssh && !everywhere.iter().any(|e| is_ssh(e)) {
        let lockout = Diagnostic::new(
            Code::FirewallLockout,
            "no SSH port is open on every interface: loading this firewall would cut SSH to the machine. \
             Mark the SSH entry openFirewall = true, or pass --without-ssh if that is what you want",
        )
        .with_hint("see `portnix gen nftables` without --standalone, which composes with your firewall");
        return Err(vec![lockout]);
    }
    let mut out = String::from("#!/usr/sbin/nft -f\n");
    out.push_str(&hash_header(ctx));
    out.push_str("# A complete firewall: everything the registry does not open is dropped.\n\n");
    out.push_str("table inet portnix\ndelete table inet portnix\n\ntable inet portnix {\n");
    out.push_str(&definitions(ctx, "  "));
    out.push_str(concat!(
        "\n  chain input {\n",
        "    type filter hook input priority filter; policy drop;\n",
        "    iifname \"lo\" accept\n",
        "    ct state vmap { invalid : drop, established : accept, related : accept }\n",
        "    icmp type { destination-unreachable, router-advertisement, time-exceeded, parameter-problem, echo-request } accept\n",
        "    # RFC 4890 section 4.4: every ICMPv6 type but redirects and node-information queries.\n",
        "    icmpv6 type != { nd-redirect, 139 } accept\n",
        "    ip6 daddr fe80::/64 udp dport 546 accept comment \"DHCPv6 client\"\n",
        "    jump portnix_input\n",
        "  }\n\n",
        "  chain rpfilter {\n",
        "    type filter hook prerouting priority mangle + 10; policy drop;\n",
        "    meta nfproto ipv4 udp sport . udp dport { 67 . 68, 68 . 67 } accept comment \"DHCPv4 client/server\"\n",
        "    fib saddr . mark . iif oif exists accept\n",
        "  }\n",
        "}\n",
    ));
    Ok(out)
}
