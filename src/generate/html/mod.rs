//! `portnix gen html`: the registry drawn as a map of the port axis, in one self-contained page
//! (inline SVG drawn by a little plain JavaScript, no network). The page is the data below, as
//! JSON, and the script that draws it; `portnix serve` serves the same page with live leases.

mod data;

use super::Context;
use crate::check::{CheckOptions, Finding, check};

const TEMPLATE: &str = include_str!("page.html");
const STYLE: &str = include_str!("map.css");
const SCRIPT: &str = include_str!("map.js");

pub(crate) fn generate(ctx: &Context) -> String {
    let findings = check(ctx.project, &CheckOptions::default());
    page(ctx, &findings, false)
}

/// The page for `portnix serve`: the same map, which then also asks the server for its leases
/// and the host's listeners.
pub(crate) fn live(ctx: &Context) -> String {
    let findings = check(ctx.project, &CheckOptions::default());
    page(ctx, &findings, true)
}

fn page(ctx: &Context, findings: &[Finding], live: bool) -> String {
    let data = data::MapData::of(ctx, findings, live);
    // `<` escaped, the JSON can hold no `</script>` or `<!--`: the script element ends only
    // where the template ends it.
    let json = serde_json::to_string(&data).unwrap_or_default().replace('<', "\\u003c");
    let [generated, regenerate] = ctx.header_lines();
    let header = format!("{}\n{}", comment_safe(&generated), comment_safe(&regenerate));
    let title = escape(&format!("Port map: {}", ctx.registry));
    fill(
        TEMPLATE,
        &[("HEADER", &header), ("TITLE", &title), ("STYLE", STYLE), ("DATA", &json), ("SCRIPT", SCRIPT)],
    )
}

/// The template with each `{{KEY}}` replaced, in one pass: a value is never searched for keys,
/// so a description that says `{{SCRIPT}}` stays text.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else { break };
        let key = &rest[start + 2..start + len];
        out.push_str(&rest[..start]);
        match values.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => out.push_str(v),
            None => out.push_str(&rest[start..start + len + 2]),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// Text that cannot end an HTML comment early: with no `>` there is no `-->` or `--!>`, and
/// no `<!--` opens another. A `--` is kept, since HTML allows it in comments and the
/// regenerate command's options need it.
fn comment_safe(text: &str) -> String {
    text.replace('>', "&gt;").replace("<!--", "&lt;!--")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_not_searched_for_keys() {
        let out = fill("<{{A}}|{{B}}|{{C}}>", &[("A", "{{B}}"), ("B", "b")]);
        assert_eq!(out, "<{{B}}|b|{{C}}>");
    }

    #[test]
    fn a_header_cannot_close_its_comment() {
        assert_eq!(comment_safe("a --> b --!> <!-- c"), "a --&gt; b --!&gt; &lt;!-- c");
        assert_eq!(comment_safe("portnix gen html --only web -o x"), "portnix gen html --only web -o x");
    }
}
