//! `/etc/services`: which names are registered for which ports.

use std::collections::HashMap;

use crate::registry::Protocol;

#[derive(Debug, Default)]
pub struct ServicesDb {
    pub(crate) file: String,
    /// (port, protocol) → the service's name and aliases.
    pub(crate) names: HashMap<(i64, Protocol), Vec<String>>,
}

impl ServicesDb {
    /// Reads the `/etc/services` format: `name port/proto [aliases...] [# comment]`.
    pub fn parse(file: &str, text: &str) -> ServicesDb {
        let mut names: HashMap<(i64, Protocol), Vec<String>> = HashMap::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_whitespace();
            let (Some(name), Some(port_proto)) = (words.next(), words.next()) else { continue };
            let Some((port, proto)) = port_proto.split_once('/') else { continue };
            let Ok(port) = port.parse::<i64>() else { continue };
            // /etc/services names single transports (tcp, udp, sctp, ddp); only two are ours.
            let Some(proto) = Protocol::parse(proto).filter(|p| *p != Protocol::Both) else { continue };
            let list = names.entry((port, proto)).or_default();
            list.push(name.to_string());
            list.extend(words.map(str::to_string));
        }
        ServicesDb { file: file.to_string(), names }
    }
}
