//! Linux: /proc/net/{tcp,tcp6,udp,udp6}, and /proc/<pid>/fd to find each socket's process.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Listener;
use crate::registry::Protocol;

/// The kernel's TCP state for a listening socket.
const TCP_LISTEN: &str = "0A";

/// The sockets, then their owners, then the sockets again: only a socket that was there before
/// and after the owners were read counts, so one that comes and goes during the scan is never
/// taken for a listener whose owner cannot be seen. An owner still not found is unknown.
pub(crate) fn listeners() -> Vec<Listener> {
    let before = sockets();
    let owners = socket_owners();
    let after: std::collections::HashSet<(Protocol, u64)> =
        sockets().into_iter().map(|(protocol, _, _, inode)| (protocol, inode)).collect();
    let mut out: Vec<Listener> = before
        .into_iter()
        .filter(|(protocol, _, _, inode)| after.contains(&(*protocol, *inode)))
        .map(|(protocol, address, port, inode)| {
            let owner = owners.get(&inode);
            Listener { protocol, port, address, pid: owner.map(|o| o.0), command: owner.map(|o| o.1.clone()) }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn sockets() -> Vec<(Protocol, IpAddr, u16, u64)> {
    let mut out = Vec::new();
    for (file, protocol) in [
        ("/proc/net/tcp", Protocol::Tcp),
        ("/proc/net/tcp6", Protocol::Tcp),
        ("/proc/net/udp", Protocol::Udp),
        ("/proc/net/udp6", Protocol::Udp),
    ] {
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        out.extend(parse_table(&text, protocol).into_iter().map(|(a, p, i)| (protocol, a, p, i)));
    }
    out
}

/// (address, port, inode) of each listening TCP or bound UDP socket in one table.
pub(crate) fn parse_table(text: &str, protocol: Protocol) -> Vec<(IpAddr, u16, u64)> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 10 {
            continue;
        }
        if protocol == Protocol::Tcp && fields[3] != TCP_LISTEN {
            continue;
        }
        let Some((addr, port)) = fields[1].split_once(':') else { continue };
        let (Some(address), Ok(port), Ok(inode)) =
            (parse_addr(addr), u16::from_str_radix(port, 16), fields[9].parse::<u64>())
        else {
            continue;
        };
        if port != 0 {
            out.push((address, port, inode));
        }
    }
    out
}

/// The kernel prints addresses as 32-bit words in host byte order.
fn parse_addr(hex: &str) -> Option<IpAddr> {
    let words: Option<Vec<u32>> =
        (0..hex.len() / 8).map(|i| u32::from_str_radix(hex.get(i * 8..i * 8 + 8)?, 16).ok()).collect();
    let bytes: Vec<u8> = words?.into_iter().flat_map(|w| w.to_ne_bytes()).collect();
    match bytes.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&bytes);
            Some(IpAddr::V6(Ipv6Addr::from(a)))
        }
        _ => None,
    }
}

/// socket inode → (pid, command), for the processes whose fds this user may read.
fn socket_owners() -> HashMap<u64, (u32, String)> {
    let mut owners = HashMap::new();
    let Ok(procs) = std::fs::read_dir("/proc") else { return owners };
    for p in procs.flatten() {
        let Some(pid) = p.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else { continue };
        let command =
            std::fs::read_to_string(p.path().join("comm")).map(|c| c.trim().to_string()).unwrap_or_default();
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else { continue };
            let target = target.to_string_lossy();
            if let Some(inode) = target.strip_prefix("socket:[").and_then(|s| s.strip_suffix(']'))
                && let Ok(inode) = inode.parse::<u64>()
            {
                owners.entry(inode).or_insert_with(|| (pid, command.clone()));
            }
        }
    }
    owners
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kernel_tables() {
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
                   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1\n\
                   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1\n\
                   2: 0100007F:8C4E 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 333 1\n";
        let rows = parse_table(tcp, Protocol::Tcp);
        assert_eq!(
            rows,
            vec![("127.0.0.1".parse().unwrap(), 8080, 12345), ("0.0.0.0".parse().unwrap(), 22, 222)]
        );
        let tcp6 = "header\n   0: 00000000000000000000000001000000:1538 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 777 1\n";
        assert_eq!(parse_table(tcp6, Protocol::Tcp), vec![("::1".parse().unwrap(), 5432, 777)]);
    }
}
