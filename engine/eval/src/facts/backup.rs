//! AWS Backup facts: a vault's lock mode at scan time, where a rule's copies
//! go (other region, other account), which selections (and plans) include a
//! resource ARN (surely, or only if its tags match), how often a plan (or
//! the plans that back a resource up) runs, and which network interfaces
//! carry workloads.

use chrono::{DateTime, Utc};
use palisade_model::backup::{BackupPlan, BackupRule, BackupSelection, BackupVault, CopyAction};
use palisade_model::ec2::NetworkInterface;

use super::schedule::{hours_ceil, worst_gap_of, Schedule};

use super::arn::arn_region_account;
use super::wildcard::arn_match;

/// `none`, `governance` (locked, lock date not yet reached or unknown), or
/// `compliance` (lock date passed: immutable).
pub fn lock_mode(v: &BackupVault, scan_time: DateTime<Utc>) -> &'static str {
    match (v.locked, v.lock_date) {
        (false, _) => "none",
        (true, Some(date)) if date <= scan_time => "compliance",
        (true, _) => "governance",
    }
}

/// (copies to another region, copies to another account) among `copies`
/// of a rule in `region` of `account_id`.
pub fn cross_copies(copies: &[CopyAction], region: &str, account_id: &str) -> (usize, usize) {
    let (mut cross_region, mut cross_account) = (0usize, 0usize);
    for c in copies {
        let (dest_region, dest_account) = arn_region_account(&c.destination_vault_arn);
        if dest_region.is_some_and(|dr| dr != region) {
            cross_region += 1;
        }
        if dest_account.is_some_and(|da| da != account_id) {
            cross_account += 1;
        }
    }
    (cross_region, cross_account)
}

/// Whether a selection includes a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inclusion {
    /// Its resource patterns include the ARN, no exclusion matches, and it
    /// has no tag condition.
    Yes,
    /// Only if the resource's tags match the selection's tag conditions
    /// (resource tags are not collected): undecided.
    IfTagged,
    /// Not included.
    No,
}

/// Whether selection `s` includes `arn`, as AWS Backup assigns resources:
/// (a `resources` pattern matches OR the resource carries one of
/// `list_of_tags`) AND every `Conditions` entry holds, minus
/// `not_resources`. Resource tags are not collected, so a verdict that
/// depends on them is [`Inclusion::IfTagged`]. A selection with conditions
/// but neither patterns nor tag list (how snapshots before `list_of_tags`
/// recorded a `ListOfTags` selection) selects by tags alone; one with
/// nothing is counted as selecting nothing.
pub fn selection_inclusion(s: &BackupSelection, arn: &str) -> Inclusion {
    if s.not_resources.iter().any(|pat| arn_match(pat, arn)) {
        return Inclusion::No;
    }
    let by_pattern = s.resources.iter().any(|pat| arn_match(pat, arn));
    let by_tags_only = s.resources.is_empty() && s.list_of_tags.is_empty();
    if by_pattern {
        if s.tag_conditions.is_empty() {
            Inclusion::Yes
        } else {
            Inclusion::IfTagged
        }
    } else if !s.list_of_tags.is_empty() || (by_tags_only && !s.tag_conditions.is_empty()) {
        Inclusion::IfTagged
    } else {
        Inclusion::No
    }
}

/// Which selections and plans include one resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coverage<'p> {
    /// Selections that surely include it.
    pub selections: usize,
    /// Distinct plans owning those selections.
    pub plans: Vec<&'p BackupPlan>,
    /// Other plans whose selections include it only if its tags match.
    pub plans_if_tagged: Vec<&'p BackupPlan>,
}

/// The selections and plans of `plans` that include `arn`.
pub fn selection_coverage<'p>(plans: &'p [BackupPlan], arn: &str) -> Coverage<'p> {
    let mut c = Coverage::default();
    for p in plans {
        let mut sure = 0usize;
        let mut maybe = false;
        for s in &p.selections {
            match selection_inclusion(s, arn) {
                Inclusion::Yes => sure += 1,
                Inclusion::IfTagged => maybe = true,
                Inclusion::No => {}
            }
        }
        c.selections += sure;
        if sure > 0 {
            c.plans.push(p);
        } else if maybe {
            c.plans_if_tagged.push(p);
        }
    }
    c
}

