//! What the page draws, as compact JSON: rows are arrays, repeated text (files, categories,
//! descriptions) is a table index, so 100k entries stay a few megabytes.

use std::collections::HashMap;

use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};

use super::super::Context;
use crate::check::{EPHEMERAL, Finding};
use crate::diagnostic::{Location, Severity, Span};
use crate::registry::{Entry, Protocol};

/// How many free gaps the page lists for each range.
const GAPS_PER_RANGE: usize = 3;

#[derive(Serialize)]
pub(super) struct MapData {
    registry: String,
    generated: String,
    live: bool,
    files: Vec<String>,
    categories: Vec<String>,
    /// Descriptions and owner/status notes.
    strings: Vec<String>,
    /// Sorted by port, then path.
    entries: Vec<EntryRow>,
    /// `[pattern, from, to, depth]`, sorted by port; depth counts the ranges around it.
    ranges: Vec<(String, i64, i64, usize)>,
    /// `[from, to, reason]`.
    reserved: Vec<(i64, i64, String)>,
    ephemeral: (i64, i64),
    findings: Vec<FindingRow>,
    /// `[range index, from, to]`: the largest stretches of each range nothing claims.
    gaps: Vec<(usize, i64, i64)>,
}

/// `[path, category, from, to - from, file, line, column, protocol, description, notes]`, the
/// trailing defaults (tcp, no description, no notes) left off; file is -1 without a location.
struct EntryRow {
    path: String,
    category: usize,
    from: i64,
    to: i64,
    at: Option<(usize, u32, u32)>,
    protocol: Protocol,
    description: Option<usize>,
    notes: Option<usize>,
}

impl Serialize for EntryRow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let proto = match self.protocol {
            Protocol::Tcp => 0,
            Protocol::Udp => 1,
            Protocol::Both => 2,
        };
        let tail = if self.notes.is_some() {
            3
        } else if self.description.is_some() {
            2
        } else {
            usize::from(proto != 0)
        };
        let mut seq = s.serialize_seq(Some(7 + tail))?;
        seq.serialize_element(&self.path)?;
        seq.serialize_element(&self.category)?;
        seq.serialize_element(&self.from)?;
        seq.serialize_element(&(self.to - self.from))?;
        let (file, line, column) = self.at.map_or((-1, 0, 0), |(f, l, c)| (f as i64, l, c));
        seq.serialize_element(&file)?;
        seq.serialize_element(&line)?;
        seq.serialize_element(&column)?;
        let index = |i: Option<usize>| i.map_or(-1, |i| i as i64);
        if tail >= 1 {
            seq.serialize_element(&proto)?;
        }
        if tail >= 2 {
            seq.serialize_element(&index(self.description))?;
        }
        if tail >= 3 {
            seq.serialize_element(&index(self.notes))?;
        }
        seq.end()
    }
}

/// `[code, severity, message, location, [entry indexes], hint]`.
#[derive(Serialize)]
struct FindingRow(String, Severity, String, String, Vec<usize>, String);

/// Interns text into a table of indexes.
#[derive(Default)]
struct Table {
    items: Vec<String>,
    index: HashMap<String, usize>,
}

impl Table {
    fn of(&mut self, text: &str) -> usize {
        if let Some(&i) = self.index.get(text) {
            return i;
        }
        self.items.push(text.to_string());
        self.index.insert(text.to_string(), self.items.len() - 1);
        self.items.len() - 1
    }
}

