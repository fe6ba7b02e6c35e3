//! `synchronous_standby_names`: the value pg-ha writes, and a parser for the value a server
//! reports (PostgreSQL's grammar: `a,b`, `n (a,b)`, `FIRST n (a,b)`, `ANY n (a,b)`).

/// The reserved name that keeps writes blocked in strict mode when no standby is available
/// (Patroni's): no standby answers to it.
pub const STRICT_PLACEHOLDER: &str = "__patroni_strict_sync_replica_placeholder__";

/// What `synchronous_standby_names` should say.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SyncStandbyNames {
    /// Empty: asynchronous replication.
    #[default]
    Off,
    /// `FIRST n (a,b)` (a bare name when n = 1 and one name).
    First {
        /// How many must confirm.
        count: u32,
        /// Candidate names.
        names: Vec<String>,
    },
    /// `ANY n (a,b)`.
    Any {
        /// How many must confirm.
        count: u32,
        /// Candidate names.
        names: Vec<String>,
    },
}

impl SyncStandbyNames {
    /// The `synchronous_standby_names` text: `""`, `"a"` (FIRST 1 of one name),
    /// `FIRST n ("a","b")` or `ANY n ("a","b")`. Names are double-quoted.
    pub fn to_guc(&self) -> String {
        let list = |names: &[String]| {
            names
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(",")
        };
        match self {
            SyncStandbyNames::Off => String::new(),
            SyncStandbyNames::First { count: 1, names } if names.len() == 1 => list(names),
            SyncStandbyNames::First { count, names } => format!("FIRST {count} ({})", list(names)),
            SyncStandbyNames::Any { count, names } => format!("ANY {count} ({})", list(names)),
        }
    }

    /// The names listed.
    pub fn names(&self) -> &[String] {
        match self {
            SyncStandbyNames::Off => &[],
            SyncStandbyNames::First { names, .. } | SyncStandbyNames::Any { names, .. } => names,
        }
    }

    /// The names a standby can answer to (all but [`STRICT_PLACEHOLDER`]).
    pub fn real_names(&self) -> impl Iterator<Item = &str> {
        self.names()
            .iter()
            .map(String::as_str)
            .filter(|n| *n != STRICT_PLACEHOLDER)
    }

    /// How many listed standbys must confirm a commit (0 when off).
    pub fn count(&self) -> u32 {
        match self {
            SyncStandbyNames::Off => 0,
            SyncStandbyNames::First { count, .. } | SyncStandbyNames::Any { count, .. } => *count,
        }
    }

    /// Parses a value as PostgreSQL reads it. Keywords are case-insensitive, names may be
    /// double-quoted (`""` inside is a quote), and a bare list means `FIRST 1`.
    pub fn parse(text: &str) -> Result<SyncStandbyNames, String> {
        let tokens = tokenize(text)?;
        if tokens.is_empty() {
            return Ok(SyncStandbyNames::Off);
        }
        let keyword =
            |t: &Token, word: &str| matches!(t, Token::Word(w) if w.eq_ignore_ascii_case(word));
        let (any, rest) = match tokens.first() {
            Some(t) if keyword(t, "ANY") => (true, &tokens[1..]),
            Some(t) if keyword(t, "FIRST") => (false, &tokens[1..]),
            _ => (false, &tokens[..]),
        };
        let (count, list) = match rest {
            [Token::Number(n), Token::Open, list @ .., Token::Close] => (*n, list),
            list if rest.len() == tokens.len() => (1, list),
            _ => {
                return Err(format!(
                    "expected `ANY n (...)` or `FIRST n (...)` in {text:?}"
                ))
            }
        };
        let names = names_of(list).map_err(|e| format!("{e} in {text:?}"))?;
        Ok(if any {
            SyncStandbyNames::Any { count, names }
        } else {
            SyncStandbyNames::First { count, names }
        })
    }
}

