//! `compose` in the config: the docker compose services `portnix gen compose` publishes ports
//! for, when they are not the config's `processes` (a compose stack's services run images, not
//! commands). `compose = { host = "127.0.0.1"; services.api = { serves = [ "apps.api" ];
//! uses = [ "databases.postgres" ]; }; };`

use super::data::Node;
use super::reader::{Reader, field};
use crate::diagnostic::{Diagnostic, Span};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Compose {
    /// The address published ports listen on; `--host` takes its place.
    pub host: Option<String>,
    pub services: Vec<ComposeService>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ComposeService {
    pub name: String,
    /// Registry paths whose ports the service publishes.
    pub serves: Vec<String>,
    /// Registry paths the service connects to: their ports go in its environment.
    pub uses: Vec<String>,
    pub(crate) span: Option<Span>,
}

pub(crate) fn parse(node: &Node) -> Result<Compose, Vec<Diagnostic>> {
    let mut p = Reader::new(node.span);
    let mut out = Compose::default();
    if let Some(attrs) = p.keyed(node, "compose", &["host", "services"]) {
        out.host = field(attrs, "host").and_then(|h| p.string(h, "compose.host"));
        if let Some(services) = field(attrs, "services").and_then(|s| p.set(s, "compose.services")) {
            for (name, def) in services {
                let what = format!("compose.services.{name}");
                let Some(a) = p.keyed(def, &what, &["serves", "uses"]) else { continue };
                let serves = field(a, "serves").map(|v| p.paths(v, "serves")).unwrap_or_default();
                let uses = field(a, "uses").map(|v| p.paths(v, "uses")).unwrap_or_default();
                out.services.push(ComposeService { name: name.to_string(), serves, uses, span: def.span });
            }
        }
    }
    if p.errors.is_empty() { Ok(out) } else { Err(p.errors) }
}
