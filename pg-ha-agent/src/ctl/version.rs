//! `version [CLUSTER [MEMBER...]]`: this program's version, then each member's as its REST
//! API reports it (`GET /patroni`), in patronictl's form: `node1: Patroni 4.1.5 PostgreSQL
//! 15.8`.

use super::session::{Session, REQUEST_TIMEOUT};
use super::CtlError;
use serde_json::Value;

/// This program's line.
pub fn local() -> String {
    format!("pg-ha-ctl version {}", env!("CARGO_PKG_VERSION"))
}

/// Runs `version` for the members named in `members` (all when empty).
pub async fn run(session: &Session, members: &[String]) -> Result<(), CtlError> {
    println!("{}\n", local());
    let cluster = session.cluster().await?;
    for member in &cluster.members {
        if member.data.api_url.is_none() || !(members.is_empty() || members.contains(&member.name))
        {
            continue;
        }
        let answer = session
            .request(member, "GET", "/patroni", None, REQUEST_TIMEOUT)
            .await
            .and_then(|r| {
                serde_json::from_str::<Value>(&r.body)
                    .map_err(|e| CtlError::failed(format!("not JSON: {e}")))
            });
        match answer {
            Ok(status) => println!("{}: {}", member.name, describe(&status)),
            Err(e) => println!("{}: failed to get version: {e}", member.name),
        }
    }
    Ok(())
}

/// `Patroni <version>[ PostgreSQL <version>]` from a `/patroni` answer.
fn describe(status: &Value) -> String {
    let patroni = status["patroni"]["version"].as_str().unwrap_or("unknown");
    match status["server_version"].as_u64() {
        Some(v) => format!("Patroni {patroni} PostgreSQL {}", pg_version(v)),
        None => format!("Patroni {patroni}"),
    }
}

/// `server_version_num` as text: 150008 is 15.8, 90624 is 9.6.24.
fn pg_version(num: u64) -> String {
    if num >= 100_000 {
        format!("{}.{}", num / 10_000, num % 10_000)
    } else {
        format!("{}.{}.{}", num / 10_000, num / 100 % 100, num % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_as_patronictl_prints_them() {
        assert_eq!(pg_version(150008), "15.8");
        assert_eq!(pg_version(90624), "9.6.24");
        let status = serde_json::json!({"patroni": {"version": "4.1.5"}, "server_version": 150008});
        assert_eq!(describe(&status), "Patroni 4.1.5 PostgreSQL 15.8");
        assert_eq!(describe(&serde_json::json!({})), "Patroni unknown");
    }
}
