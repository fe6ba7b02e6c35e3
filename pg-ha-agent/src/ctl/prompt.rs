//! `Prompter`: questions to the user, asked only on a terminal. With `--force` nothing is
//! asked; without `--force` and without a terminal, a confirmation is refused with an error
//! that says to pass `--force`, so scripts never hang on a prompt.

use super::CtlError;
use std::io::{BufRead, IsTerminal, Write};

/// Asks questions, or not, depending on `--force` and on whether stdin is a terminal.
#[derive(Debug, Clone, Copy)]
pub struct Prompter {
    force: bool,
    terminal: bool,
}

impl Prompter {
    /// A prompter for a command run with or without `--force`.
    pub fn new(force: bool) -> Prompter {
        Prompter {
            force,
            terminal: std::io::stdin().is_terminal(),
        }
    }

    /// True when `--force` was given.
    pub fn forced(&self) -> bool {
        self.force
    }

    /// True when questions are asked (no `--force`, and a terminal).
    pub fn interactive(&self) -> bool {
        !self.force && self.terminal
    }

    /// `question [y/N]:`. Passes with `--force`; without a terminal, refuses with
    /// [`CtlError::NeedsConfirmation`]; on a "no", [`CtlError::Aborted`].
    pub fn confirm(&self, question: &str) -> Result<(), CtlError> {
        if self.force {
            return Ok(());
        }
        if !self.terminal {
            return Err(CtlError::NeedsConfirmation(question.to_string()));
        }
        let answer = read_answer(&format!("{question} [y/N]: "))?;
        if matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes") {
            Ok(())
        } else {
            Err(CtlError::Aborted)
        }
    }

    /// `question [default]:`; the default with `--force`, without a terminal, or on an
    /// empty answer.
    pub fn ask(&self, question: &str, default: &str) -> Result<String, CtlError> {
        if !self.interactive() {
            return Ok(default.to_string());
        }
        let answer = read_answer(&format!("{question} [{default}]: "))?;
        Ok(if answer.is_empty() {
            default.to_string()
        } else {
            answer
        })
    }

    /// `question:` with no default: the answer must be typed (on a terminal), else
    /// [`CtlError::NeedsConfirmation`].
    pub fn ask_text(&self, question: &str) -> Result<String, CtlError> {
        if !self.terminal {
            return Err(CtlError::NeedsConfirmation(question.to_string()));
        }
        read_answer(&format!("{question}: "))
    }
}

fn read_answer(prompt: &str) -> Result<String, CtlError> {
    let mut stdout = std::io::stdout();
    let _ = write!(stdout, "{prompt}");
    let _ = stdout.flush();
    let mut line = String::new();
    let read = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CtlError::failed(format!("cannot read the answer: {e}")))?;
    if read == 0 {
        return Err(CtlError::Aborted);
    }
    Ok(line.trim().to_string())
}