/// Selections that pick resources by tag: whether they include a given ARN
/// cannot be decided without the resource's tags.
pub fn tag_selection_count(plans: &[BackupPlan]) -> usize {
    plans
        .iter()
        .flat_map(|p| &p.selections)
        .filter(|s| !s.tag_conditions.is_empty())
        .count()
}

/// How often a set of backup rules runs, taken together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cadence {
    /// Longest time between two runs of the rules whose schedules could be
    /// read, in whole hours (rounded up); None when none could.
    pub worst_gap_hours: Option<i64>,
    /// Why the other schedules (rule name: reason) could not be read; a
    /// rule without a schedule never runs on its own and is not listed.
    pub unreadable: Vec<String>,
    /// Rules with continuous backup (point-in-time recovery) enabled.
    pub continuous: usize,
}

/// The cadence of `rules` together (a plan's rules, or those of every plan
/// that backs a resource up), simulated from `from_year`.
pub fn cadence<'r>(rules: impl IntoIterator<Item = &'r BackupRule>, from_year: i32) -> Cadence {
    let mut out = Cadence::default();
    let mut readable = Vec::new();
    for r in rules {
        out.continuous += usize::from(r.enable_continuous_backup);
        let Some(expr) = r.schedule_expression.as_deref() else {
            continue;
        };
        match expr.parse::<Schedule>() {
            Ok(_) => readable.push(expr),
            Err(e) => out.unreadable.push(format!("{}: {e}", r.name)),
        }
    }
    out.worst_gap_hours = worst_gap_of(&readable, from_year)
        .ok()
        .flatten()
        .map(hours_ceil);
    out
}

/// Network-interface types (`InterfaceType`) that belong to a managed,
/// stateless network service and carry no workload to back up.
const SERVICE_INTERFACE_TYPES: &[&str] = &[
    "nat_gateway",
    "natgateway",
    "vpc_endpoint",
    "gateway_load_balancer",
    "gateway_load_balancer_endpoint",
    "network_load_balancer",
    "load_balancer",
    "transit_gateway",
    "global_accelerator_managed",
    "api_gateway_managed",
    "iot_rules_managed",
    "aws_codestar_connections_managed",
    "ec2_instance_connect_endpoint",
    "quicksight",
    "lambda",
];

