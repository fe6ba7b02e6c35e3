//! decide() is pure: its module reads no clock, uses no tokio, no randomness, no IO.

#[test]
fn decision_module_imports_no_runtime_clock_or_randomness() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/decide");
    let forbidden = [
        "tokio",
        "Instant::now",
        "SystemTime",
        "Utc::now",
        "rand::",
        "std::fs",
        "std::net",
        "async fn",
        ".await",
    ];
    let mut files = 0;
    for entry in std::fs::read_dir(dir).expect("src/decide exists") {
        let path = entry.expect("readable entry").path();
        let text = std::fs::read_to_string(&path).expect("readable file");
        files += 1;
        for word in forbidden {
            assert!(!text.contains(word), "{} uses `{word}`", path.display());
        }
    }
    assert!(
        files >= 10,
        "expected the decide module's files, found {files}"
    );
}
