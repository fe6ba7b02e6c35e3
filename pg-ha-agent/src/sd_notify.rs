//! systemd's readiness protocol: under `Type=notify` the agent sends `READY=1` once its node
//! runs (REST API listening, HA loop started) and `STOPPING=1` when a SIGTERM or SIGINT
//! starts its shutdown, as one datagram each to `$NOTIFY_SOCKET` (a path, or `@name` in the
//! abstract namespace). Without `$NOTIFY_SOCKET` (not under systemd) nothing is sent.

use std::os::unix::net::UnixDatagram;

/// Sends `state` (e.g. `READY=1`) to `$NOTIFY_SOCKET`; true when it was sent. A failure is
/// logged, never fatal: the service then looks unready to systemd, which the unit's timeout
/// reports.
pub fn notify(state: &str) -> bool {
    let Some(socket) = std::env::var_os("NOTIFY_SOCKET") else {
        return false;
    };
    match send(&socket.to_string_lossy(), state) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!("cannot notify systemd ({state}) at {socket:?}: {e}");
            false
        }
    }
}

fn send(socket: &str, state: &str) -> std::io::Result<()> {
    let sender = UnixDatagram::unbound()?;
    match socket.strip_prefix('@') {
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
            sender.send_to_addr(state.as_bytes(), &addr)?;
        }
        None => {
            sender.send_to(state.as_bytes(), socket)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::send;
    use std::os::unix::net::UnixDatagram;

    #[test]
    fn sends_one_datagram_to_a_path_and_to_an_abstract_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("notify.sock");
        let receiver = UnixDatagram::bind(&path).expect("bind");
        send(&path.to_string_lossy(), "READY=1").expect("send to a path");
        let mut buf = [0u8; 64];
        let n = receiver.recv(&mut buf).expect("receive");
        assert_eq!(&buf[..n], b"READY=1");

        use std::os::linux::net::SocketAddrExt;
        let name = format!("pg-ha-test-{}", std::process::id());
        let addr =
            std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).expect("addr");
        let abstract_receiver = UnixDatagram::bind_addr(&addr).expect("bind abstract");
        send(&format!("@{name}"), "STOPPING=1").expect("send to an abstract name");
        let n = abstract_receiver.recv(&mut buf).expect("receive");
        assert_eq!(&buf[..n], b"STOPPING=1");
    }

    #[test]
    fn a_missing_socket_is_an_error_not_a_panic() {
        assert!(send("/nonexistent/notify.sock", "READY=1").is_err());
    }
}
