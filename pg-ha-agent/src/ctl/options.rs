//! The option scanner under [`super::args`]: `--name value`, `--name=value`, `-xVALUE`,
//! flags, positionals and `--`, checked against one command's list of options. The global
//! `-c` / `--config-file` and `--help` are accepted anywhere.

use super::CtlError;
use std::path::PathBuf;
use std::time::Duration;

/// One option: its names (the first is canonical) and whether it takes a value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Opt {
    pub(crate) names: &'static [&'static str],
    value: bool,
}

/// An option without a value.
pub(crate) const fn flag(names: &'static [&'static str]) -> Opt {
    Opt {
        names,
        value: false,
    }
}

/// An option with a value.
pub(crate) const fn valued(names: &'static [&'static str]) -> Opt {
    Opt { names, value: true }
}

/// `-c` / `--config-file FILE`.
pub(crate) const CONFIG: Opt = valued(&["--config-file", "-c"]);
const HELP: Opt = flag(&["--help", "-h"]);

/// What one command's arguments scanned into.
#[derive(Debug, Default)]
pub(crate) struct Matches {
    /// Options given, by canonical name, in order.
    pub(crate) opts: Vec<(&'static str, Option<String>)>,
    /// Arguments that are not options.
    pub(crate) positionals: Vec<String>,
    /// `-c` / `--config-file`, if given after the command.
    pub(crate) config_file: Option<PathBuf>,
    /// `--help` was given.
    pub(crate) help: bool,
}

impl Matches {
    /// True when the option was given.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.opts.iter().any(|(n, _)| *n == name)
    }

    /// The option's last value.
    pub(crate) fn value(&self, name: &str) -> Option<String> {
        self.values(name).pop()
    }

    /// Every value of a repeated option, in order.
    pub(crate) fn values(&self, name: &str) -> Vec<String> {
        self.opts
            .iter()
            .filter(|(n, _)| *n == name)
            .filter_map(|(_, v)| v.clone())
            .collect()
    }

    /// At most `max` positionals (`what` they are, for the error).
    pub(crate) fn at_most(&self, max: usize, command: &str, what: &str) -> Result<(), CtlError> {
        if self.positionals.len() > max {
            return Err(CtlError::usage(format!(
                "`{command}` takes at most {max} argument(s) ({what}), got: {}",
                self.positionals.join(" ")
            )));
        }
        Ok(())
    }
}

/// `Some((value, tokens used))` when `args[i]` is option `opt` (`--x v`, `--x=v`, `-xv`).
pub(crate) fn option_value(
    args: &[String],
    i: usize,
    opt: Opt,
) -> Result<Option<(String, usize)>, CtlError> {
    let Some(arg) = args.get(i) else {
        return Ok(None);
    };
    for name in opt.names {
        if arg == name {
            return match args.get(i + 1) {
                Some(value) => Ok(Some((value.clone(), 2))),
                None => Err(CtlError::usage(format!("option `{name}` needs a value"))),
            };
        }
        if let Some(value) = arg
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('='))
        {
            return Ok(Some((value.to_string(), 1)));
        }
        let short = name.len() == 2 && !name.starts_with("--");
        if let Some(value) = arg.strip_prefix(name).filter(|v| short && !v.is_empty()) {
            return Ok(Some((value.to_string(), 1)));
        }
    }
    Ok(None)
}

/// Scans `rest` (the arguments after `command`) against `spec`.
pub(crate) fn scan(command: &str, rest: &[String], spec: &[Opt]) -> Result<Matches, CtlError> {
    let mut out = Matches::default();
    let mut i = 0;
    while let Some(arg) = rest.get(i) {
        if arg == "--" {
            out.positionals.extend(rest[i + 1..].iter().cloned());
            break;
        }
        if !arg.starts_with('-') || arg.len() == 1 {
            out.positionals.push(arg.clone());
            i += 1;
            continue;
        }
        if HELP.names.contains(&arg.as_str()) {
            out.help = true;
            i += 1;
            continue;
        }
        if let Some((value, used)) = option_value(rest, i, CONFIG)? {
            out.config_file = Some(PathBuf::from(value));
            i += used;
            continue;
        }
        let mut found = false;
        for opt in spec {
            if opt.value {
                if let Some((value, used)) = option_value(rest, i, *opt)? {
                    out.opts.push((opt.names[0], Some(value)));
                    i += used;
                    found = true;
                    break;
                }
            } else if opt.names.contains(&arg.as_str()) {
                out.opts.push((opt.names[0], None));
                i += 1;
                found = true;
                break;
            }
        }
        if !found {
            return Err(CtlError::usage(format!(
                "unknown option `{arg}` for `{command}` (see `pg-ha-ctl {command} --help`)"
            )));
        }
    }
    Ok(out)
}

/// Seconds (`60`, `1.5`, `60s`), milliseconds (`500ms`) or minutes (`2min`); must be > 0.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, CtlError> {
    let text = text.trim();
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else if let Some(m) = text.strip_suffix("min") {
        (m, 60.0)
    } else {
        (text, 1.0)
    };
    match number.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(Duration::from_secs_f64(n * scale)),
        _ => Err(CtlError::usage(format!(
            "invalid duration `{text}` (expected seconds, e.g. 60, 1.5 or 500ms)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn scans_values_flags_and_positionals() {
        let spec = [valued(&["--set", "-s"]), flag(&["--force"])];
        let m = scan(
            "x",
            &strings("a -s k=1 --set=k=2 -sk=3 --force -c f.yml -- --b"),
            &spec,
        )
        .expect("scans");
        assert_eq!(m.values("--set"), vec!["k=1", "k=2", "k=3"]);
        assert!(m.flag("--force") && !m.help);
        assert_eq!(m.positionals, vec!["a", "--b"]);
        assert_eq!(m.config_file, Some(PathBuf::from("f.yml")));
        assert!(scan("x", &strings("--help"), &spec).expect("scans").help);
        assert!(scan("x", &strings("--nope"), &spec).is_err());
        assert!(scan("x", &strings("--set"), &spec).is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60").ok(), Some(Duration::from_secs(60)));
        assert_eq!(
            parse_duration("1.5s").ok(),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_duration("250ms").ok(),
            Some(Duration::from_millis(250))
        );
        assert_eq!(parse_duration("2min").ok(), Some(Duration::from_secs(120)));
        assert!(parse_duration("-1").is_err());
        assert!(parse_duration("soon").is_err());
    }
}
