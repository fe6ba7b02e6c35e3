//! Which members a member command (`restart`, `reload`, `reinit`) acts on: the names given,
//! else every member of the `--role`, confirmed with the user unless `--force`.

use super::command::{MemberArgs, RoleFilter};
use super::prompt::Prompter;
use super::CtlError;
use pg_ha_core::model::{Cluster, Member};

/// `[CLUSTER] MEMBER...`: the positionals without a leading cluster name. The first name is
/// taken as the cluster when it equals `scope` and no member has that name.
pub fn member_names<'a>(names: &'a [String], scope: &str, cluster: &Cluster) -> &'a [String] {
    match names.split_first() {
        Some((first, rest)) if first == scope && cluster.member(first).is_none() => rest,
        _ => names,
    }
}

/// True when `member` has the role `role` in `cluster`.
fn has_role(cluster: &Cluster, member: &Member, role: RoleFilter) -> bool {
    let leads = cluster.is_leader(&member.name);
    let standby = cluster
        .config
        .as_ref()
        .is_some_and(|c| c.parsed.is_standby_cluster());
    match role {
        RoleFilter::Any => true,
        RoleFilter::Leader => leads,
        RoleFilter::Primary => leads && !standby,
        RoleFilter::StandbyLeader => leads && standby,
        RoleFilter::Replica => !leads,
    }
}

fn role_name(role: RoleFilter) -> &'static str {
    match role {
        RoleFilter::Any => "any",
        RoleFilter::Leader => "leader",
        RoleFilter::Primary => "primary",
        RoleFilter::StandbyLeader => "standby-leader",
        RoleFilter::Replica => "replica",
    }
}

/// The members `args` name (or all of the role when none is named), after the user confirmed
/// `action` on them.
pub fn select<'a>(
    cluster: &'a Cluster,
    scope: &str,
    args: &MemberArgs,
    action: &str,
    prompter: &Prompter,
) -> Result<Vec<&'a Member>, CtlError> {
    if cluster.members.is_empty() {
        return Err(CtlError::failed(format!(
            "Can not find any members in cluster {scope}"
        )));
    }
    let candidates: Vec<&Member> = cluster
        .members
        .iter()
        .filter(|m| has_role(cluster, m, args.role))
        .collect();
    let mut names: Vec<String> = member_names(&args.names, scope, cluster).to_vec();
    if names.is_empty() && prompter.interactive() {
        let all: Vec<&str> = candidates.iter().map(|m| m.name.as_str()).collect();
        let answer = prompter.ask(
            &format!(
                "Which member do you want to {action} [{}]? (empty: all)",
                all.join(", ")
            ),
            "",
        )?;
        names.extend(answer.split_whitespace().map(str::to_string));
    }
    let members: Vec<&Member> = if names.is_empty() {
        candidates
    } else {
        names
            .iter()
            .map(|name| {
                let member = cluster.member(name).ok_or_else(|| {
                    CtlError::failed(format!("{name} is not a member of cluster {scope}"))
                })?;
                if !has_role(cluster, member, args.role) {
                    return Err(CtlError::failed(format!(
                        "{name} is not a {} member of cluster {scope}",
                        role_name(args.role)
                    )));
                }
                Ok(member)
            })
            .collect::<Result<_, _>>()?
    };
    if members.is_empty() {
        return Err(CtlError::failed(format!(
            "No {} members found in cluster {scope}",
            role_name(args.role)
        )));
    }
    let list: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
    prompter.confirm(&format!(
        "Are you sure you want to {action} members {}?",
        list.join(", ")
    ))?;
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pg_ha_core::model::{Leader, MemberData, MemberState, Role};

    fn cluster() -> Cluster {
        let member = |name: &str| Member {
            name: name.to_string(),
            version: 1,
            session: None,
            data: MemberData::new(MemberState::Running, Role::Replica),
        };
        Cluster {
            leader: Some(Leader {
                name: "node1".into(),
                version: 1,
                session: None,
            }),
            members: vec![member("node1"), member("node2"), member("node3")],
            ..Cluster::default()
        }
    }

    fn names(members: Result<Vec<&Member>, CtlError>) -> Result<Vec<String>, String> {
        members
            .map(|ms| ms.iter().map(|m| m.name.clone()).collect())
            .map_err(|e| e.to_string())
    }

    fn args(names: &[&str], role: RoleFilter) -> MemberArgs {
        MemberArgs {
            names: names.iter().map(|n| n.to_string()).collect(),
            role,
            force: true,
        }
    }

    #[test]
    fn names_roles_and_the_cluster_name() {
        let c = cluster();
        let forced = Prompter::new(true);
        let pick = |a: &MemberArgs| names(select(&c, "demo", a, "restart", &forced));
        assert_eq!(
            pick(&args(&["demo", "node2"], RoleFilter::Any)),
            Ok(vec!["node2".to_string()])
        );
        assert_eq!(
            pick(&args(&[], RoleFilter::Replica)),
            Ok(vec!["node2".to_string(), "node3".to_string()])
        );
        assert_eq!(
            pick(&args(&[], RoleFilter::Primary)),
            Ok(vec!["node1".to_string()])
        );
        assert_eq!(
            pick(&args(&["node9"], RoleFilter::Any)),
            Err("node9 is not a member of cluster demo".to_string())
        );
        assert_eq!(
            pick(&args(&["node1"], RoleFilter::Replica)),
            Err("node1 is not a replica member of cluster demo".to_string())
        );
        assert_eq!(
            pick(&args(&[], RoleFilter::StandbyLeader)),
            Err("No standby-leader members found in cluster demo".to_string())
        );
    }

    #[test]
    fn without_force_or_terminal_the_confirmation_is_refused() {
        let c = cluster();
        let prompter = Prompter::new(false);
        if prompter.interactive() {
            return; // run from a terminal: the question would be asked
        }
        let e = names(select(
            &c,
            "demo",
            &args(&["node2"], RoleFilter::Any),
            "reload",
            &prompter,
        ));
        let e = e.expect_err("refused");
        assert!(
            e.contains("Are you sure you want to reload members node2?"),
            "{e}"
        );
        assert!(e.contains("pass --force"), "{e}");
    }
}
