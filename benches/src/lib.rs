//! Shared bench setup: loading the repository's rule pack and a synthetic
//! AWS organisation generator whose size is set in resources (evaluated
//! entities), with a realistic mix of IAM, EC2, WAFv2, Backup and Config data
//! and a share of violations.

mod exposure;
pub mod handwritten;
mod template;

pub use exposure::synthetic_exposure_snapshot;
pub use template::synthetic_template;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, TimeZone, Utc};
use palisade_model::backup::{BackupPlan, BackupRule, BackupSelection, BackupVault, CopyAction};
use palisade_model::config::ConfigRecorder;
use palisade_model::ec2::{NetworkAcl, NetworkInterface, SecurityGroup, SecurityGroupRule, Vpc};
use palisade_model::iam::{
    AccessKey, Group, InlinePolicy, ManagedPolicy, MfaDevice, PasswordPolicy, Role, User,
};
use palisade_model::policy::PolicyDocument;
use palisade_model::waf::{WafRule, WebAcl};
use palisade_model::{Account, RegionData, Snapshot};
use palisade_rules::RulePack;

/// Repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Loads the repository's rule pack.
pub fn load_pack() -> anyhow::Result<RulePack> {
    let root = repo_root();
    RulePack::load(&root.join("policies"), &root.join("rules")).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The fixed scan time of synthetic snapshots.
pub fn scan_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Evaluated entities produced per generator unit (see [`synthetic_account`]).
pub const RESOURCES_PER_UNIT: usize = 30;

/// Small deterministic PRNG (xorshift64*), so bench inputs are identical
/// across runs and machines.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn doc(json: &str) -> PolicyDocument {
    PolicyDocument::parse_text(json).unwrap_or_default()
}

