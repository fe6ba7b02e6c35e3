use crate::support::{Situation, SYSID};
use pg_ha_core::decide::{Action, Reason};
use pg_ha_core::model::{Condition, Role};
use pg_ha_core::postgres::ProcessState;

#[test]
fn empty_cluster_node_races_for_initialize_then_bootstraps() {
    let d = Situation::new("node1").decide();
    assert_eq!(d.reason, Reason::Bootstrapping);
    assert_eq!(d.actions.len(), 4);
    assert_eq!(
        &d.actions[..3],
        &[
            Action::AttemptInitialize,
            Action::Bootstrap,
            Action::AcquireLeader
        ]
    );
    assert!(
        matches!(&d.actions[3], Action::WriteConfig { condition: Condition::Absent, value } if value["ttl"] == 30)
    );
}

#[test]
fn node_without_bootstrap_section_waits() {
    let mut s = Situation::new("node1");
    s.cfg.node.can_bootstrap = false;
    let d = s.decide();
    assert_eq!(d.reason, Reason::CannotBootstrap);
    assert!(d.actions.is_empty());
}

#[test]
fn nofailover_node_does_not_bootstrap() {
    let d = Situation::new("node1")
        .tag("nofailover", true.into())
        .decide();
    assert_eq!(d.reason, Reason::CannotBootstrap);
    assert!(d.actions.is_empty());
}

#[test]
fn empty_initialize_means_another_node_is_bootstrapping() {
    let mut s = Situation::new("node2");
    s.cluster().initialize = Some(String::new());
    let d = s.decide();
    assert_eq!(d.reason, Reason::WaitingForBootstrap);
    assert!(d.actions.is_empty());
}

#[test]
fn failed_bootstrap_removes_its_empty_initialize() {
    let mut s = Situation::new("node1");
    s.cluster().initialize = Some(String::new());
    s.obs.facts.bootstrap_failed = true;
    let d = s.decide();
    assert_eq!(d.reason, Reason::BootstrapFailed);
    assert_eq!(d.actions, vec![Action::DeleteInitialize]);
}

#[test]
fn failed_bootstrap_leaves_an_initialized_cluster_alone() {
    let mut s = Situation::new("node1").initialized();
    s.obs.facts.bootstrap_failed = true;
    let d = s.decide();
    assert_eq!(d.reason, Reason::BootstrapFailed);
    assert!(d.actions.is_empty());
}

#[test]
fn empty_node_clones_from_the_leader() {
    let s = Situation::new("node3").three_nodes(Some("node1"), 1000);
    let d = s.decide();
    assert_eq!(
        d.reason,
        Reason::Cloning {
            source: "node1".into()
        }
    );
    assert_eq!(
        d.actions,
        vec![
            Action::CloneFrom {
                source: "node1".into()
            },
            Action::StartStandby {
                upstream: Some("node1".into())
            }
        ]
    );
}

#[test]
fn empty_node_prefers_a_running_clonefrom_member() {
    let s = Situation::new("node3")
        .three_nodes(Some("node1"), 1000)
        .member_tag("node2", "clonefrom", true.into());
    let d = s.decide();
    assert_eq!(
        d.reason,
        Reason::Cloning {
            source: "node2".into()
        }
    );
    assert_eq!(
        d.actions[0],
        Action::CloneFrom {
            source: "node2".into()
        }
    );
    assert_eq!(
        d.actions[1],
        Action::StartStandby {
            upstream: Some("node1".into())
        }
    );
}

#[test]
fn empty_node_without_leader_waits_to_clone() {
    let d = Situation::new("node3").three_nodes(None, 1000).decide();
    assert_eq!(d.reason, Reason::WaitingForLeaderToClone);
    assert!(d.actions.is_empty());
}

#[test]
fn data_directory_of_another_cluster_is_refused() {
    let mut s = Situation::new("node2")
        .three_nodes(Some("node1"), 1000)
        .pg_standby(1000, 1, Some("node1"));
    s.cluster().initialize = Some("6999999999999999999".into());
    let d = s.decide();
    assert_eq!(
        d.reason,
        Reason::SystemIdMismatch {
            cluster: "6999999999999999999".into(),
            local: SYSID.into()
        }
    );
    assert!(d.actions.is_empty());
}

#[test]
fn existing_data_directory_is_adopted_when_the_cluster_has_no_initialize() {
    let d = Situation::new("node1").pg_primary(1000, 1).decide();
    assert_eq!(d.reason, Reason::AdoptingDataDirectory);
    assert_eq!(
        d.actions,
        vec![Action::WriteInitialize {
            sysid: SYSID.into()
        }]
    );
}

#[test]
fn leader_with_an_empty_data_directory_releases_the_key() {
    let d = Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .decide();
    assert_eq!(d.actions, vec![Action::ReleaseLeader]);
}

#[test]
fn bootstrapper_with_running_primary_and_empty_initialize_takes_the_lead() {
    let mut s = Situation::new("node1")
        .pg_primary(1000, 1)
        .member("node1", Role::Primary, 1000);
    s.cluster().initialize = Some(String::new());
    let d = s.decide();
    assert_eq!(d.reason, Reason::AcquiringLeader);
    assert_eq!(d.actions, vec![Action::AcquireLeader]);
}

#[test]
fn replica_with_data_waits_while_initialize_is_empty() {
    let mut s = Situation::new("node2").pg_down(ProcessState::Stopped, 1000, 1, true);
    s.cluster().initialize = Some(String::new());
    let d = s.decide();
    assert_eq!(d.reason, Reason::WaitingForBootstrap);
    assert!(d.actions.is_empty());
}

#[test]
fn without_a_leader_a_no_leader_method_creates_the_replica() {
    let mut s = Situation::new("node2").initialized();
    s.cfg.node.can_clone_without_leader = true;
    let d = s.decide();
    assert_eq!(d.reason, Reason::CloningWithoutLeader);
    assert_eq!(
        d.actions,
        vec![
            Action::CloneWithoutLeader,
            Action::StartStandby { upstream: None }
        ]
    );
    let mut with_leader = Situation::new("node2").initialized().leader("node1");
    with_leader.cfg.node.can_clone_without_leader = true;
    assert_ne!(with_leader.decide().reason, Reason::CloningWithoutLeader);
}
