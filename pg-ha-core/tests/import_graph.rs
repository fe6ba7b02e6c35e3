#![allow(missing_docs)]
//! No circles in the import graph between files: in each crate, a file that uses a sibling
//! module (`super::x`, `crate::a::b`) never ends up, through other files, used by it.
//! `mod.rs` / `lib.rs` only declare and re-export, so they are not nodes. Test modules
//! (after `#[cfg(test)]`) do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const CRATES: [&str; 4] = ["pg-ha-core", "pg-ha-agent", "pg-ha-postgres", "pg-ha-http"];

type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file relative to `src/` (`decide/leader.rs` -> `decide::leader`).
fn module_of(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn is_declaring(rel: &str) -> bool {
    rel.ends_with("mod.rs") || rel == "lib.rs" || rel == "main.rs"
}

/// Every `crate::a::b` / `super::a` path in `code`, as absolute module paths.
fn referenced_paths(code: &str, me: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (start, _) in code
        .match_indices("crate::")
        .chain(code.match_indices("super::"))
    {
        let before = code[..start].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let tail: String = code[start..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let mut segs: Vec<&str> = tail.split("::").filter(|s| !s.is_empty()).collect();
        let mut base: Vec<String> = Vec::new();
        match segs.first() {
            Some(&"crate") => {
                segs.remove(0);
            }
            _ => {
                base = me.to_vec();
                while segs.first() == Some(&"super") {
                    segs.remove(0);
                    base.pop();
                }
            }
        }
        base.extend(segs.iter().map(|s| s.to_string()));
        out.push(base);
    }
    out
}

fn graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeMap<Vec<String>, String> = files
        .iter()
        .map(|p| {
            let rel = p
                .strip_prefix(src)
                .expect("under src")
                .to_string_lossy()
                .to_string();
            (module_of(&rel), rel)
        })
        .collect();
    let mut g = Graph::new();
    for (module, rel) in &modules {
        if is_declaring(rel) {
            continue;
        }
        let text = std::fs::read_to_string(src.join(rel)).expect("readable");
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let deps = g.entry(rel.clone()).or_default();
        for path in referenced_paths(&code, module) {
            let target = (1..=path.len())
                .rev()
                .find_map(|n| modules.get(&path[..n]))
                .filter(|t| *t != rel && !is_declaring(t));
            if let Some(t) = target {
                deps.insert(t.clone());
            }
        }
    }
    g
}

/// A cycle through `start`, if any (depth-first search).
fn cycle_from(g: &Graph, start: &str) -> Option<Vec<String>> {
    fn walk(
        g: &Graph,
        at: &str,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in g.get(at).into_iter().flatten() {
            if next == start {
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(g, next, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    let mut seen = BTreeSet::new();
    walk(g, start, start, &mut path, &mut seen).then_some(path)
}

#[test]
fn no_file_imports_its_own_importer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut cycles = Vec::new();
    for krate in CRATES {
        let g = graph(&root.join(krate).join("src"));
        assert!(g.len() > 3, "{krate}: no files found");
        for file in g.keys() {
            if let Some(cycle) = cycle_from(&g, file) {
                cycles.push(format!("{krate}: {}", cycle.join(" -> ")));
                break;
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_check_sees_a_cycle() {
    let mut g = Graph::new();
    g.entry("a.rs".into()).or_default().insert("b.rs".into());
    g.entry("b.rs".into()).or_default().insert("c.rs".into());
    g.entry("c.rs".into()).or_default().insert("a.rs".into());
    assert_eq!(
        cycle_from(&g, "a.rs"),
        Some(vec!["a.rs".into(), "b.rs".into(), "c.rs".into()])
    );
    let me = module_of("decide/leader.rs");
    assert_eq!(
        referenced_paths("use super::slots::x; use crate::model::Y;", &me),
        vec![
            vec!["model".to_string(), "Y".to_string()],
            vec!["decide".to_string(), "slots".to_string(), "x".to_string()],
        ]
    );
}
