//! `duplicate-port`: two entries in one scope claim the same port on the same protocol.
//!
//! Single ports are grouped by (scope, protocol, port). Each range is then compared with
//! everything that overlaps it, found by a sweep over the intervals sorted by start, so the
//! cost is O(n log n) plus the size of the output.

use std::collections::BTreeMap;

use super::super::{Context, Finding};
use super::describe;
use crate::diagnostic::Severity;
use crate::registry::Protocol;

/// An entry's claim in one lane: (from, to, entry index).
type Claim = (i64, i64, usize);

pub fn run(ctx: &Context, out: &mut Vec<Finding>) {
    // (scope, protocol) → claims, over valid entries only.
    let mut lanes: BTreeMap<(&str, Protocol), Vec<Claim>> = BTreeMap::new();
    for (i, e) in ctx.entries.iter().enumerate() {
        let Some((from, to)) = e.interval() else { continue };
        for &proto in e.meta.protocol.transports() {
            lanes.entry((ctx.scopes[i].as_str(), proto)).or_default().push((from, to, i));
        }
    }
    // The same group of entries clashing on tcp and on udp is one finding.
    let mut groups: BTreeMap<(Vec<usize>, i64, i64), Vec<Protocol>> = BTreeMap::new();
    for ((_, proto), mut items) in lanes {
        items.sort_unstable();
        for (members, lo, hi) in clashes(&items) {
            if !shared_on_purpose(ctx, &members) {
                groups.entry((members, lo, hi)).or_default().push(proto);
            }
        }
    }
    for ((members, lo, hi), protos) in groups {
        out.push(finding(ctx, &members, lo, hi, &protos));
    }
}

/// Groups of clashing entries in one lane (sorted by start): equal single ports together,
/// and each range with everything that overlaps it and starts after it or is a single port.
fn clashes(items: &[Claim]) -> Vec<(Vec<usize>, i64, i64)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let (from, to, _) = items[i];
        if from == to {
            let mut j = i;
            let mut members = Vec::new();
            while j < items.len() && items[j].0 == from && items[j].1 == from {
                members.push(items[j].2);
                j += 1;
            }
            if members.len() > 1 {
                members.sort_unstable();
                found.push((members, from, from));
            }
            i = j;
        } else {
            i += 1;
        }
    }
    for (k, &(from, to, idx)) in items.iter().enumerate() {
        if from == to {
            continue;
        }
        let mut members = vec![idx];
        // Everything starting inside this range overlaps it...
        let mut j = k + 1;
        while j < items.len() && items[j].0 <= to {
            members.push(items[j].2);
            j += 1;
        }
        // ...and so do single ports that start at the same port but sort before it.
        let mut j = k;
        while j > 0 && items[j - 1].0 == from {
            if items[j - 1].1 == from {
                members.push(items[j - 1].2);
            }
            j -= 1;
        }
        if members.len() > 1 {
            members.sort_unstable();
            members.dedup();
            found.push((members, from, to));
        }
    }
    found
}

/// Whether every pair in the group is allowed to share through `shareWith`.
fn shared_on_purpose(ctx: &Context, members: &[usize]) -> bool {
    let allows = |a: usize, b: usize| {
        let (ea, eb) = (&ctx.entries[a], &ctx.entries[b]);
        ea.meta.share_with.iter().any(|p| p.matches_prefix(&eb.path))
            || eb.meta.share_with.iter().any(|p| p.matches_prefix(&ea.path))
    };
    members.iter().enumerate().all(|(k, &a)| members[k + 1..].iter().all(|&b| allows(a, b)))
}

fn finding(ctx: &Context, members: &[usize], lo: i64, hi: i64, protos: &[Protocol]) -> Finding {
    let proto = protos.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("+");
    let what = if lo == hi { format!("port {lo}/{proto}") } else { format!("ports {lo}-{hi}/{proto}") };
    let names: Vec<String> = members.iter().map(|&i| describe(&ctx.entries[i])).collect();
    let first = &ctx.entries[members[0]];
    let mut f = Finding::new(
        "duplicate-port",
        Severity::Error,
        format!("{what} is claimed by {} entries: {}", members.len(), names.join(", ")),
        members.iter().map(|&i| ctx.entries[i].name.clone()).collect(),
    )
    .at(first.span)
    .hint("give each service its own port; `portnix free PATTERN` lists free ones");
    for &i in &members[1..] {
        let e = &ctx.entries[i];
        f = f.label(e.span, format!("{} also claims it", e.name));
    }
    f
}
