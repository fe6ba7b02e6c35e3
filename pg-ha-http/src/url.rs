//! Splitting and re-pathing REST API URLs.

use crate::HttpError;

/// Splits `http(s)://host:port/path` into (`http(s)://host:port`, `/path`).
pub fn split_url(url: &str) -> Result<(&str, &str), HttpError> {
    let scheme_end = ["http://", "https://"]
        .iter()
        .find(|s| url.starts_with(*s))
        .map(|s| s.len())
        .ok_or_else(|| HttpError::BadUrl(url.to_string()))?;
    let (base, path) = match url[scheme_end..].find('/') {
        Some(i) => url.split_at(scheme_end + i),
        None => (url, "/"),
    };
    if base.len() == scheme_end {
        return Err(HttpError::BadUrl(url.to_string()));
    }
    Ok((base, path))
}

/// Replaces the path of `api_url` (e.g. `https://h:8008/patroni`) with `path`, as patronictl
/// does to reach other endpoints.
pub fn with_path(api_url: &str, path: &str) -> String {
    match split_url(api_url) {
        Ok((base, _)) => format!("{base}{path}"),
        Err(_) => api_url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_repaths_both_schemes() {
        assert_eq!(
            split_url("https://10.0.0.1:8008/patroni").ok(),
            Some(("https://10.0.0.1:8008", "/patroni"))
        );
        assert_eq!(split_url("http://h:1").ok(), Some(("http://h:1", "/")));
        assert!(split_url("ftp://h/x").is_err());
        assert!(split_url("http:///x").is_err());
        assert_eq!(
            with_path("https://h:8008/patroni", "/switchover"),
            "https://h:8008/switchover"
        );
    }
}
