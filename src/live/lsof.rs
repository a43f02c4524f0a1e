//! Systems without /proc (macOS): `lsof`'s machine-readable output.

use std::net::IpAddr;

use super::Listener;
use crate::registry::Protocol;

pub(crate) fn listeners() -> Result<Vec<Listener>, super::Unseen> {
    let out = std::process::Command::new("lsof")
        .args(["-nP", "-iTCP", "-sTCP:LISTEN", "-iUDP", "-F", "pcPn"])
        .output()?;
    Ok(parse(&String::from_utf8_lossy(&out.stdout)))
}

/// `-F pcPn`: p<pid>, c<command>, then per file P<protocol> and n<address:port>.
pub(crate) fn parse(text: &str) -> Vec<Listener> {
    let (mut pid, mut command, mut protocol) = (None, None, Protocol::Tcp);
    let mut out = Vec::new();
    for line in text.lines() {
        let (tag, rest) = line.split_at(line.len().min(1));
        match tag {
            "p" => pid = rest.parse().ok(),
            "c" => command = Some(rest.to_string()),
            "P" => protocol = if rest.eq_ignore_ascii_case("udp") { Protocol::Udp } else { Protocol::Tcp },
            "n" => {
                let Some((addr, port)) = rest.rsplit_once(':') else { continue };
                let addr = addr.trim_start_matches('[').trim_end_matches(']');
                let address: IpAddr = if addr == "*" {
                    std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
                } else {
                    match addr.parse() {
                        Ok(a) => a,
                        Err(_) => continue,
                    }
                };
                if let Ok(port) = port.parse() {
                    out.push(Listener { protocol, port, address, pid, command: command.clone() });
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_lsof_fields() {
        let text = "p42\ncpostgres\nPTCP\nn127.0.0.1:5432\nn[::1]:5432\np7\ncmDNSResponder\nPUDP\nn*:5353\n";
        let l = super::parse(text);
        assert_eq!(l.len(), 3);
        assert_eq!((l[0].pid, l[0].port, l[0].command.as_deref()), (Some(42), 5432, Some("postgres")));
        assert_eq!(l[1].address.to_string(), "::1");
        assert_eq!(
            (l[2].protocol, l[2].address.to_string()),
            (crate::registry::Protocol::Udp, "0.0.0.0".into())
        );
    }
}