/// One synthetic account of `units` units. Each unit yields
/// [`RESOURCES_PER_UNIT`] evaluated entities: a user with two access keys and
/// an inline statement, a group, a role with a trust statement, a customer
/// managed policy with two statements, a security group with six rules, a
/// network ACL with five entries, a web ACL with two rules, a backup plan
/// with a rule and a selection, a vault, and supporting ENIs/VPCs. About one
/// resource in ten violates something.
pub fn synthetic_account(index: usize, units: usize) -> Account {
    let id = format!("{:012}", 100_000_000_000u64 + index as u64);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (index as u64 + 1));
    let t0 = scan_time();
    let regions = ["us-east-1", "eu-west-1"];
    let mut a = Account {
        account_id: id.clone(),
        name: Some(format!("synthetic-{index}")),
        partition: "aws".into(),
        regions: regions.iter().map(|r| (*r).to_owned()).collect(),
        ..Account::default()
    };
    a.iam.root.mfa_active = Some(rng.chance(90));
    a.iam.root.hardware_mfa = Some(rng.chance(50));
    a.iam.root.access_key_active = Some(false);
    a.iam.root.password_present = Some(true);
    a.iam.root.credential_report_row = Some(true);
    a.iam.password_policy = Some(PasswordPolicy {
        minimum_password_length: 14,
        password_reuse_prevention: Some(24),
        ..PasswordPolicy::default()
    });
    let mut region_data: Vec<RegionData> = regions
        .iter()
        .map(|r| RegionData {
            region: (*r).to_owned(),
            ..RegionData::default()
        })
        .collect();
    for (ri, rd) in region_data.iter_mut().enumerate() {
        let r = &rd.region.clone();
        rd.ec2.vpcs.push(Vpc {
            arn: format!("arn:aws:ec2:{r}:{id}:vpc/vpc-{ri:08x}"),
            vpc_id: format!("vpc-{ri:08x}"),
            ..Vpc::default()
        });
        rd.config.recorders.push(ConfigRecorder {
            arn: format!("arn:aws:config:{r}:{id}:config-recorder/default"),
            name: "default".into(),
            all_supported: true,
            include_global_resource_types: ri == 0,
            recording: rng.chance(95),
            ..ConfigRecorder::default()
        });
    }
    for u in 0..units {
        let created = t0 - Duration::days(rng.below(900) as i64 + 1);
        let user_arn = format!("arn:aws:iam::{id}:user/user-{u}");
        let keys = (0..2)
            .map(|k| AccessKey {
                access_key_id: format!("AKIA{u:012}{k:04}"),
                status: if k == 0 || rng.chance(10) {
                    "Active".into()
                } else {
                    "Inactive".into()
                },
                create_date: Some(t0 - Duration::days(rng.below(400) as i64)),
                last_used_date: rng
                    .chance(80)
                    .then(|| t0 - Duration::days(rng.below(120) as i64)),
                last_used_service: None,
            })
            .collect();
        a.iam.users.push(User {
            arn: user_arn,
            name: format!("user-{u}"),
            path: "/".into(),
            create_date: Some(created),
            password_enabled: rng.chance(50),
            login_profile_create_date: Some(created),
            mfa_devices: if rng.chance(85) {
                vec![MfaDevice {
                    serial_number: format!("arn:aws:iam::{id}:mfa/user-{u}"),
                    kind: "virtual".into(),
                    enable_date: None,
                }]
            } else {
                Vec::new()
            },
            access_keys: keys,
            groups: vec![format!("group-{}", u % 50)],
            inline_policies: vec![InlinePolicy {
                name: "inline".into(),
                document: doc(
                    r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
                ),
            }],
            ..User::default()
        });
        a.iam.groups.push(Group {
            arn: format!("arn:aws:iam::{id}:group/group-{u}"),
            name: format!("group-{u}"),
            ..Group::default()
        });
        let trust = if rng.chance(5) {
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}"#
        } else {
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
        };
        let policy_arn = format!("arn:aws:iam::{id}:policy/policy-{u}");
        a.iam.roles.push(Role {
            arn: format!("arn:aws:iam::{id}:role/role-{u}"),
            name: format!("role-{u}"),
            path: "/".into(),
            trust_policy: doc(trust),
            attached_policies: vec![policy_arn.clone()],
            ..Role::default()
        });
        let body = if rng.chance(3) {
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#
        } else {
            r#"{"Statement":[{"Effect":"Allow","Action":["ec2:Describe*","s3:GetObject"],"Resource":"*"},{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}"#
        };
        a.iam.policies.push(ManagedPolicy {
            arn: policy_arn,
            name: format!("policy-{u}"),
            path: "/".into(),
            attachment_count: 1,
            permissions_boundary_usage_count: Some(0),
            document: doc(body),
            ..ManagedPolicy::default()
        });

        let rd = &mut region_data[u % 2];
        let r = rd.region.clone();
        let gid = format!("sg-{u:017x}");
        rd.ec2.security_groups.push(SecurityGroup {
            arn: format!("arn:aws:ec2:{r}:{id}:security-group/{gid}"),
            group_id: gid.clone(),
            group_name: if u < 2 {
                "default".into()
            } else {
                format!("sg-{u}")
            },
            vpc_id: Some(format!("vpc-{:08x}", u % 2)),
            ..SecurityGroup::default()
        });
        for k in 0..6u64 {
            let open = rng.chance(4);
            let (proto, from, to) = match k {
                0 => ("tcp", 443, 443),
                1 => ("tcp", 22, 22),
                2 => ("tcp", 3306, 3306),
                3 => ("udp", 53, 53),
                4 => ("icmp", -1, -1),
                _ => ("-1", -1, -1),
            };
            rd.ec2.security_group_rules.push(SecurityGroupRule {
                arn: format!("arn:aws:ec2:{r}:{id}:security-group-rule/sgr-{u:013x}{k:04x}"),
                rule_id: format!("sgr-{u:013x}{k:04x}"),
                group_id: gid.clone(),
                is_egress: k == 5,
                ip_protocol: proto.into(),
                from_port: Some(from),
                to_port: Some(to),
                cidr_ipv4: Some(if open || k == 0 || k == 5 {
                    "0.0.0.0/0".into()
                } else {
                    "10.0.0.0/8".into()
                }),
                ..SecurityGroupRule::default()
            });
        }
        rd.ec2.network_interfaces.push(NetworkInterface {
            arn: format!("arn:aws:ec2:{r}:{id}:network-interface/eni-{u:017x}"),
            network_interface_id: format!("eni-{u:017x}"),
            groups: if rng.chance(90) {
                vec![gid]
            } else {
                Vec::new()
            },
            ..NetworkInterface::default()
        });
        let entry = |n: i64, action: &str, port: Option<i64>, egress: bool| {
            exposure::nacl_entry(n, action, port.map(|p| (p, p)), egress)
        };
        let deny_ssh = rng.chance(80);
        rd.ec2.network_acls.push(NetworkAcl {
            arn: format!("arn:aws:ec2:{r}:{id}:network-acl/acl-{u:017x}"),
            network_acl_id: format!("acl-{u:017x}"),
            vpc_id: Some(format!("vpc-{:08x}", u % 2)),
            associated_subnets: vec![format!("subnet-{u:017x}")],
            entries: vec![
                entry(90, if deny_ssh { "deny" } else { "allow" }, Some(22), false),
                entry(100, "allow", Some(443), false),
                entry(100, "allow", None, true),
                entry(32767, "deny", None, false),
                entry(32767, "deny", None, true),
            ],
            ..NetworkAcl::default()
        });
        rd.wafv2.web_acls.push(WebAcl {
            arn: format!("arn:aws:wafv2:{r}:{id}:regional/webacl/acl-{u}/{u:08x}"),
            id: format!("{u:08x}"),
            name: format!("acl-{u}"),
            scope: "REGIONAL".into(),
            default_action: "allow".into(),
            rules: (0..2)
                .map(|k| WafRule {
                    name: format!("rule-{k}"),
                    priority: k,
                    action: "block".into(),
                    statement_type: "RateBasedStatement".into(),
                    metrics_enabled: rng.chance(95),
                    ..WafRule::default()
                })
                .collect(),
            pre_process_firewall_manager_rule_groups: Vec::new(),
            post_process_firewall_manager_rule_groups: Vec::new(),
            metrics_enabled: true,
            logging_destinations: if rng.chance(80) {
                vec![format!("arn:aws:logs:{r}:{id}:log-group:aws-waf-logs-{u}")]
            } else {
                Vec::new()
            },
            associated_resources: Some(if rng.chance(90) {
                vec![format!(
                    "arn:aws:elasticloadbalancing:{r}:{id}:loadbalancer/app/lb-{u}/x"
                )]
            } else {
                Vec::new()
            }),
            capacity: 100,
        });
        let other = if r == "us-east-1" {
            "eu-west-1"
        } else {
            "us-east-1"
        };
        rd.backup.vaults.push(BackupVault {
            arn: format!("arn:aws:backup:{r}:{id}:backup-vault:vault-{u}"),
            name: format!("vault-{u}"),
            encryption_key_arn: Some(format!("arn:aws:kms:{r}:{id}:key/{u:08x}")),
            locked: rng.chance(50),
            ..BackupVault::default()
        });
        rd.backup.plans.push(BackupPlan {
            arn: format!("arn:aws:backup:{r}:{id}:backup-plan:plan-{u}"),
            id: format!("plan-{u}"),
            name: format!("plan-{u}"),
            rules: vec![BackupRule {
                name: "daily".into(),
                target_vault: format!("vault-{u}"),
                schedule_expression: Some("cron(0 5 ? * * *)".into()),
                delete_after_days: Some(if rng.chance(10) { 7 } else { 35 }),
                copy_actions: if rng.chance(70) {
                    vec![CopyAction {
                        destination_vault_arn: format!(
                            "arn:aws:backup:{other}:{id}:backup-vault:vault-dr"
                        ),
                        delete_after_days: Some(35),
                    }]
                } else {
                    Vec::new()
                },
                ..BackupRule::default()
            }],
            selections: vec![BackupSelection {
                id: format!("sel-{u}"),
                name: "all".into(),
                resources: vec!["*".into()],
                ..BackupSelection::default()
            }],
        });
    }
    a.region_data = region_data;
    let _unused: BTreeMap<(), ()> = BTreeMap::new();
    a
}

/// A synthetic snapshot of about `resources` evaluated entities spread over
/// `accounts` accounts.
pub fn synthetic_snapshot(resources: usize, accounts: usize) -> Snapshot {
    let accounts = accounts.max(1);
    let units = (resources / RESOURCES_PER_UNIT / accounts).max(1);
    let mut s = Snapshot::new(scan_time(), "bench");
    s.accounts = (0..accounts).map(|i| synthetic_account(i, units)).collect();
    s
}
