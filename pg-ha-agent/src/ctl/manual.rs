//! Shell completions and the man page, generated from the command line's one definition
//! ([`super::cli::Cli`]).

use super::cli::Cli;
use clap::CommandFactory;

/// The completion script of `pg-ha-ctl` for `shell`.
pub fn completion(shell: clap_complete::Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "pg-ha-ctl", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The man page of `pg-ha-ctl`, in roff.
pub fn man_page() -> String {
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut out) {
        return format!(".\\\" cannot render the man page: {e}\n");
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_and_man_page_list_the_commands_and_options() {
        let bash = completion(clap_complete::Shell::Bash);
        for word in ["switchover", "--candidate", "edit-config", "--config-file"] {
            assert!(bash.contains(word), "bash completion lacks {word}");
        }
        let man = man_page();
        assert!(man.starts_with(".ie") || man.contains(".TH"), "{man}");
        assert!(
            man.contains("pg\\-ha\\-ctl"),
            "the man page names the program"
        );
        assert!(man.contains("switchover"));
    }
}
