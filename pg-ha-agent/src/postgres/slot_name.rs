//! The replication slot name of a member (spec 2.5).

/// A member's slot name: its name lowercased, `-` and `.` turned into `_`, any other character
/// outside `[a-z0-9_]` turned into `u` + its 4-digit decimal code point, cut to 63 chars.
pub fn slot_name(member: &str) -> String {
    let mut out = String::new();
    for c in member.to_lowercase().chars() {
        match c {
            'a'..='z' | '0'..='9' | '_' => out.push(c),
            '-' | '.' => out.push('_'),
            other => out.push_str(&format!("u{:04}", u32::from(other))),
        }
    }
    out.chars().take(63).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_patronis_rule() {
        assert_eq!(slot_name("Node-1.dc"), "node_1_dc");
        assert_eq!(slot_name("a b"), "au0032b");
        assert_eq!(slot_name("é"), "u0233");
        assert_eq!(slot_name(&"x".repeat(70)).len(), 63);
    }
}
