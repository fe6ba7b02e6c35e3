//! Help texts: `pg-ha-ctl --help` and `pg-ha-ctl COMMAND --help`.

const OVERVIEW: &str = "\
pg-ha-ctl: manage a pg-ha (or Patroni) cluster, like patronictl.

usage: pg-ha-ctl [-c CONFIG.yml] COMMAND [OPTIONS] [ARGS]

The configuration is the agent's YAML file (Patroni's format): -c / --config-file, else
$PATRONICTL_CONFIG_FILE, else ~/.config/patroni/patronictl.yaml. The cluster is read from the
DCS; requests go to the members' REST APIs (basic auth from ctl.authentication, else
restapi.authentication).

commands:
  list [CLUSTER]                   members table (-e extended, -f pretty|json|tsv)
  switchover [CLUSTER]             --leader/--primary NAME --candidate NAME --scheduled TIME --force
  failover [CLUSTER]               --candidate NAME --force
  restart [CLUSTER] [MEMBER...]    --role ROLE --pending --scheduled TIME --pg-version V --force
  reload [CLUSTER] [MEMBER...]     --role ROLE --force
  reinit [CLUSTER] MEMBER...       --force --wait --from-leader
  pause [CLUSTER]                  --wait
  resume [CLUSTER]                 --wait
  demote-cluster [CLUSTER]         --host H --port P --primary-slot-name S --restore-command C --force
  promote-cluster [CLUSTER]        --force
  show-config [CLUSTER]            print the dynamic configuration (YAML)
  edit-config [CLUSTER]            --set k.path=v --pg name=v --apply FILE|- --replace FILE|- -q --force
  history [CLUSTER]                timeline history (-f pretty|json|tsv)
  remove CLUSTER                   delete the cluster's keys from the DCS (--force)
  why [MEMBER]                     a member's last decision and its reason (default: the leader)
  version                          print the version

Commands that ask for confirmation take --force; without --force they refuse to run when no
terminal is attached. Waiting commands take --timeout SECONDS (default 60).
See `pg-ha-ctl COMMAND --help` for details.";

/// The help text for `command`, or the overview.
pub fn help(command: Option<&str>) -> String {
    let detail = match command {
        None => return OVERVIEW.to_string(),
        Some("list") => {
            "usage: pg-ha-ctl list [CLUSTER] [-e|--extended] [-f|--format pretty|json|tsv]\n\n\
             The members with host, role, state, timeline and lag (in MB, against the leader's\n\
             last reported WAL position), then the cluster-wide state: maintenance mode and a\n\
             scheduled switchover."
        }
        Some("switchover") => {
            "usage: pg-ha-ctl switchover [CLUSTER] [--leader|--primary NAME] [--candidate NAME]\n\
             \x20                           [--scheduled TIME|now] [--force] [--timeout SECONDS]\n\n\
             Asks the leader's REST API (POST /switchover) to hand over to the candidate (or to\n\
             the healthiest replica when none is named), then follows the leader key in the DCS\n\
             until it moves or the timeout passes. Exits 0 only once a new leader holds the key\n\
             (or the switchover was scheduled)."
        }
        Some("failover") => {
            "usage: pg-ha-ctl failover [CLUSTER] --candidate NAME [--force] [--timeout SECONDS]\n\n\
             Asks a reachable member (the leader first) to make the candidate the leader\n\
             (POST /failover), also when the cluster has no leader, then waits for it."
        }
        Some("restart") => {
            "usage: pg-ha-ctl restart [CLUSTER] [MEMBER...] [--role leader|primary|standby-leader|replica|any]\n\
             \x20                         [--pending] [--scheduled TIME|now] [--pg-version X.Y]\n\
             \x20                         [--timeout SECONDS] [--force]\n\n\
             POST /restart on each member (all members of the role when none is named)."
        }
        Some("reload") => {
            "usage: pg-ha-ctl reload [CLUSTER] [MEMBER...] [--role ROLE] [--force]\n\n\
             POST /reload on each member."
        }
        Some("reinit") => {
            "usage: pg-ha-ctl reinit [CLUSTER] MEMBER... [--force] [--wait] [--from-leader]\n\
             \x20                        [--timeout SECONDS]\n\n\
             POST /reinitialize on each member; --wait follows their state until they are no\n\
             longer `creating replica`."
        }
        Some("pause") | Some("resume") => {
            "usage: pg-ha-ctl pause|resume [CLUSTER] [--wait] [--timeout SECONDS]\n\n\
             PATCH /config {\"pause\": true} (resume: null) on the first member that answers,\n\
             leader first; --wait follows the member keys until every member reports it."
        }
        Some("demote-cluster") => {
            "usage: pg-ha-ctl demote-cluster [CLUSTER] [--host HOST] [--port PORT]\n\
             \x20                               [--primary-slot-name SLOT]\n\
             \x20                               [--restore-command CMD] [--force]\n\n\
             PATCH /config {\"standby_cluster\": {...}} on the leader (--host or\n\
             --restore-command needed), then waits until the leader is a running\n\
             standby_leader that replicates from the remote."
        }
        Some("promote-cluster") => {
            "usage: pg-ha-ctl promote-cluster [CLUSTER] [--force]\n\n\
             PATCH /config {\"standby_cluster\": null} on the leader, then waits until the\n\
             standby leader is a running primary."
        }
        Some("show-config") => {
            "usage: pg-ha-ctl show-config [CLUSTER]\n\nPrints the `config` key as YAML."
        }
        Some("edit-config") => {
            "usage: pg-ha-ctl edit-config [CLUSTER] [-s|--set KEY.PATH=VALUE]... [-p|--pg NAME=VALUE]...\n\
             \x20                             [--apply FILE|-] [--replace FILE|-] [-q|--quiet] [--force]\n\n\
             Changes the `config` key with a conditional write (aborted if someone changed it\n\
             meanwhile). VALUE is YAML; `null` removes the key. --apply merges a YAML patch,\n\
             --replace sets the whole configuration. Without any of them, opens $EDITOR (only\n\
             on a terminal). Shows the diff and asks before writing unless --force."
        }
        Some("history") => {
            "usage: pg-ha-ctl history [CLUSTER] [-f|--format pretty|json|tsv]\n\n\
             The `history` key: one row per timeline switch."
        }
        Some("remove") => {
            "usage: pg-ha-ctl remove CLUSTER [--force]\n\n\
             Deletes every key of the cluster from the DCS. Asks to type the cluster name,\n\
             \"Yes I am aware\" and, for a running cluster, the leader's name, unless --force."
        }
        Some("why") => {
            "usage: pg-ha-ctl why [MEMBER]\n\n\
             GET /why on the member (default: the leader): the reason of its last decision,\n\
             the actions it took, and whether it holds the leader lease."
        }
        Some("version") => "usage: pg-ha-ctl version",
        Some(other) => {
            return format!("unknown command `{other}`\n\n{OVERVIEW}");
        }
    };
    detail.to_string()
}
