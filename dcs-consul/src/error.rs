//! Errors: setup errors, the crate's classification of Consul failures, and its mapping to
//! [`DcsError`].

use pg_ha_core::DcsError;
use std::time::Duration;

/// Why [`crate::ConsulDcs::new`] refused a configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The configuration lists no agent.
    #[error("no Consul agent configured")]
    NoAgents,
    /// An agent is not an `http://` or `https://` URL.
    #[error("invalid Consul agent `{0}`: expected http://host:port or https://host:port")]
    BadAgent(String),
    /// A TLS file cannot be read or used (it is named), or a key was given without its
    /// certificate.
    #[error("Consul {0}")]
    Tls(String),
}

/// A failed Consul call, classified for retries and agent failover.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Failure {
    /// The agent answered with an error status.
    #[error("consul: HTTP {status}: {body}")]
    Http {
        /// The status code.
        status: u16,
        /// The response body (Consul's error text).
        body: String,
    },
    /// No answer: connection refused or lost.
    #[error("consul: {0}")]
    Transport(String),
    /// The call did not finish in time.
    #[error("consul: request did not finish within {0:?}")]
    Timeout(Duration),
    /// The agent answered something that is not Consul's API.
    #[error("consul: unexpected response: {0}")]
    Invalid(String),
}

impl Failure {
    /// True when another attempt (on this or another agent) may succeed.
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            Failure::Transport(_) | Failure::Timeout(_) => true,
            Failure::Http { status, body } => {
                matches!(status, 429 | 502 | 503 | 504)
                    || (*status == 500 && !self.is_invalid_session() && !is_request_error(body))
            }
            Failure::Invalid(_) => false,
        }
    }

    /// Consul's answer to a KV acquire with a session that does not exist (any more).
    pub(crate) fn is_invalid_session(&self) -> bool {
        matches!(self, Failure::Http { status: 500, body } if body.starts_with("invalid session"))
    }

    /// The agent's minimum session TTL, if this is Consul's "Invalid Session TTL" refusal.
    pub(crate) fn session_ttl_min(&self) -> Option<Duration> {
        let Failure::Http { body, .. } = self else {
            return None;
        };
        if !body.starts_with("Invalid Session TTL") {
            return None;
        }
        let min = body.split_once('[')?.1.split_once('=')?.0;
        parse_go_duration(min)
    }
}

/// 500s that are refusals of the request itself, not a sick cluster.
fn is_request_error(body: &str) -> bool {
    [
        "Invalid Session TTL",
        "Invalid Behavior",
        "Missing check",
        "Session TTL",
    ]
    .iter()
    .any(|p| body.starts_with(p))
}

impl From<Failure> for DcsError {
    fn from(f: Failure) -> DcsError {
        let retryable = f.is_retryable();
        match f {
            Failure::Timeout(_) => DcsError::Timeout(f.to_string()),
            _ if retryable => DcsError::Unreachable(f.to_string()),
            _ => DcsError::Rejected(f.to_string()),
        }
    }
}

impl From<rs_consul::ConsulError> for Failure {
    fn from(e: rs_consul::ConsulError) -> Failure {
        use rs_consul::ConsulError as E;
        match e {
            E::UnexpectedResponseCode(status, body) => Failure::Http {
                status: status.as_u16(),
                body: body.unwrap_or_default().trim().to_string(),
            },
            E::ResponseError(_) | E::InvalidResponse(_) => Failure::Transport(e.to_string()),
            E::TimeoutExceeded(d) => Failure::Timeout(d),
            other => Failure::Invalid(other.to_string()),
        }
    }
}

/// Parses a Go duration of one unit (`10s`, `1.5s`, `250ms`, `1m`, `1h`).
pub(crate) fn parse_go_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let seconds = match unit {
        "ns" => value / 1e9,
        "us" | "µs" => value / 1e6,
        "ms" => value / 1e3,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(seconds).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, body: &str) -> Failure {
        Failure::Http {
            status,
            body: body.to_string(),
        }
    }

    #[test]
    fn classification() {
        assert!(http(500, "No cluster leader").is_retryable());
        assert!(http(503, "").is_retryable());
        assert!(!http(403, "Permission denied").is_retryable());
        let invalid = http(500, "invalid session \"abc\"");
        assert!(invalid.is_invalid_session() && !invalid.is_retryable());
        assert!(matches!(DcsError::from(invalid), DcsError::Rejected(_)));
        assert!(matches!(
            DcsError::from(Failure::Transport("refused".into())),
            DcsError::Unreachable(_)
        ));
    }

    #[test]
    fn session_ttl_min_is_parsed() {
        let f = http(
            500,
            "Invalid Session TTL '1000000000', must be between [10s=24h0m0s]",
        );
        assert_eq!(f.session_ttl_min(), Some(Duration::from_secs(10)));
        assert_eq!(parse_go_duration("0.001s"), Some(Duration::from_millis(1)));
        assert_eq!(
            parse_go_duration("1500ms"),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_go_duration("x"), None);
    }
}
