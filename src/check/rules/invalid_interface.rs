//! `invalid-interface`: an interface name in `services.<path>.interfaces` that no network
//! interface can have: longer than the kernel's 15 bytes (IFNAMSIZ less its NUL), empty, or
//! holding `/`, whitespace or `"`.
//!
//! Why: nftables rejects the whole generated ruleset for one such name, and the NixOS firewall
//! would open the port on an interface that cannot exist.
//!
//! Example: `interfaces = [ "tailscale-office-vpn" ];` (20 bytes).

use super::super::{Context, Finding};
use crate::diagnostic::Code;

/// The longest interface name Linux allows.
pub(crate) const MAX_IFNAME: usize = 15;

fn problem(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("is empty".into())
    } else if name.len() > MAX_IFNAME {
        Some(format!("is {} bytes; Linux allows {MAX_IFNAME}", name.len()))
    } else if name.contains(['/', '"']) || name.contains(char::is_whitespace) {
        Some("holds `/`, `\"` or whitespace, which no interface name can".into())
    } else {
        None
    }
}

pub(crate) fn run(ctx: &Context, out: &mut Vec<Finding>) {
    for rule in &ctx.config.services {
        for name in &rule.meta.interfaces {
            if let Some(why) = problem(name) {
                out.push(
                    Finding::new(
                        Code::InvalidInterface,
                        format!("services.\"{}\": interface name \"{name}\" {why}", rule.pattern),
                        Vec::new(),
                    )
                    .at(rule.span)
                    .hint("use the name `ip link` shows for the interface"),
                );
            }
        }
    }
}
