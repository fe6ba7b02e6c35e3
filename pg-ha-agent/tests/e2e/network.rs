//! The fault suite's test network (`netns.rs`): hosts in their own namespaces reach each
//! other over the bridge, a cut drops packets silently both ways (a connect times out, as in
//! a real partition, instead of failing at once), and healing restores the link. All
//! traffic is sent from inside the namespaces (python3 sockets), none from this process.

use crate::cluster::Network;
use anyhow::{Context, Result};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

/// Accepts connections on argv[1]:argv[2] and greets each one.
const LISTEN: &str = "import socket,sys
s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
s.bind((sys.argv[1],int(sys.argv[2])));s.listen();print('ready',flush=True)
while True:
  c,a=s.accept();c.sendall(b'hello');c.close()";

/// Connects to argv[1]:argv[2] within 2 s and prints what happened: `greeted`,
/// `timeout` (nothing came back) or `error <reason>` (refused at once).
const CONNECT: &str = "import socket,sys
try:
  s=socket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=2)
  print('greeted' if s.recv(5)==b'hello' else 'other')
except socket.timeout:
  print('timeout')
except OSError as e:
  print('error',e)";

const PORT: &str = "7788";

/// What a connect from `from` to `to` saw.
fn connect(network: &Network, from: &str, to: &str) -> Result<String> {
    let out = network
        .command(from, "python3")
        .args(["-c", CONNECT, &network.address(to), PORT])
        .output()
        .context("run python3 (scripts/install-deps installs it)")?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Starts a listener in `host` and waits until it is ready.
fn listen(network: &Network, host: &str) -> Result<Child> {
    let mut child = network
        .command(host, "python3")
        .args(["-c", LISTEN, &network.address(host), PORT])
        .stdout(Stdio::piped())
        .spawn()
        .context("run python3 (scripts/install-deps installs it)")?;
    let mut line = String::new();
    let stdout = child.stdout.take().context("listener stdout")?;
    BufReader::new(stdout).read_line(&mut line)?;
    anyhow::ensure!(line.trim() == "ready", "listener in {host}: {line:?}");
    Ok(child)
}

#[test]
fn a_cut_drops_packets_silently_both_ways_and_heals() -> Result<()> {
    if !nix::unistd::geteuid().is_root() {
        panic!("this test creates network namespaces and needs root (CI runs as root)");
    }
    let network = Network::create(&["a", "b", "c"])?;
    let mut listeners = vec![listen(&network, "b")?, listen(&network, "a")?];
    let result = (|| -> Result<()> {
        assert_eq!(connect(&network, "a", "b")?, "greeted");
        network.cut("a", "b", true)?;
        assert_eq!(
            connect(&network, "a", "b")?,
            "timeout",
            "a -> b after the cut"
        );
        assert_eq!(
            connect(&network, "b", "a")?,
            "timeout",
            "b -> a after the cut"
        );
        assert_eq!(connect(&network, "c", "b")?, "greeted", "c is not cut");
        network.cut("a", "b", false)?;
        assert_eq!(connect(&network, "a", "b")?, "greeted", "healed");
        network.isolate("b", true)?;
        assert_eq!(connect(&network, "c", "b")?, "timeout", "b isolated");
        assert_eq!(
            connect(&network, "c", "a")?,
            "greeted",
            "a and c still talk"
        );
        network.isolate("b", false)?;
        assert_eq!(connect(&network, "c", "b")?, "greeted", "b back");
        Ok(())
    })();
    for listener in &mut listeners {
        let _ = listener.kill();
        let _ = listener.wait();
    }
    result
}
