//! Whether a port is in use on this machine right now: a bind of both wildcard addresses on
//! each lane, the kernel's own conflict test, which the holder's server will face too. A TCP
//! listener on any address (`0.0.0.0`, `[::]`, `127.0.0.1`, `::1`) makes the wildcard bind fail
//! even with SO_REUSEADDR, and a bound UDP socket on any address does. The socket tables in
//! /proc, which `doctor` reads, would add nothing the binds miss and cost an allocation 10 ms
//! with 500 sockets open (measured: every read of /proc/net/tcp walks every socket).

use std::io::ErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};

use crate::registry::Protocol;

/// Whether `port` is in use on this machine on any of `protocol`'s lanes.
pub(crate) fn bound(protocol: Protocol, port: u16) -> bool {
    protocol.transports().iter().any(|&lane| !binds(lane, port))
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
            assert!(bound(Protocol::Tcp, port), "tcp {addr}");
            assert!(bound(Protocol::Both, port), "both {addr}");
            drop(listener);
        }
        for addr in ["127.0.0.1:0", "0.0.0.0:0", "[::]:0"] {
            let Ok(socket) = UdpSocket::bind(addr) else { continue };
            let port = socket.local_addr().unwrap().port();
            assert!(bound(Protocol::Udp, port), "udp {addr}");
            drop(socket);
        }
    }

    #[test]
    fn a_free_port_is_free() {
        // A port the kernel just gave out and took back again.
        let port = TcpListener::bind("[::]:0").unwrap().local_addr().unwrap().port();
        assert!(!bound(Protocol::Tcp, port));
    }
}
