//! pg-ha agent binary (skeleton).

fn main() {
    eprintln!("pg-ha-agent: the agent is not implemented yet; see README.md");
    std::process::exit(2);
}