/// True when a network interface carries a workload whose data can need a
/// backup: an instance's, a database's or a file system's interface
/// (`interface`, `efa`, `efa-only`, `trunk`, `branch`, `efs`, or a type
/// not known here), not one of [`SERVICE_INTERFACE_TYPES`] and not an
/// Elastic Load Balancing interface (requester-managed by `amazon-elb`;
/// for snapshots taken before the requester was collected, a description
/// starting `ELB `, as AWS writes it).
pub fn carries_workload(eni: &NetworkInterface) -> bool {
    let kind = eni
        .interface_type
        .as_deref()
        .unwrap_or("interface")
        .to_ascii_lowercase();
    if SERVICE_INTERFACE_TYPES.contains(&kind.as_str()) {
        return false;
    }
    let elb = match eni.requester_managed {
        Some(_) => eni
            .requester_id
            .as_deref()
            .is_some_and(|r| r.eq_ignore_ascii_case("amazon-elb")),
        None => eni
            .description
            .as_deref()
            .is_some_and(|d| d.starts_with("ELB ")),
    };
    !elb
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn lock_modes() {
        let t = Utc
            .with_ymd_and_hms(2026, 11, 30, 0, 0, 0)
            .single()
            .expect("time");
        let mut v = BackupVault::default();
        assert_eq!(lock_mode(&v, t), "none");
        v.locked = true;
        assert_eq!(lock_mode(&v, t), "governance");
        v.lock_date = Some(t);
        assert_eq!(lock_mode(&v, t), "compliance");
        v.lock_date = Some(t + chrono::Duration::days(1));
        assert_eq!(lock_mode(&v, t), "governance");
    }

    #[test]
    fn copies_elsewhere() {
        let copy = |arn: &str| CopyAction {
            destination_vault_arn: arn.into(),
            delete_after_days: None,
        };
        let copies = [
            copy("arn:aws:backup:eu-west-1:111111111111:backup-vault:a"),
            copy("arn:aws:backup:us-east-1:222222222222:backup-vault:b"),
            copy("arn:aws:backup:eu-west-2:222222222222:backup-vault:c"),
        ];
        assert_eq!(cross_copies(&copies, "eu-west-1", "111111111111"), (2, 2));
    }

    #[test]
    fn selection_patterns_compare_arns_with_case() {
        // AWS compares resource ARNs with case: a plan selecting
        // `table/Orders` does not back up `table/orders`, and an exclusion
        // of `table/Orders` does not exclude it.
        let mut s = BackupSelection {
            resources: vec!["arn:aws:dynamodb:*:*:table/Orders".into()],
            ..Default::default()
        };
        let table = "arn:aws:dynamodb:eu-west-1:1:table/orders";
        assert_eq!(selection_inclusion(&s, table), Inclusion::No);
        s.resources = vec!["arn:aws:dynamodb:*:*:table/*".into()];
        s.not_resources = vec!["arn:aws:dynamodb:*:*:table/Orders".into()];
        assert_eq!(selection_inclusion(&s, table), Inclusion::Yes);
    }

    #[test]
    fn selections_with_exclusions_and_tags() {
        let mut s = BackupSelection {
            resources: vec!["arn:aws:ec2:*:*:volume/*".into()],
            not_resources: vec!["arn:aws:ec2:*:*:volume/vol-skip".into()],
            ..Default::default()
        };
        let vol = "arn:aws:ec2:eu-west-1:1:volume/vol-1";
        assert_eq!(selection_inclusion(&s, vol), Inclusion::Yes);
        assert_eq!(
            selection_inclusion(&s, "arn:aws:ec2:eu-west-1:1:volume/vol-skip"),
            Inclusion::No
        );
        assert_eq!(
            selection_inclusion(&s, "arn:aws:rds:eu-west-1:1:db:x"),
            Inclusion::No
        );
        // volume/* + backup=daily: only the volumes tagged so.
        s.tag_conditions = vec!["backup=daily".into()];
        assert_eq!(selection_inclusion(&s, vol), Inclusion::IfTagged);
        assert_eq!(
            selection_inclusion(&s, "arn:aws:rds:eu-west-1:1:db:x"),
            Inclusion::No
        );
        // Tags alone: any resource might be tagged.
        s.resources.clear();
        assert_eq!(
            selection_inclusion(&s, "arn:aws:rds:eu-west-1:1:db:x"),
            Inclusion::IfTagged
        );
        s.tag_conditions.clear();
        assert_eq!(selection_inclusion(&s, vol), Inclusion::No);
    }

    #[test]
    fn list_of_tags_is_or_with_resources_and_conditions_are_and() {
        let vol = "arn:aws:ec2:eu-west-1:1:volume/vol-1";
        let db = "arn:aws:rds:eu-west-1:1:db:x";
        // Resources=[rds:*] OR ListOfTags backup=daily.
        let mut s = BackupSelection {
            resources: vec!["arn:aws:rds:*".into()],
            list_of_tags: vec!["backup=daily".into()],
            ..Default::default()
        };
        assert_eq!(selection_inclusion(&s, db), Inclusion::Yes);
        assert_eq!(selection_inclusion(&s, vol), Inclusion::IfTagged);
        // A volume matched by pattern is in, whatever its tags.
        s.resources = vec!["arn:aws:ec2:*:*:volume/*".into()];
        assert_eq!(selection_inclusion(&s, vol), Inclusion::Yes);
        // Conditions narrow both.
        s.tag_conditions = vec!["env=prod".into()];
        assert_eq!(selection_inclusion(&s, vol), Inclusion::IfTagged);
        // Excluded beats everything.
        s.not_resources = vec![vol.into()];
        assert_eq!(selection_inclusion(&s, vol), Inclusion::No);
    }

    #[test]
    fn coverage_counts_selections_and_distinct_plans() {
        let sel = |pat: &str, tags: usize| BackupSelection {
            resources: vec![pat.into()],
            tag_conditions: vec!["k=v".into(); tags],
            ..Default::default()
        };
        let plan = |arn: &str, selections| BackupPlan {
            arn: arn.into(),
            selections,
            ..Default::default()
        };
        let plans = [
            plan("p1", vec![sel("*", 0), sel("arn:aws:ec2:*", 1)]),
            plan("p2", vec![sel("arn:aws:rds:*", 0)]),
            plan("p3", vec![sel("arn:aws:ec2:*", 1)]),
        ];
        let arns = |ps: &[&BackupPlan]| ps.iter().map(|p| p.arn.clone()).collect::<Vec<_>>();
        let c = selection_coverage(&plans, "arn:aws:ec2:r:1:volume/v");
        assert_eq!(c.selections, 1);
        assert_eq!(arns(&c.plans), ["p1"]);
        assert_eq!(arns(&c.plans_if_tagged), ["p3"]);
        let c = selection_coverage(&plans, "arn:aws:rds:r:1:db:d");
        assert_eq!(
            (c.selections, arns(&c.plans)),
            (2, vec!["p1".into(), "p2".into()])
        );
        assert!(c.plans_if_tagged.is_empty());
        assert_eq!(tag_selection_count(&plans), 2);
    }

    #[test]
    fn cadence_of_rules_together() {
        let rule = |name: &str, expr: Option<&str>| BackupRule {
            name: name.into(),
            schedule_expression: expr.map(str::to_owned),
            ..Default::default()
        };
        let daily_and_monthly = [
            rule("daily", Some("cron(0 5 ? * * *)")),
            rule("monthly", Some("cron(0 5 1 * ? *)")),
        ];
        assert_eq!(cadence(&daily_and_monthly, 2026).worst_gap_hours, Some(24));
        let c = cadence(
            &[
                rule("weekly", Some("cron(0 5 ? * SUN *)")),
                rule("odd", Some("cron(0 5 * *)")),
            ],
            2026,
        );
        assert_eq!(c.worst_gap_hours, Some(168));
        assert_eq!(c.unreadable.len(), 1);
        assert!(c.unreadable[0].starts_with("odd: "));
        let none = cadence(&[rule("manual", None)], 2026);
        assert_eq!((none.worst_gap_hours, none.unreadable.len()), (None, 0));
    }

    #[test]
    fn workload_interfaces() {
        let eni =
            |kind: Option<&str>, requester: Option<&str>, desc: Option<&str>| NetworkInterface {
                interface_type: kind.map(str::to_owned),
                requester_managed: requester.map(|r| r != "-"),
                requester_id: requester.filter(|r| *r != "-").map(str::to_owned),
                description: desc.map(str::to_owned),
                ..Default::default()
            };
        assert!(carries_workload(&eni(Some("interface"), None, None)));
        assert!(carries_workload(&eni(None, None, None)));
        assert!(carries_workload(&eni(Some("efs"), None, None)));
        assert!(carries_workload(&eni(
            Some("interface"),
            Some("amazon-rds"),
            None
        )));
        for service in [
            "nat_gateway",
            "vpc_endpoint",
            "network_load_balancer",
            "gateway_load_balancer",
            "transit_gateway",
            "lambda",
        ] {
            assert!(
                !carries_workload(&eni(Some(service), None, None)),
                "{service}"
            );
        }
        // An ALB's interfaces: type interface, requested by amazon-elb.
        assert!(!carries_workload(&eni(
            Some("interface"),
            Some("amazon-elb"),
            Some("x")
        )));
        assert!(!carries_workload(&eni(
            Some("interface"),
            None,
            Some("ELB app/web/1")
        )));
        // The requester, once collected, decides over the description.
        assert!(carries_workload(&eni(
            Some("interface"),
            Some("-"),
            Some("ELB lookalike")
        )));
    }
}
