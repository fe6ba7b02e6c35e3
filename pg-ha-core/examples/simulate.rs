//! Runs the deterministic cluster simulator over many seeds (placeholder until the simulator
//! lands).

fn main() {
    eprintln!("simulator not built yet");
    std::process::exit(2);
}
