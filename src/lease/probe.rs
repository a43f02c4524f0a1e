//! Whether a port is in use on this machine right now. Two tests, because each misses something:
//! the kernel's socket tables see listeners on every address (a server on `0.0.0.0` or `[::]`
//! included) whatever their options, and a bind on the wildcard addresses sees sockets that are
//! bound but not listening, which the tables list only as connections.

use std::cell::OnceCell;
use std::collections::HashSet;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};

use crate::registry::Protocol;

/// One allocation's view of the machine: the tables are read once, the binds are per port.
#[derive(Default)]
pub struct LocalProbe {
    tables: OnceCell<HashSet<(Protocol, u16)>>,
}

impl LocalProbe {
    /// Whether `port` is in use on any of `protocol`'s lanes.
    pub fn bound(&self, protocol: Protocol, port: u16) -> bool {
        let tables = self.tables.get_or_init(crate::live::bound_ports);
        protocol.transports().iter().any(|&lane| tables.contains(&(lane, port)) || !binds(lane, port))
    }
}

/// Whether a socket of `lane` can be bound to `port` on both wildcard addresses now. The socket
/// is closed again at once; the lease, not the socket, is what keeps the port for its holder.
fn binds(lane: Protocol, port: u16) -> bool {
    let addrs =
        [SocketAddr::from((Ipv4Addr::UNSPECIFIED, port)), SocketAddr::from((Ipv6Addr::UNSPECIFIED, port))];
    addrs.iter().all(|addr| {
        let tried = match lane {
            Protocol::Udp => UdpSocket::bind(addr).map(drop),
            _ => TcpListener::bind(addr).map(drop),
        };
        match tried {
            Ok(()) => true,
            // A host without IPv6 (or without IPv4) has nothing bound there.
            Err(e) => !matches!(e.kind(), ErrorKind::AddrInUse | ErrorKind::PermissionDenied),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sees_listeners_and_bound_sockets_on_every_address() {
        for addr in ["127.0.0.1:0", "0.0.0.0:0", "[::]:0", "[::1]:0"] {
            let Ok(listener) = TcpListener::bind(addr) else { continue };
            let port = listener.local_addr().unwrap().port();
            assert!(LocalProbe::default().bound(Protocol::Tcp, port), "tcp {addr}");
            assert!(LocalProbe::default().bound(Protocol::Both, port), "both {addr}");
            drop(listener);
        }
        for addr in ["127.0.0.1:0", "0.0.0.0:0", "[::]:0"] {
            let Ok(socket) = UdpSocket::bind(addr) else { continue };
            let port = socket.local_addr().unwrap().port();
            assert!(LocalProbe::default().bound(Protocol::Udp, port), "udp {addr}");
            drop(socket);
        }
    }

    #[test]
    fn a_free_port_is_free() {
        // A port the kernel just gave out and took back again.
        let port = TcpListener::bind("[::]:0").unwrap().local_addr().unwrap().port();
        assert!(!LocalProbe::default().bound(Protocol::Tcp, port));
    }
}
