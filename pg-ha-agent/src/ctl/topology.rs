//! `topology`: the members in replication order, as patronictl draws it: the leader first,
//! each replica under the member it replicates from (its `replicatefrom` tag when that names
//! another replica, else the leader), its name indented by depth (`+ node2`, `  + node3`).

use pg_ha_core::model::{Cluster, Member};

/// The members in tree order with their depth (0 for the leader and for members left
/// without a parent, such as all of them when there is no leader).
pub fn ordered(cluster: &Cluster) -> Vec<(&Member, usize)> {
    let mut members: Vec<&Member> = cluster.members.iter().collect();
    members.sort_by(|a, b| a.name.cmp(&b.name));
    let leader = cluster.leader_name();
    let parent_of = |m: &Member| -> Option<String> {
        if Some(m.name.as_str()) == leader {
            return None;
        }
        let wanted = m.data.tags.0.get("replicatefrom").and_then(|v| v.as_str());
        let replica = |name: &str| {
            name != m.name && Some(name) != leader && members.iter().any(|other| other.name == name)
        };
        match wanted {
            Some(name) if replica(name) => Some(name.to_string()),
            _ => leader.map(str::to_string),
        }
    };
    let parents: Vec<Option<String>> = members.iter().map(|m| parent_of(m)).collect();
    let mut out = Vec::new();
    let mut placed = vec![false; members.len()];
    let roots: Vec<usize> = (0..members.len())
        .filter(|i| parents[*i].is_none())
        .collect();
    for root in roots {
        walk(root, 0, &members, &parents, &mut placed, &mut out);
    }
    // A replicatefrom cycle leaves members unplaced: list them flat rather than drop them.
    for (i, member) in members.iter().enumerate() {
        if !placed[i] {
            out.push((*member, 0));
        }
    }
    out
}

fn walk<'a>(
    i: usize,
    depth: usize,
    members: &[&'a Member],
    parents: &[Option<String>],
    placed: &mut [bool],
    out: &mut Vec<(&'a Member, usize)>,
) {
    if placed[i] {
        return;
    }
    placed[i] = true;
    out.push((members[i], depth));
    let name = &members[i].name;
    for child in 0..members.len() {
        if parents[child].as_deref() == Some(name.as_str()) {
            walk(child, depth + 1, members, parents, placed, out);
        }
    }
}

/// The name as the topology shows it at `depth`.
pub fn indented(name: &str, depth: usize) -> String {
    match depth {
        0 => name.to_string(),
        d => format!("{}+ {name}", "  ".repeat(d - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pg_ha_core::model::Leader;

    fn member(name: &str, replicatefrom: Option<&str>) -> Member {
        let tags = match replicatefrom {
            Some(from) => serde_json::json!({"replicatefrom": from}),
            None => serde_json::json!({}),
        };
        let data = serde_json::json!({"state": "running", "role": "replica", "tags": tags});
        Member {
            name: name.into(),
            version: 1,
            session: None,
            data: serde_json::from_value(data).expect("member data"),
        }
    }

    #[test]
    fn cascading_replicas_sit_under_their_upstream() {
        let cluster = Cluster {
            leader: Some(Leader {
                name: "b".into(),
                version: 1,
                session: None,
            }),
            members: vec![
                member("a", Some("c")),
                member("b", None),
                member("c", None),
                member("d", Some("b")),
                member("e", Some("nobody")),
            ],
            ..Cluster::default()
        };
        let shown: Vec<String> = ordered(&cluster)
            .into_iter()
            .map(|(m, depth)| indented(&m.name, depth))
            .collect();
        assert_eq!(shown, ["b", "+ c", "  + a", "+ d", "+ e"]);
    }

    #[test]
    fn without_a_leader_everyone_is_a_root_and_cycles_are_kept() {
        let cluster = Cluster {
            members: vec![member("a", Some("b")), member("b", Some("a"))],
            ..Cluster::default()
        };
        let names: Vec<&str> = ordered(&cluster)
            .iter()
            .map(|(m, _)| m.name.as_str())
            .collect();
        assert_eq!(names, ["a", "b"]);
    }
}