/// A lexical token of `synchronous_standby_names`.
#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Number(u32),
    Open,
    Close,
    Comma,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            ',' => tokens.push(Token::Comma),
            '"' => tokens.push(Token::Word(quoted(&mut chars)?)),
            c if c.is_ascii_digit() => {
                let mut digits = c.to_string();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    digits.push(d);
                }
                let n = digits
                    .parse()
                    .map_err(|_| format!("number {digits} out of range"))?;
                tokens.push(Token::Number(n));
            }
            c if c.is_alphanumeric() || c == '_' || c == '*' || !c.is_ascii() => {
                let mut word = c.to_string();
                while let Some(d) = chars
                    .next_if(|d| d.is_alphanumeric() || *d == '_' || *d == '$' || !d.is_ascii())
                {
                    word.push(d);
                }
                tokens.push(Token::Word(word));
            }
            other => return Err(format!("unexpected character {other:?} in {text:?}")),
        }
    }
    Ok(tokens)
}

fn quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, String> {
    let mut name = String::new();
    loop {
        match chars.next() {
            Some('"') if chars.next_if_eq(&'"').is_some() => name.push('"'),
            Some('"') => return Ok(name),
            Some(c) => name.push(c),
            None => return Err("unterminated quoted name".to_string()),
        }
    }
}

/// `a, b, "c"`: names separated by commas (a number is a name too, as in PostgreSQL).
fn names_of(list: &[Token]) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for (i, token) in list.iter().enumerate() {
        match (i % 2, token) {
            (0, Token::Word(w)) => names.push(w.clone()),
            (0, Token::Number(n)) => names.push(n.to_string()),
            (1, Token::Comma) => {}
            _ => return Err("expected a comma-separated list of names".to_string()),
        }
    }
    if names.is_empty() || list.len().is_multiple_of(2) {
        return Err("expected a comma-separated list of names".to_string());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn parses_every_form_postgresql_accepts() {
        let cases = [
            ("", SyncStandbyNames::Off),
            ("  ", SyncStandbyNames::Off),
            (
                "a",
                SyncStandbyNames::First {
                    count: 1,
                    names: s(&["a"]),
                },
            ),
            (
                "a, b",
                SyncStandbyNames::First {
                    count: 1,
                    names: s(&["a", "b"]),
                },
            ),
            (
                "2 (a,b,c)",
                SyncStandbyNames::First {
                    count: 2,
                    names: s(&["a", "b", "c"]),
                },
            ),
            (
                "first 2 (a,b)",
                SyncStandbyNames::First {
                    count: 2,
                    names: s(&["a", "b"]),
                },
            ),
            (
                "ANY 1 (\"node1\",\"node 3\")",
                SyncStandbyNames::Any {
                    count: 1,
                    names: s(&["node1", "node 3"]),
                },
            ),
            (
                "any 3 (*)",
                SyncStandbyNames::Any {
                    count: 3,
                    names: s(&["*"]),
                },
            ),
            (
                "\"a\"\"b\"",
                SyncStandbyNames::First {
                    count: 1,
                    names: s(&["a\"b"]),
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(SyncStandbyNames::parse(text), Ok(want), "{text:?}");
        }
    }

    #[test]
    fn round_trips_what_pg_ha_writes() {
        for value in [
            SyncStandbyNames::Off,
            SyncStandbyNames::First {
                count: 1,
                names: s(&["n1"]),
            },
            SyncStandbyNames::First {
                count: 2,
                names: s(&["n1", "n2"]),
            },
            SyncStandbyNames::Any {
                count: 1,
                names: s(&["n1", "n2", "n3"]),
            },
        ] {
            assert_eq!(SyncStandbyNames::parse(&value.to_guc()), Ok(value.clone()));
        }
    }

    #[test]
    fn rejects_malformed_values_and_says_why() {
        for text in [
            "ANY (a)", "ANY 1 a", "1 (a,,b)", "a b", "(a)", "\"a", "ANY 1 ()", "a;b",
        ] {
            let err = SyncStandbyNames::parse(text).expect_err(text);
            assert!(
                err.contains(text.trim()) || err.contains("unterminated"),
                "{text}: {err}"
            );
        }
    }
}
