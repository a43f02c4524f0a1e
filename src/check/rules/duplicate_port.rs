//! `duplicate-port`: two entries in one scope claim the same port on the same protocol.
//!
//! Single ports are grouped by (scope, protocol, port). Each range is then compared with
//! everything that overlaps it, found by a sweep over the intervals sorted by start, so the
//! cost is O(n log n) plus the size of the output.

use std::collections::BTreeMap;

use super::super::{Context, Finding};
use super::describe;
use crate::diagnostic::Code;
use crate::fxhash::FxHashMap;
use crate::registry::Protocol;

/// An entry's claim in one lane: (from, to, entry index).
type Claim = (i64, i64, usize);

pub(crate) fn run(ctx: &Context, out: &mut Vec<Finding>) {
    // (scope, protocol) → claims, over valid entries only. A hash map: the lanes' order does not
    // matter, since `groups` sorts the clashes, and a sorted map compared scope strings for
    // every entry.
    let mut lanes: FxHashMap<(&str, Protocol), Vec<Claim>> = FxHashMap::default();
    for (i, e) in ctx.entries.iter().enumerate() {
        let Some((from, to)) = e.interval() else { continue };
        for &proto in e.meta.protocol.transports() {
            lanes.entry((ctx.scopes[i].as_str(), proto)).or_default().push((from, to, i));
        }
    }
    // The same group of entries clashing on tcp and on udp is one finding.
    let mut groups: BTreeMap<Clash, Vec<Protocol>> = BTreeMap::new();
    for ((_, proto), mut items) in lanes {
        items.sort_unstable();
        for clash in clashes(&items) {
            if !shared_on_purpose(ctx, &clash.members) {
                groups.entry(clash).or_default().push(proto);
            }
        }
    }
    for (clash, protos) in groups {
        out.push(finding(ctx, &clash, &protos));
    }
}

/// Entries that claim the same ports. `anchor` is the range the others overlap, if any.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Clash {
    members: Vec<usize>,
    anchor: Option<usize>,
    from: i64,
    to: i64,
}

/// Groups of clashing entries in one lane (sorted by start): equal single ports together,
/// and each range with everything that overlaps it and starts after it or is a single port.
fn clashes(items: &[Claim]) -> Vec<Clash> {
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
                found.push(Clash { members, anchor: None, from, to: from });
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
            found.push(Clash { members, anchor: Some(idx), from, to });
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

fn finding(ctx: &Context, clash: &Clash, protos: &[Protocol]) -> Finding {
    let proto = protos.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("+");
    // Shown in file order, so the first definition is the primary location; a range goes first.
    let mut shown: Vec<usize> = clash.members.iter().copied().filter(|&i| Some(i) != clash.anchor).collect();
    shown.sort_by_key(|&i| (ctx.entries[i].span.map(|s| (s.file, s.start)), ctx.entries[i].name.clone()));
    let paths = clash.members.iter().map(|&i| ctx.entries[i].name.clone()).collect();
    let (message, primary, others) = match clash.anchor {
        Some(a) => {
            let names: Vec<String> = shown.iter().map(|&i| describe(&ctx.entries[i])).collect();
            let n = names.len();
            let what = if n == 1 { "1 entry".to_string() } else { format!("{n} entries") };
            (
                format!("{} overlaps {what} on {proto}: {}", describe(&ctx.entries[a]), names.join(", ")),
                a,
                shown,
            )
        }
        None => {
            let names: Vec<String> = shown.iter().map(|&i| ctx.entries[i].name.clone()).collect();
            let msg = format!(
                "port {}/{proto} is claimed by {} entries: {}",
                clash.from,
                names.len(),
                names.join(", ")
            );
            (msg, shown[0], shown[1..].to_vec())
        }
    };
    let mut f = Finding::new(Code::DuplicatePort, message, paths)
        .at(ctx.entries[primary].span)
        .hint("give each service its own port; `portnix free PATTERN` lists free ones");
    for i in others {
        let e = &ctx.entries[i];
        f = f.label(e.span, format!("{} also claims it", describe(e)));
    }
    f
}
