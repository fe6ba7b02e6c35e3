//! A private network for a test cluster: one Linux network namespace per host (nodes, etcd
//! members, the client) on one bridge, so that faults can cut links between hosts. Part of
//! the e2e harness (`cluster.rs`); needs root and iproute2.
//!
//! - The bridge `pghab<k>` has the address `10.231.<k>.1/24` in the root namespace, and every
//!   host gets `10.231.<k>.<n>` on a veth whose other end is on the bridge. `<k>` is the first
//!   subnet that no route of this machine covers yet; [`Network::create`] checks with
//!   `ip route get` that every host address goes to the bridge before anything is sent.
//! - Processes run in their host's namespace through `ip netns exec` (which keeps the pid).
//!   The test process itself runs in the client's namespace ([`Network::reexec_in`]): no
//!   traffic goes from the root namespace to a namespace address.
//! - A cut between two hosts points each one's neighbour entry for the other at an address
//!   nobody has: packets are silently dropped (connects hang, open connections retransmit)
//!   as in a real partition, with nothing but iproute2. Healing deletes the entries.
//! - The owner (the process that created it) deletes the namespaces and the bridge on drop.

use anyhow::{bail, Context, Result};
use std::ffi::OsStr;
use std::process::{Command, ExitStatus};

/// A MAC address no interface has: frames sent to it reach nobody.
const NOWHERE: &str = "02:00:5e:00:00:01";
/// The environment variable through which a re-executed process learns its network.
const DESCRIPTION_VAR: &str = "PG_HA_TEST_NETWORK";

/// Namespaces on a bridge, one per named host.
#[derive(Debug)]
pub(crate) struct Network {
    subnet: u8,
    hosts: Vec<String>,
    owner: bool,
}

/// Runs `ip` with `args`; fails with its stderr.
fn ip(args: &[&str]) -> Result<String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .context("run ip (iproute2)")?;
    if !out.status.success() {
        bail!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl Network {
    /// Creates the bridge and one namespace per host, in the root namespace (as root).
    pub(crate) fn create(hosts: &[&str]) -> Result<Network> {
        if !nix::unistd::geteuid().is_root() {
            bail!("network namespaces need root");
        }
        let routes = ip(&["-4", "route", "show"])?;
        let addresses = ip(&["-4", "-br", "addr"])?;
        for subnet in 200u8..=250 {
            let prefix = format!("10.231.{subnet}.");
            if routes.contains(&prefix) || addresses.contains(&prefix) {
                continue;
            }
            let bridge = format!("pghab{subnet}");
            if ip(&["link", "add", &bridge, "type", "bridge"]).is_err() {
                continue; // another run took it first
            }
            let network = Network {
                subnet,
                hosts: hosts.iter().map(|h| h.to_string()).collect(),
                owner: true,
            };
            network.build()?;
            return Ok(network);
        }
        bail!("no free 10.231.200-250.0/24 subnet for a test network")
    }

    fn bridge(&self) -> String {
        format!("pghab{}", self.subnet)
    }

    /// Addresses the bridge, adds the namespaces and their veths, and checks the routes.
    fn build(&self) -> Result<()> {
        let bridge = self.bridge();
        ip(&[
            "addr",
            "add",
            &format!("10.231.{}.1/24", self.subnet),
            "dev",
            &bridge,
        ])?;
        ip(&["link", "set", &bridge, "up"])?;
        for (i, host) in self.hosts.iter().enumerate() {
            let ns = self.namespace(host);
            let veth = format!("pgha{}v{i}", self.subnet);
            ip(&["netns", "add", &ns])?;
            ip(&[
                "link", "add", &veth, "type", "veth", "peer", "name", "eth0", "netns", &ns,
            ])?;
            ip(&["link", "set", &veth, "master", &bridge, "up"])?;
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
            let address = format!("{}/24", self.address(host));
            ip(&["-n", &ns, "addr", "add", &address, "dev", "eth0"])?;
            ip(&["-n", &ns, "link", "set", "eth0", "up"])?;
        }
        for host in &self.hosts {
            let route = ip(&["route", "get", &self.address(host)])?;
            if !route.contains(&format!("dev {bridge} ")) {
                bail!(
                    "{} would not go to the bridge {bridge}: {route}",
                    self.address(host)
                );
            }
        }
        Ok(())
    }

    /// The namespace of `host`.
    pub(crate) fn namespace(&self, host: &str) -> String {
        format!("pgha{}-{host}", self.subnet)
    }

    fn index(&self, host: &str) -> usize {
        self.hosts
            .iter()
            .position(|h| h == host)
            .unwrap_or_else(|| panic!("{host} is not a host of the test network"))
    }

    /// The address of `host` (`10.231.<k>.<10 + its index>`).
    pub(crate) fn address(&self, host: &str) -> String {
        format!("10.231.{}.{}", self.subnet, 10 + self.index(host))
    }

    /// The hosts whose names start with `prefix`, in order.
    pub(crate) fn hosts_named(&self, prefix: &str) -> Vec<String> {
        self.hosts
            .iter()
            .filter(|h| h.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// The subnet in CIDR form, for pg_hba.
    pub(crate) fn cidr(&self) -> String {
        format!("10.231.{}.0/24", self.subnet)
    }

    /// A command that runs `program` in `host`'s namespace (the pid is `program`'s).
    pub(crate) fn command(&self, host: &str, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec"])
            .arg(self.namespace(host))
            .arg(program);
        command
    }

    fn set_neighbour(&self, from: &str, to: &str, cut: bool) -> Result<()> {
        let ns = self.namespace(from);
        let address = self.address(to);
        if cut {
            ip(&[
                "-n",
                &ns,
                "neigh",
                "replace",
                &address,
                "lladdr",
                NOWHERE,
                "nud",
                "permanent",
                "dev",
                "eth0",
            ])?;
        } else {
            ip(&["-n", &ns, "neigh", "del", &address, "dev", "eth0"])?;
        }
        Ok(())
    }

    /// Cuts (or heals) the link between `a` and `b`, both ways.
    pub(crate) fn cut(&self, a: &str, b: &str, cut: bool) -> Result<()> {
        self.set_neighbour(a, b, cut)?;
        self.set_neighbour(b, a, cut)
    }

    /// Cuts (or heals) `host` from every other host.
    pub(crate) fn isolate(&self, host: &str, cut: bool) -> Result<()> {
        for other in self.hosts.iter().filter(|h| *h != host) {
            self.cut(host, other, cut)?;
        }
        Ok(())
    }

    /// Runs this executable again, with the same arguments, in `host`'s namespace, and
    /// returns its exit status; [`Network::current`] then finds the network there.
    pub(crate) fn reexec_in(&self, host: &str) -> Result<ExitStatus> {
        let exe = std::env::current_exe().context("current_exe")?;
        let description = format!("{} {}", self.subnet, self.hosts.join(","));
        self.command(host, exe)
            .args(std::env::args_os().skip(1))
            .env(DESCRIPTION_VAR, description)
            .status()
            .context("re-execute in the client namespace")
    }

    /// The network this process was re-executed into, if any.
    pub(crate) fn current() -> Option<Network> {
        let description = std::env::var(DESCRIPTION_VAR).ok()?;
        let (subnet, hosts) = description.split_once(' ')?;
        Some(Network {
            subnet: subnet.parse().ok()?,
            hosts: hosts.split(',').map(str::to_string).collect(),
            owner: false,
        })
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        if !self.owner {
            return;
        }
        for host in &self.hosts {
            let _ = ip(&["netns", "del", &self.namespace(host)]);
        }
        let _ = ip(&["link", "del", &self.bridge()]);
    }
}