impl MapData {
    pub(super) fn of(ctx: &Context, findings: &[Finding], live: bool) -> MapData {
        let project = ctx.project;
        let (mut files, mut strings, mut categories) = (Table::default(), Table::default(), Table::default());
        let entries: Vec<&Entry> = ctx.entries();
        // Categories in name order, so a category keeps its colour when entries come and go.
        let mut names: Vec<&str> = entries.iter().filter_map(|e| e.path.first().map(|s| &**s)).collect();
        names.sort_unstable();
        names.dedup();
        for n in names {
            categories.of(n);
        }
        let mut rows = Vec::with_capacity(entries.len());
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let Some((from, to)) = e.interval() else { continue };
            by_name.entry(e.name.as_str()).or_default().push(i);
            let notes: Vec<String> = [("owner", &e.meta.owner), ("status", &e.meta.status)]
                .iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
                .collect();
            rows.push(EntryRow {
                path: e.name.clone(),
                category: e.path.first().map_or(0, |c| categories.of(c)),
                from,
                to,
                at: e.span.map(|s| {
                    let loc = Location::of(&project.sources, s);
                    (files.of(&file_name(ctx, s)), loc.line, loc.column)
                }),
                protocol: e.meta.protocol,
                description: e.meta.description.as_deref().map(|d| strings.of(d)),
                notes: (!notes.is_empty()).then(|| strings.of(&notes.join(" · "))),
            });
        }
        let mut ranges: Vec<(String, i64, i64, usize)> =
            project.config.ranges.iter().map(|r| (r.pattern.text.clone(), r.from, r.to, 0)).collect();
        ranges.sort_by(|a, b| (a.1, -a.2, &a.0).cmp(&(b.1, -b.2, &b.0)));
        for i in 0..ranges.len() {
            // A range sits one lane below every range that holds it; of two with the same
            // ports, the one sorted first holds the other.
            ranges[i].3 = (0..ranges.len())
                .filter(|&j| j != i)
                .filter(|&j| {
                    let (a, b) = (&ranges[j], &ranges[i]);
                    a.1 <= b.1 && b.2 <= a.2 && ((a.1, a.2) != (b.1, b.2) || j < i)
                })
                .count();
        }
        let reserved = project.config.reserved.iter().map(|r| (r.from, r.to, r.reason.clone())).collect();
        let gaps = gaps(&rows, &ranges, &project.config.reserved);
        let findings = findings
            .iter()
            .map(|f| {
                let mut linked: Vec<usize> = f
                    .paths
                    .iter()
                    .flat_map(|p| by_name.get(p.as_str()).into_iter().flatten().copied())
                    .collect();
                linked.sort_unstable();
                linked.dedup();
                FindingRow(
                    f.diag.code.to_string(),
                    f.diag.severity(),
                    f.diag.message.clone(),
                    f.diag.span.map(|s| location(ctx, s)).unwrap_or_default(),
                    linked,
                    f.diag.hint.clone().unwrap_or_default(),
                )
            })
            .collect();
        MapData {
            registry: ctx.registry.clone(),
            generated: ctx.header_lines().join(" "),
            live,
            files: files.items,
            categories: categories.items,
            strings: strings.items,
            entries: rows,
            ranges,
            reserved,
            ephemeral: EPHEMERAL,
            findings,
            gaps,
        }
    }
}

fn file_name(ctx: &Context, span: Span) -> String {
    ctx.relative(&ctx.project.sources.get(span.file).path)
}

fn location(ctx: &Context, span: Span) -> String {
    let loc = Location::of(&ctx.project.sources, span);
    format!("{}:{}:{}", file_name(ctx, span), loc.line, loc.column)
}

/// The largest free stretches of each range: ports no entry claims and no reservation holds.
fn gaps(
    rows: &[EntryRow],
    ranges: &[(String, i64, i64, usize)],
    reserved: &[crate::registry::config::Reserved],
) -> Vec<(usize, i64, i64)> {
    let mut taken: Vec<(i64, i64)> = rows.iter().map(|r| (r.from, r.to)).collect();
    taken.extend(reserved.iter().map(|r| (r.from, r.to)));
    taken.sort_unstable();
    // Merged into disjoint runs, so each range finds its first run by binary search.
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for (from, to) in taken {
        match runs.last_mut() {
            Some(last) if from <= last.1 + 1 => last.1 = last.1.max(to),
            _ => runs.push((from, to)),
        }
    }
    let mut out = Vec::new();
    for (i, (_, from, to, _)) in ranges.iter().enumerate() {
        let mut free = Vec::new();
        let mut next = *from;
        for &(a, b) in &runs[runs.partition_point(|r| r.1 < *from)..] {
            if a > *to {
                break;
            }
            if a > next {
                free.push((next, a - 1));
            }
            next = next.max(b + 1);
        }
        if next <= *to {
            free.push((next, *to));
        }
        free.sort_by_key(|&(a, b)| (std::cmp::Reverse(b - a), a));
        free.truncate(GAPS_PER_RANGE);
        free.sort_unstable();
        out.extend(free.into_iter().map(|(a, b)| (i, a, b)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(from: i64, to: i64) -> EntryRow {
        EntryRow {
            path: "a.b".into(),
            category: 0,
            from,
            to,
            at: None,
            protocol: Protocol::Tcp,
            description: None,
            notes: None,
        }
    }

    #[test]
    fn gaps_are_the_largest_unclaimed_stretches_in_port_order() {
        let rows = [row(100, 100), row(103, 105), row(150, 150), row(90, 101)];
        let ranges = [("x".to_string(), 95, 199, 0)];
        // Free: 102, 106-149, 151-199; the two largest and the next, listed by port.
        assert_eq!(gaps(&rows, &ranges, &[]), vec![(0, 102, 102), (0, 106, 149), (0, 151, 199)]);
        let full = [row(95, 199)];
        assert_eq!(gaps(&full, &ranges, &[]), vec![]);
    }

    #[test]
    fn a_row_leaves_off_its_trailing_defaults() {
        let json = |r: &EntryRow| serde_json::to_string(r).unwrap();
        assert_eq!(json(&row(80, 80)), r#"["a.b",0,80,0,-1,0,0]"#);
        let udp = EntryRow { protocol: Protocol::Udp, at: Some((1, 4, 3)), ..row(53, 54) };
        assert_eq!(json(&udp), r#"["a.b",0,53,1,1,4,3,1]"#);
        let noted = EntryRow { notes: Some(2), ..row(80, 80) };
        assert_eq!(json(&noted), r#"["a.b",0,80,0,-1,0,0,0,-1,2]"#);
    }
}
