//! GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=CODE::message`.

use crate::check::Finding;
use crate::diagnostic::Severity;
use crate::syntax::Sources;

fn escape_data(s: &str) -> String {
    let s = s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    // The log viewer reads other control characters (ESC sequences) as the terminal would.
    crate::stdio::escape(&s).into_owned()
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub(crate) fn github(sources: &Sources, findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let level = match f.diag.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props = Vec::new();
        if let Some(loc) = f.locations(sources).first() {
            props.push(format!("file={}", escape_property(&loc.file)));
            props.push(format!("line={}", loc.line));
            props.push(format!("col={}", loc.column));
        }
        props.push(format!("title={}", escape_property(f.diag.code.as_str())));
        let mut message = f.diag.message.clone();
        let others: Vec<String> = f.locations(sources).iter().skip(1).map(|l| l.to_string()).collect();
        if !others.is_empty() {
            message.push_str(&format!(" (also at {})", others.join(", ")));
        }
        out.push_str(&format!("::{level} {}::{}\n", props.join(","), escape_data(&message)));
    }
    out
}
