//! Snapshot -> Cedar entities, one account at a time. Sub-entities for
//! everything a check quantifies over (security group rules, NACL entries,
//! policy and trust statements, WAF rules, backup rules and selections),
//! parents chained up to the account, and derived facts computed once here
//! (documented in `policies/schema.cedarschema`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{Entity, EntityId, EntityTypeName, EntityUid, RestrictedExpression};
use chrono::{DateTime, Utc};
use palisade_model::iam::{InlinePolicy, ManagedPolicy};
use palisade_model::policy::{Effect, PolicyDocument, Principal, Statement};
use palisade_model::{Account, RegionData, GLOBAL_REGION};

use crate::cidr::Cidr;
use crate::result::ResourceRef;

/// Entity type names, parsed once.
#[derive(Debug, Clone)]
pub struct Types {
    account: EntityTypeName,
    region: EntityTypeName,
    user: EntityTypeName,
    access_key: EntityTypeName,
    group: EntityTypeName,
    role: EntityTypeName,
    trust_statement: EntityTypeName,
    managed_policy: EntityTypeName,
    inline_policy: EntityTypeName,
    policy_statement: EntityTypeName,
    vpc: EntityTypeName,
    subnet: EntityTypeName,
    security_group: EntityTypeName,
    sg_rule: EntityTypeName,
    nacl: EntityTypeName,
    nacl_entry: EntityTypeName,
    web_acl: EntityTypeName,
    web_acl_rule: EntityTypeName,
    vault: EntityTypeName,
    plan: EntityTypeName,
    backup_rule: EntityTypeName,
    selection: EntityTypeName,
    protected: EntityTypeName,
    recorder: EntityTypeName,
}

fn ty(name: &str) -> EntityTypeName {
    // The names below are literals of valid Cedar type names.
    #[allow(clippy::expect_used)]
    EntityTypeName::from_str(name).expect("valid entity type name literal")
}

impl Default for Types {
    fn default() -> Self {
        Self {
            account: ty("AWS::Account"),
            region: ty("AWS::Region"),
            user: ty("AWS::IAM::User"),
            access_key: ty("AWS::IAM::AccessKey"),
            group: ty("AWS::IAM::Group"),
            role: ty("AWS::IAM::Role"),
            trust_statement: ty("AWS::IAM::TrustStatement"),
            managed_policy: ty("AWS::IAM::ManagedPolicy"),
            inline_policy: ty("AWS::IAM::InlinePolicy"),
            policy_statement: ty("AWS::IAM::PolicyStatement"),
            vpc: ty("AWS::EC2::Vpc"),
            subnet: ty("AWS::EC2::Subnet"),
            security_group: ty("AWS::EC2::SecurityGroup"),
            sg_rule: ty("AWS::EC2::SecurityGroupRule"),
            nacl: ty("AWS::EC2::NetworkAcl"),
            nacl_entry: ty("AWS::EC2::NetworkAclEntry"),
            web_acl: ty("AWS::WAFv2::WebACL"),
            web_acl_rule: ty("AWS::WAFv2::WebACLRule"),
            vault: ty("AWS::Backup::BackupVault"),
            plan: ty("AWS::Backup::BackupPlan"),
            backup_rule: ty("AWS::Backup::BackupRule"),
            selection: ty("AWS::Backup::BackupSelection"),
            protected: ty("AWS::Backup::ProtectedResource"),
            recorder: ty("AWS::Config::ConfigurationRecorder"),
        }
    }
}

/// The entities of one account plus the resources to evaluate.
#[derive(Debug, Default)]
pub struct AccountGraph {
    /// Every entity (resources and their ancestors).
    pub entities: Vec<Entity>,
    /// Evaluated resources: (entity uid, entity type, reference for reports).
    pub resources: Vec<(EntityUid, EntityTypeName, ResourceRef)>,
    /// Resources whose data could not be turned into a valid entity; every
    /// check over their type reports an `error` for them.
    pub broken: Vec<(EntityTypeName, ResourceRef, String)>,
}

/// Builds account graphs; holds what is shared across accounts.
#[derive(Debug, Clone)]
pub struct GraphBuilder {
    types: Types,
    scan_time: DateTime<Utc>,
    ports_of_interest: Vec<i64>,
}

/// Attribute list under construction.
#[derive(Default)]
struct Attrs(Vec<(String, RestrictedExpression)>);

impl Attrs {
    fn s(mut self, k: &str, v: &str) -> Self {
        self.0
            .push((k.into(), RestrictedExpression::new_string(v.to_owned())));
        self
    }
    fn b(mut self, k: &str, v: bool) -> Self {
        self.0.push((k.into(), RestrictedExpression::new_bool(v)));
        self
    }
    fn l(mut self, k: &str, v: i64) -> Self {
        self.0.push((k.into(), RestrictedExpression::new_long(v)));
        self
    }
    fn n(self, k: &str, v: usize) -> Self {
        self.l(k, i64::try_from(v).unwrap_or(i64::MAX))
    }
    fn opt_l(self, k: &str, v: Option<i64>) -> Self {
        match v {
            Some(v) => self.l(k, v),
            None => self,
        }
    }
    fn opt_b(self, k: &str, v: Option<bool>) -> Self {
        match v {
            Some(v) => self.b(k, v),
            None => self,
        }
    }
    fn set_s<I, S>(mut self, k: &str, v: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let items: Vec<_> = v
            .into_iter()
            .map(|s| RestrictedExpression::new_string(s.into()))
            .collect();
        self.0
            .push((k.into(), RestrictedExpression::new_set(items)));
        self
    }
    fn set_l(mut self, k: &str, v: &[i64]) -> Self {
        self.0.push((
            k.into(),
            RestrictedExpression::new_set(v.iter().map(|p| RestrictedExpression::new_long(*p))),
        ));
        self
    }
    fn ip(mut self, k: &str, v: Option<&str>) -> Self {
        if let Some(v) = v {
            self.0.push((k.into(), RestrictedExpression::new_ip(v)));
        }
        self
    }
}

/// Normalises an IP protocol (`-1`, names or numbers) to `all`, `tcp`, `udp`,
/// `icmp`, `icmpv6`, or the number as written.
pub fn normalise_protocol(p: &str) -> String {
    match p.trim().to_ascii_lowercase().as_str() {
        "-1" | "all" => "all".into(),
        "6" | "tcp" => "tcp".into(),
        "17" | "udp" => "udp".into(),
        "1" | "icmp" => "icmp".into(),
        "58" | "icmpv6" => "icmpv6".into(),
        other => other.to_owned(),
    }
}

/// IAM-style wildcard match (`*` any run, `?` one char), case-insensitive.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        // The common case (actions, ARNs), without allocating.
        return glob(pattern.as_bytes(), text.as_bytes(), |a, b| {
            a.eq_ignore_ascii_case(b)
        });
    }
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    glob(&p, &t, |a, b| a == b)
}

/// `*` / `?` matching with one-star backtracking, over bytes or chars.
fn glob<T: Copy + PartialEq + From<u8>>(p: &[T], t: &[T], eq: impl Fn(&T, &T) -> bool) -> bool {
    let (star_sym, any_sym) = (T::from(b'*'), T::from(b'?'));
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && p[pi] != star_sym && (p[pi] == any_sym || eq(&p[pi], &t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star_sym {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == star_sym)
}

/// The account id in an ARN or a bare 12-digit id.
fn account_of_principal(p: &str) -> Option<&str> {
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return Some(p);
    }
    let id = p.split(':').nth(4)?;
    (id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// Region and account fields of an ARN.
fn arn_region_account(arn: &str) -> (Option<&str>, Option<&str>) {
    let mut parts = arn.split(':');
    let region = parts.nth(3);
    let account = parts.next();
    (region, account)
}

impl GraphBuilder {
    /// A builder for a snapshot taken at `scan_time`, computing port facts for
    /// `ports_of_interest`.
    pub fn new(scan_time: DateTime<Utc>, ports_of_interest: Vec<i64>) -> Self {
        Self {
            types: Types::default(),
            scan_time,
            ports_of_interest,
        }
    }

    fn days_since(&self, t: Option<DateTime<Utc>>) -> Option<i64> {
        t.map(|t| (self.scan_time - t).num_days())
    }

    fn uid(t: &EntityTypeName, id: &str) -> EntityUid {
        EntityUid::from_type_name_and_id(t.clone(), EntityId::new(id))
    }

    /// Builds the graph of one account.
    pub fn build(&self, account: &Account) -> AccountGraph {
        let mut g = Ctx {
            graph: AccountGraph::default(),
            account,
        };
        let t = &self.types;
        let acct_uid = Self::uid(&t.account, &account.account_id);
        self.build_iam(&mut g, &acct_uid);

        let mut regions: Vec<&str> = account.regions.iter().map(String::as_str).collect();
        regions.extend(account.region_data.iter().map(|r| r.region.as_str()));
        regions.sort_unstable();
        regions.dedup();
        let empty = RegionData::default();
        for region in regions {
            let data = account
                .region_data
                .iter()
                .find(|r| r.region == region)
                .unwrap_or(&empty);
            self.build_region(&mut g, &acct_uid, region, data);
        }
        g.graph
    }

    fn build_iam(&self, g: &mut Ctx<'_>, acct_uid: &EntityUid) {
        let t = &self.types;
        let a = g.account;
        let iam = &a.iam;

        // Which managed policies are attached, and to users directly.
        let mut attached: HashSet<&str> = HashSet::new();
        let mut attached_to_user: HashSet<&str> = HashSet::new();
        for u in &iam.users {
            attached.extend(u.attached_policies.iter().map(String::as_str));
            attached_to_user.extend(u.attached_policies.iter().map(String::as_str));
        }
        for gr in &iam.groups {
            attached.extend(gr.attached_policies.iter().map(String::as_str));
        }
        for r in &iam.roles {
            attached.extend(r.attached_policies.iter().map(String::as_str));
        }
        let is_attached =
            |p: &ManagedPolicy| p.attachment_count > 0 || attached.contains(p.arn.as_str());
        let mut aws_attached: Vec<&str> = iam
            .policies
            .iter()
            .filter(|p| p.is_aws_managed() && is_attached(p))
            .map(|p| p.name.as_str())
            .collect();
        // AWS managed policies referenced by ARN but not listed still count.
        for arn in &attached {
            if arn.contains(":iam::aws:policy/") {
                if let Some(name) = arn.rsplit('/').next() {
                    aws_attached.push(name);
                }
            }
        }
        aws_attached.sort_unstable();
        aws_attached.dedup();

        let root = &iam.root;
        let mut attrs = Attrs::default()
            .s("account_id", &a.account_id)
            .s("name", a.name.as_deref().unwrap_or(&a.account_id))
            .b("root_mfa_active", root.mfa_active)
            .b("root_hardware_mfa", root.mfa_active && root.hardware_mfa)
            .b("root_access_key_active", root.access_key_active)
            .opt_l(
                "root_password_days_since_used",
                self.days_since(root.password_last_used),
            )
            .b("has_password_policy", iam.password_policy.is_some())
            .set_s(
                "attached_aws_managed_policies",
                aws_attached.iter().copied(),
            )
            .n("user_count", iam.users.len())
            .n("role_count", iam.roles.len())
            .n(
                "config_global_recording_region_count",
                a.region_data
                    .iter()
                    .filter(|r| {
                        r.config
                            .recorders
                            .iter()
                            .any(|c| c.recording && c.include_global_resource_types)
                    })
                    .count(),
            );
        if let Some(pp) = &iam.password_policy {
            attrs = attrs
                .l("password_min_length", pp.minimum_password_length)
                .l(
                    "password_reuse_prevention",
                    pp.password_reuse_prevention.unwrap_or(0),
                )
                .opt_l("password_max_age_days", pp.max_password_age)
                .opt_b("password_require_symbols", Some(pp.require_symbols))
                .opt_b("password_require_numbers", Some(pp.require_numbers))
                .opt_b("password_require_uppercase", Some(pp.require_uppercase))
                .opt_b("password_require_lowercase", Some(pp.require_lowercase));
        }
        let acct_name = a.name.clone().unwrap_or_else(|| a.account_id.clone());
        g.add(
            t.account.clone(),
            acct_uid.clone(),
            attrs,
            vec![],
            Tagging::None,
            &a.account_id,
            GLOBAL_REGION,
            &acct_name,
        );

        // Managed policies.
        for p in &iam.policies {
            let aws = p.is_aws_managed();
            let attached_now = is_attached(p);
            let materialise = !aws || attached_now;
            if !materialise {
                continue;
            }
            // AWS managed policies share one ARN across accounts: scope their
            // resource id to this account so finding ids stay unique.
            let rid = if aws {
                format!("{}#account/{}", p.arn, a.account_id)
            } else {
                p.arn.clone()
            };
            let uid = Self::uid(&t.managed_policy, &rid);
            let attrs = Attrs::default()
                .s("name", &p.name)
                .b("aws_managed", aws)
                .l(
                    "attachment_count",
                    p.attachment_count
                        .max(i64::from(attached.contains(p.arn.as_str()))),
                )
                .b("attached", attached_now)
                .n("statement_count", p.document.statements.len())
                .set_s("allow_actions", allow_actions(&p.document))
                .set_s("granted_actions", policy_granted_actions(&p.document));
            g.add(
                t.managed_policy.clone(),
                uid.clone(),
                attrs,
                vec![acct_uid.clone()],
                Tagging::None,
                &rid,
                GLOBAL_REGION,
                &p.name,
            );
            let kind = if aws {
                "aws_managed"
            } else {
                "customer_managed"
            };
            self.statements(
                g,
                &uid,
                &rid,
                &p.name,
                kind,
                attached_now,
                attached_to_user.contains(p.arn.as_str()),
                &p.document,
            );
        }

        let mut members: HashMap<&str, usize> = HashMap::new();
        for u in &iam.users {
            for gname in &u.groups {
                *members.entry(gname.as_str()).or_default() += 1;
            }
        }

        for u in &iam.users {
            let uid = Self::uid(&t.user, &u.arn);
            let active: Vec<_> = u.access_keys.iter().filter(|k| k.is_active()).collect();
            let at_setup_of =
                |k: &palisade_model::iam::AccessKey| match (k.create_date, u.create_date) {
                    (Some(k), Some(c)) => (k - c).num_seconds().abs() <= 86_400,
                    _ => false,
                };
            let at_setup = active.iter().filter(|k| at_setup_of(k)).count();
            let attrs = Attrs::default()
                .s("name", &u.name)
                .s("path", &u.path)
                .b("has_console_password", u.password_enabled)
                .opt_l(
                    "days_since_password_used",
                    self.days_since(u.password_last_used),
                )
                .opt_l("age_days", self.days_since(u.create_date))
                .n("mfa_device_count", u.mfa_devices.len())
                .n(
                    "hardware_mfa_count",
                    u.mfa_devices
                        .iter()
                        .filter(|d| d.kind.eq_ignore_ascii_case("hardware"))
                        .count(),
                )
                .n("active_access_key_count", active.len())
                .n("active_keys_created_at_setup", at_setup)
                .n("attached_policy_count", u.attached_policies.len())
                .n("inline_policy_count", u.inline_policies.len())
                .n("group_count", u.groups.len());
            g.add(
                t.user.clone(),
                uid.clone(),
                attrs,
                vec![acct_uid.clone()],
                Tagging::Own(&u.tags),
                &u.arn,
                GLOBAL_REGION,
                &u.name,
            );
            for k in &u.access_keys {
                let id = format!("{}/access-key/{}", u.arn, k.access_key_id);
                let kuid = Self::uid(&t.access_key, &id);
                let attrs = Attrs::default()
                    .s("access_key_id", &k.access_key_id)
                    .s("user_name", &u.name)
                    .b("active", k.is_active())
                    .opt_l("age_days", self.days_since(k.create_date))
                    .opt_l("days_since_last_used", self.days_since(k.last_used_date))
                    .b("ever_used", k.last_used_date.is_some())
                    .b("user_has_console_password", u.password_enabled)
                    .b("created_at_setup", at_setup_of(k));
                let name = format!("{} ({})", u.name, k.access_key_id);
                g.add(
                    t.access_key.clone(),
                    kuid,
                    attrs,
                    vec![uid.clone()],
                    Tagging::None,
                    &id,
                    GLOBAL_REGION,
                    &name,
                );
            }
            self.inline(g, &uid, ("user", &u.name, &u.arn), &u.inline_policies, true);
        }

        for gr in &iam.groups {
            let uid = Self::uid(&t.group, &gr.arn);
            let attrs = Attrs::default()
                .s("name", &gr.name)
                .n(
                    "member_count",
                    members.get(gr.name.as_str()).copied().unwrap_or(0),
                )
                .n("attached_policy_count", gr.attached_policies.len())
                .n("inline_policy_count", gr.inline_policies.len());
            g.add(
                t.group.clone(),
                uid.clone(),
                attrs,
                vec![acct_uid.clone()],
                Tagging::None,
                &gr.arn,
                GLOBAL_REGION,
                &gr.name,
            );
            self.inline(
                g,
                &uid,
                ("group", &gr.name, &gr.arn),
                &gr.inline_policies,
                false,
            );
        }

        for r in &iam.roles {
            let uid = Self::uid(&t.role, &r.arn);
            let attrs = Attrs::default()
                .s("name", &r.name)
                .s("path", &r.path)
                .b(
                    "is_service_linked",
                    r.path.starts_with("/aws-service-role/"),
                )
                .n("attached_policy_count", r.attached_policies.len())
                .n("inline_policy_count", r.inline_policies.len())
                .opt_l("days_since_last_used", self.days_since(r.last_used));
            g.add(
                t.role.clone(),
                uid.clone(),
                attrs,
                vec![acct_uid.clone()],
                Tagging::Own(&r.tags),
                &r.arn,
                GLOBAL_REGION,
                &r.name,
            );
            for (i, st) in r.trust_policy.statements.iter().enumerate() {
                self.trust_statement(g, &uid, r, i, st);
            }
            self.inline(
                g,
                &uid,
                ("role", &r.name, &r.arn),
                &r.inline_policies,
                false,
            );
        }
    }

    fn trust_statement(
        &self,
        g: &mut Ctx<'_>,
        role_uid: &EntityUid,
        r: &palisade_model::iam::Role,
        i: usize,
        st: &Statement,
    ) {
        let t = &self.types;
        let id = format!("{}#trust/{i}", r.arn);
        let p = st.principal.as_ref();
        let aws: Vec<&str> = p.map(|p| p.of_kind("AWS")).unwrap_or_default();
        let mut external: Vec<&str> = aws
            .iter()
            .filter_map(|p| account_of_principal(p))
            .filter(|acct| *acct != g.account.account_id)
            .collect();
        external.sort_unstable();
        external.dedup();
        let attrs = Attrs::default()
            .s("role_name", &r.name)
            .b(
                "role_is_service_linked",
                r.path.starts_with("/aws-service-role/"),
            )
            .n("index", i)
            .s("effect", st.effect.as_str())
            .b("principal_any", p.is_some_and(Principal::is_anyone))
            .set_s("aws_principals", aws.iter().copied())
            .set_s(
                "service_principals",
                p.map(|p| p.of_kind("Service")).unwrap_or_default(),
            )
            .set_s(
                "federated_principals",
                p.map(|p| p.of_kind("Federated")).unwrap_or_default(),
            )
            .set_s("external_accounts", external)
            .set_s("condition_keys", st.condition_keys())
            .b("has_condition", st.condition.is_some())
            .set_s("actions", st.action.iter().map(|a| a.to_ascii_lowercase()));
        let name = format!("{} trust statement {i}", r.name);
        g.add(
            t.trust_statement.clone(),
            Self::uid(&t.trust_statement, &id),
            attrs,
            vec![role_uid.clone()],
            Tagging::None,
            &id,
            GLOBAL_REGION,
            &name,
        );
    }

    /// Inline policies of one owner: an `InlinePolicy` entity per policy
    /// (child of the owner) and its statements (also children of the owner).
    /// `owner` is (kind, name, ARN).
    fn inline(
        &self,
        g: &mut Ctx<'_>,
        owner_uid: &EntityUid,
        owner: (&str, &str, &str),
        policies: &[InlinePolicy],
        on_user: bool,
    ) {
        let t = &self.types;
        let (owner_kind, owner_name, owner_arn) = owner;
        for p in policies {
            let base = format!("{owner_arn}#inline/{}", p.name);
            let attrs = Attrs::default()
                .s("name", &p.name)
                .s("owner_kind", owner_kind)
                .s("owner_name", owner_name)
                .n("statement_count", p.document.statements.len())
                .set_s("allow_actions", allow_actions(&p.document))
                .set_s("granted_actions", policy_granted_actions(&p.document));
            let name = format!("{owner_name} / {}", p.name);
            g.add(
                t.inline_policy.clone(),
                Self::uid(&t.inline_policy, &base),
                attrs,
                vec![owner_uid.clone()],
                Tagging::None,
                &base,
                GLOBAL_REGION,
                &name,
            );
            self.statements(
                g,
                owner_uid,
                &base,
                &p.name,
                "inline",
                true,
                on_user,
                &p.document,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn statements(
        &self,
        g: &mut Ctx<'_>,
        parent: &EntityUid,
        base_id: &str,
        policy_name: &str,
        kind: &str,
        attached: bool,
        on_user: bool,
        doc: &PolicyDocument,
    ) {
        let t = &self.types;
        for (i, st) in doc.statements.iter().enumerate() {
            let id = format!("{base_id}#statement/{i}");
            let actions: Vec<String> = st.action.iter().map(|a| a.to_ascii_lowercase()).collect();
            let mut wildcards: Vec<String> = actions
                .iter()
                .filter_map(|a| a.strip_suffix(":*").map(str::to_owned))
                .collect();
            wildcards.sort();
            wildcards.dedup();
            let condition_keys = st.condition_keys();
            // ABAC: a condition on the target's tags (aws:ResourceTag/...,
            // ssm:resourceTag/...) scopes the resources as surely as an ARN.
            let tag_scoped = condition_keys.iter().any(|k| k.contains(":resourcetag/"));
            let any_resource = (!st.not_resource.is_empty()
                || st.resource.iter().any(|r| whole_type_pattern(r)))
                && !tag_scoped;
            let attrs = Attrs::default()
                .s("policy_name", policy_name)
                .s("policy_kind", kind)
                .b("policy_attached", attached)
                .b("attached_to_user", on_user)
                .n("index", i)
                .s("effect", st.effect.as_str())
                .set_s(
                    "not_actions",
                    st.not_action.iter().map(|a| a.to_ascii_lowercase()),
                )
                .set_s("actions", actions)
                .set_s("resources", st.resource.iter().cloned())
                .set_s("not_resources", st.not_resource.iter().cloned())
                .b("any_resource", any_resource)
                .b("has_condition", st.condition.is_some())
                .set_s("condition_keys", condition_keys)
                .set_s("service_wildcards", wildcards)
                .set_s("granted_actions", granted_by(st));
            let name = format!(
                "{policy_name} statement {}",
                st.sid.clone().unwrap_or_else(|| i.to_string())
            );
            g.add(
                t.policy_statement.clone(),
                Self::uid(&t.policy_statement, &id),
                attrs,
                vec![parent.clone()],
                Tagging::None,
                &id,
                GLOBAL_REGION,
                &name,
            );
        }
    }

    fn build_region(&self, g: &mut Ctx<'_>, acct_uid: &EntityUid, region: &str, d: &RegionData) {
        let t = &self.types;
        let a = g.account;
        let region_id = format!("{}/{region}", a.account_id);
        let region_uid = Self::uid(&t.region, &region_id);
        let recording: Vec<_> = d.config.recorders.iter().filter(|r| r.recording).collect();
        let attrs = Attrs::default()
            .s("region", region)
            .s("account_id", &a.account_id)
            .n("backup_plan_count", d.backup.plans.len())
            .n("backup_vault_count", d.backup.vaults.len())
            .n(
                "backup_protected_resource_count",
                d.backup.protected_resources.len(),
            )
            .n("config_recorder_count", d.config.recorders.len())
            .b("config_recording", !recording.is_empty())
            .b(
                "config_all_supported",
                recording.iter().any(|r| r.all_supported),
            )
            .b(
                "config_include_global",
                recording.iter().any(|r| r.include_global_resource_types),
            )
            .n(
                "config_delivery_channel_count",
                d.config.delivery_channels.len(),
            )
            .n("vpc_count", d.ec2.vpcs.len())
            .n("network_interface_count", d.ec2.network_interfaces.len())
            .n("web_acl_count", d.wafv2.web_acls.len());
        g.add(
            t.region.clone(),
            region_uid.clone(),
            attrs,
            vec![acct_uid.clone()],
            Tagging::None,
            &region_id,
            region,
            &region_id,
        );

        self.build_ec2(g, &region_uid, region, d);
        self.build_waf(g, &region_uid, region, d);
        self.build_backup(g, &region_uid, region, d);
        for r in &d.config.recorders {
            let attrs = Attrs::default()
                .s("name", &r.name)
                .b("recording", r.recording)
                .b("all_supported", r.all_supported)
                .b(
                    "include_global_resource_types",
                    r.include_global_resource_types,
                )
                .s("role_arn", r.role_arn.as_deref().unwrap_or(""))
                .s(
                    "last_status",
                    &r.last_status.as_deref().unwrap_or("").to_ascii_uppercase(),
                );
            g.add(
                t.recorder.clone(),
                Self::uid(&t.recorder, &r.arn),
                attrs,
                vec![region_uid.clone()],
                Tagging::None,
                &r.arn,
                region,
                &r.name,
            );
        }
    }

    fn ports_in(&self, protocol: &str, from: i64, to: i64) -> Vec<i64> {
        match protocol {
            "all" => self.ports_of_interest.clone(),
            "tcp" | "udp" => {
                let (lo, hi) = if from < 0 || to < 0 {
                    (0, 65_535)
                } else {
                    (from, to)
                };
                self.ports_of_interest
                    .iter()
                    .copied()
                    .filter(|p| *p >= lo && *p <= hi)
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    fn build_ec2(&self, g: &mut Ctx<'_>, region_uid: &EntityUid, region: &str, d: &RegionData) {
        let t = &self.types;
        let ec2 = &d.ec2;
        for v in &ec2.vpcs {
            let attrs = Attrs::default()
                .s("vpc_id", &v.vpc_id)
                .b("is_default", v.is_default);
            g.add(
                t.vpc.clone(),
                Self::uid(&t.vpc, &v.arn),
                attrs,
                vec![region_uid.clone()],
                Tagging::Own(&v.tags),
                &v.arn,
                region,
                &v.vpc_id,
            );
        }
        // One pass over the network interfaces: per subnet, and per security
        // group (what each group is attached to).
        let mut enis_per_subnet: HashMap<&str, usize> = HashMap::new();
        let mut attachments: HashMap<&str, usize> = HashMap::new();
        for eni in &ec2.network_interfaces {
            if let Some(sn) = &eni.subnet_id {
                *enis_per_subnet.entry(sn.as_str()).or_default() += 1;
            }
            for sg in &eni.groups {
                *attachments.entry(sg.as_str()).or_default() += 1;
            }
        }
        for sn in &ec2.subnets {
            let attrs = Attrs::default()
                .s("subnet_id", &sn.subnet_id)
                .s("vpc_id", sn.vpc_id.as_deref().unwrap_or_default())
                .b("is_default", sn.default_for_az)
                .b("map_public_ip_on_launch", sn.map_public_ip_on_launch)
                .n(
                    "network_interface_count",
                    enis_per_subnet
                        .get(sn.subnet_id.as_str())
                        .copied()
                        .unwrap_or(0),
                );
            g.add(
                t.subnet.clone(),
                Self::uid(&t.subnet, &sn.arn),
                attrs,
                vec![region_uid.clone()],
                Tagging::Own(&sn.tags),
                &sn.arn,
                region,
                &sn.subnet_id,
            );
        }
        let mut referenced: HashMap<&str, usize> = HashMap::new();
        let mut ingress: HashMap<&str, usize> = HashMap::new();
        let mut egress: HashMap<&str, usize> = HashMap::new();
        for r in &ec2.security_group_rules {
            if let Some(peer) = &r.referenced_group_id {
                if *peer != r.group_id {
                    *referenced.entry(peer.as_str()).or_default() += 1;
                }
            }
            let counter = if r.is_egress {
                &mut egress
            } else {
                &mut ingress
            };
            *counter.entry(r.group_id.as_str()).or_default() += 1;
        }
        let mut groups: HashMap<&str, (EntityUid, &palisade_model::ec2::SecurityGroup)> =
            HashMap::new();
        for sg in &ec2.security_groups {
            let uid = Self::uid(&t.security_group, &sg.arn);
            let gid = sg.group_id.as_str();
            let attrs = Attrs::default()
                .s("group_id", gid)
                .s("group_name", &sg.group_name)
                .s("vpc_id", sg.vpc_id.as_deref().unwrap_or(""))
                .b("is_default", sg.group_name == "default")
                .n("ingress_rule_count", ingress.get(gid).copied().unwrap_or(0))
                .n("egress_rule_count", egress.get(gid).copied().unwrap_or(0))
                .n(
                    "attachment_count",
                    attachments.get(gid).copied().unwrap_or(0),
                )
                .n(
                    "referenced_by_count",
                    referenced.get(gid).copied().unwrap_or(0),
                );
            let name = format!("{} ({})", sg.group_name, gid);
            g.add(
                t.security_group.clone(),
                uid.clone(),
                attrs,
                vec![region_uid.clone()],
                Tagging::Own(&sg.tags),
                &sg.arn,
                region,
                &name,
            );
            groups.insert(gid, (uid, sg));
        }
        for r in &ec2.security_group_rules {
            let Some((group_uid, sg)) = groups.get(r.group_id.as_str()) else {
                g.broken(
                    t.sg_rule.clone(),
                    &r.arn,
                    region,
                    &r.rule_id,
                    format!(
                        "rule belongs to security group {} which is not in the snapshot",
                        r.group_id
                    ),
                );
                continue;
            };
            let protocol = normalise_protocol(&r.ip_protocol);
            let from = r.from_port.unwrap_or(-1);
            let to = r.to_port.unwrap_or(-1);
            let all_ports = protocol == "all"
                || ((protocol == "tcp" || protocol == "udp")
                    && from <= 0
                    && !(0..65_535).contains(&to));
            let (peer_kind, peer) = if let Some(c) = &r.cidr_ipv4 {
                ("ipv4", c.as_str())
            } else if let Some(c) = &r.cidr_ipv6 {
                ("ipv6", c.as_str())
            } else if let Some(p) = &r.prefix_list_id {
                ("prefix_list", p.as_str())
            } else if let Some(p) = &r.referenced_group_id {
                ("security_group", p.as_str())
            } else {
                ("none", "")
            };
            for c in [&r.cidr_ipv4, &r.cidr_ipv6].into_iter().flatten() {
                if Cidr::parse(c).is_none() {
                    g.broken(
                        t.sg_rule.clone(),
                        &r.arn,
                        region,
                        &r.rule_id,
                        format!("invalid CIDR {c:?}"),
                    );
                }
            }
            if g.is_broken(&r.arn) {
                continue;
            }
            let gid = r.group_id.as_str();
            let attrs = Attrs::default()
                .s("rule_id", &r.rule_id)
                .s("group_id", gid)
                .s("group_name", &sg.group_name)
                .b("group_is_default", sg.group_name == "default")
                .n(
                    "group_attachment_count",
                    attachments.get(gid).copied().unwrap_or(0),
                )
                .b("is_egress", r.is_egress)
                .l("from_port", from)
                .l("to_port", to)
                .b("all_ports", all_ports)
                .set_l("covered_ports", &self.ports_in(&protocol, from, to))
                .s("protocol", &protocol)
                .s("peer_kind", peer_kind)
                .ip("cidr_ipv4", r.cidr_ipv4.as_deref())
                .ip("cidr_ipv6", r.cidr_ipv6.as_deref())
                .l(
                    "prefix_length",
                    prefix_length(r.cidr_ipv4.as_deref().or(r.cidr_ipv6.as_deref())),
                )
                .s("peer", peer);
            let name = format!(
                "{} {} {} {}",
                sg.group_name,
                if r.is_egress { "egress" } else { "ingress" },
                r.rule_id,
                peer
            );
            g.add(
                t.sg_rule.clone(),
                Self::uid(&t.sg_rule, &r.arn),
                attrs,
                vec![group_uid.clone()],
                Tagging::Inherited(&sg.tags),
                &r.arn,
                region,
                &name,
            );
        }
        for acl in &ec2.network_acls {
            self.build_nacl(g, region_uid, region, acl);
        }
    }

    fn build_nacl(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        acl: &palisade_model::ec2::NetworkAcl,
    ) {
        let t = &self.types;
        let uid = Self::uid(&t.nacl, &acl.arn);
        let attrs = Attrs::default()
            .s("network_acl_id", &acl.network_acl_id)
            .s("vpc_id", acl.vpc_id.as_deref().unwrap_or(""))
            .b("is_default", acl.is_default)
            .n("associated_subnet_count", acl.associated_subnets.len());
        g.add(
            t.nacl.clone(),
            uid.clone(),
            attrs,
            vec![region_uid.clone()],
            Tagging::Own(&acl.tags),
            &acl.arn,
            region,
            &acl.network_acl_id,
        );

        struct E<'a> {
            entry: &'a palisade_model::ec2::NetworkAclEntry,
            protocol: String,
            from: i64,
            to: i64,
            cidr: Option<Cidr>,
        }
        let mut entries: Vec<E<'_>> = Vec::new();
        for e in &acl.entries {
            let id = nacl_entry_id(&acl.arn, e);
            let text = e.cidr_block.as_deref().or(e.ipv6_cidr_block.as_deref());
            let cidr = text.and_then(Cidr::parse);
            if text.is_some() && cidr.is_none() {
                g.broken(
                    t.nacl_entry.clone(),
                    &id,
                    region,
                    &id,
                    format!("invalid CIDR {:?}", text.unwrap_or_default()),
                );
                continue;
            }
            let protocol = normalise_protocol(&e.protocol);
            let (from, to) = match (&protocol[..], e.port_range) {
                ("tcp" | "udp", Some(r)) => (r.from, r.to),
                _ => (-1, -1),
            };
            entries.push(E {
                entry: e,
                protocol,
                from,
                to,
                cidr,
            });
        }
        entries.sort_by_key(|e| (e.entry.egress, e.entry.rule_number));
        let covers = |e: &E<'_>, p: i64| -> bool {
            match &e.protocol[..] {
                "all" => true,
                "tcp" | "udp" => e.from < 0 || (p >= e.from && p <= e.to),
                _ => false,
            }
        };
        for (idx, e) in entries.iter().enumerate() {
            let allow = e.entry.rule_action.eq_ignore_ascii_case("allow");
            let reachable: Vec<i64> = if !allow {
                Vec::new()
            } else {
                self.ports_of_interest
                    .iter()
                    .copied()
                    .filter(|p| covers(e, *p))
                    .filter(|p| {
                        // Reachable when TCP or UDP traffic to the port from this
                        // entry's range is not decided by an earlier entry.
                        let protos: Vec<&str> = if e.protocol == "all" {
                            vec!["tcp", "udp"]
                        } else {
                            vec![e.protocol.as_str()]
                        };
                        protos.iter().any(|proto| {
                            !entries[..idx].iter().any(|l| {
                                l.entry.egress == e.entry.egress
                                    && (l.protocol == "all" || l.protocol == *proto)
                                    && covers(l, *p)
                                    && match (l.cidr, e.cidr) {
                                        (Some(lc), Some(ec)) => lc.contains(&ec),
                                        _ => false,
                                    }
                            })
                        })
                    })
                    .collect()
            };
            let id = nacl_entry_id(&acl.arn, e.entry);
            let attrs = Attrs::default()
                .s("network_acl_id", &acl.network_acl_id)
                .l("rule_number", e.entry.rule_number)
                .b("egress", e.entry.egress)
                .s("action", &e.entry.rule_action.to_ascii_lowercase())
                .s("protocol", &e.protocol)
                .l("from_port", e.from)
                .l("to_port", e.to)
                .b(
                    "all_ports",
                    e.protocol == "all" || e.from < 0 || (e.from <= 0 && e.to >= 65_535),
                )
                .ip("cidr_ipv4", e.entry.cidr_block.as_deref())
                .ip("cidr_ipv6", e.entry.ipv6_cidr_block.as_deref())
                .l(
                    "prefix_length",
                    e.cidr.map_or(-1, |c| i64::from(c.prefix_len())),
                )
                .set_l("reachable_ports", &reachable);
            let name = format!(
                "{} {} rule {}",
                acl.network_acl_id,
                if e.entry.egress { "egress" } else { "ingress" },
                e.entry.rule_number
            );
            g.add(
                t.nacl_entry.clone(),
                Self::uid(&t.nacl_entry, &id),
                attrs,
                vec![uid.clone()],
                Tagging::Inherited(&acl.tags),
                &id,
                region,
                &name,
            );
        }
    }

    fn build_waf(&self, g: &mut Ctx<'_>, region_uid: &EntityUid, region: &str, d: &RegionData) {
        let t = &self.types;
        for acl in &d.wafv2.web_acls {
            let uid = Self::uid(&t.web_acl, &acl.arn);
            let mut managed: Vec<&str> = Vec::new();
            let mut count_only: Vec<&str> = Vec::new();
            let mut active: Vec<&str> = Vec::new();
            for r in &acl.rules {
                if let Some(group) = r.managed_rule_group.as_deref() {
                    managed.push(group);
                    if r.override_action
                        .as_deref()
                        .is_some_and(|o| o.eq_ignore_ascii_case("count"))
                    {
                        count_only.push(group);
                    } else {
                        active.push(group);
                    }
                }
            }
            // A group referenced twice (say, with different scope-downs), once
            // in Count and once enforcing, is enforced.
            count_only.retain(|g| !active.contains(g));
            let rules_of = |ty: &str| acl.rules.iter().filter(|r| r.statement_type == ty).count();
            let attrs = Attrs::default()
                .s("name", &acl.name)
                .s("scope", &acl.scope.to_ascii_uppercase())
                .s("default_action", &acl.default_action.to_ascii_lowercase())
                .n("rule_count", acl.rules.len())
                .b("metrics_enabled", acl.metrics_enabled)
                .b("logging_enabled", !acl.logging_destinations.is_empty())
                .b("associations_known", acl.associated_resources.is_some())
                .n(
                    "associated_resource_count",
                    acl.associated_resources.as_ref().map_or(0, Vec::len),
                )
                .set_s("managed_rule_groups", managed)
                .set_s("count_only_managed_rule_groups", count_only)
                .n("rate_based_rule_count", rules_of("RateBasedStatement"))
                .n(
                    "rule_group_reference_count",
                    rules_of("RuleGroupReferenceStatement"),
                );
            g.add(
                t.web_acl.clone(),
                uid.clone(),
                attrs,
                vec![region_uid.clone()],
                Tagging::None,
                &acl.arn,
                region,
                &acl.name,
            );
            for r in &acl.rules {
                let id = format!("{}/rule/{}", acl.arn, r.name);
                let attrs = Attrs::default()
                    .s("web_acl_name", &acl.name)
                    .s("name", &r.name)
                    .l("priority", r.priority)
                    .s("action", &r.action.to_ascii_lowercase())
                    .s(
                        "override_action",
                        &r.override_action
                            .as_deref()
                            .unwrap_or("")
                            .to_ascii_lowercase(),
                    )
                    .s("statement_type", &r.statement_type)
                    .b("metrics_enabled", r.metrics_enabled)
                    .b("sampled_requests_enabled", r.sampled_requests_enabled);
                let name = format!("{} / {}", acl.name, r.name);
                g.add(
                    t.web_acl_rule.clone(),
                    Self::uid(&t.web_acl_rule, &id),
                    attrs,
                    vec![uid.clone()],
                    Tagging::None,
                    &id,
                    region,
                    &name,
                );
            }
        }
    }

    fn build_backup(&self, g: &mut Ctx<'_>, region_uid: &EntityUid, region: &str, d: &RegionData) {
        let t = &self.types;
        let account_id = g.account.account_id.clone();
        for v in &d.backup.vaults {
            let lock_mode = match (v.locked, v.lock_date) {
                (false, _) => "none",
                (true, Some(date)) if date <= self.scan_time => "compliance",
                (true, _) => "governance",
            };
            let denies_delete = v.access_policy.as_ref().is_some_and(|p| {
                p.statements.iter().any(|s| {
                    s.effect == Effect::Deny
                        && s.action
                            .iter()
                            .any(|a| wildcard_match(a, "backup:DeleteRecoveryPoint"))
                })
            });
            // Allow to anyone ("*", AWS "*", or NotPrincipal: everyone but
            // the listed), unless a condition limits WHO may call; conditions
            // such as aws:SecureTransport do not.
            let allows_any_principal = v.access_policy.as_ref().is_some_and(|p| {
                p.statements.iter().any(|s| {
                    let anyone = s.principal.as_ref().is_some_and(Principal::is_anyone)
                        || s.not_principal.is_some();
                    let restricted = s
                        .condition_keys()
                        .iter()
                        .any(|k| PRINCIPAL_CONDITION_KEYS.contains(&k.as_str()));
                    s.effect == Effect::Allow && anyone && !restricted
                })
            });
            let attrs = Attrs::default()
                .s("name", &v.name)
                .b("locked", v.locked)
                .s("lock_mode", lock_mode)
                .opt_l("min_retention_days", v.min_retention_days)
                .b(
                    "has_encryption_key",
                    v.encryption_key_arn
                        .as_deref()
                        .is_some_and(|k| !k.is_empty()),
                )
                .l("recovery_point_count", v.number_of_recovery_points)
                .b("has_access_policy", v.access_policy.is_some())
                .b("access_policy_denies_delete", denies_delete)
                .b("access_policy_allows_any_principal", allows_any_principal);
            g.add(
                t.vault.clone(),
                Self::uid(&t.vault, &v.arn),
                attrs,
                vec![region_uid.clone()],
                Tagging::None,
                &v.arn,
                region,
                &v.name,
            );
        }
        for p in &d.backup.plans {
            let uid = Self::uid(&t.plan, &p.arn);
            let attrs = Attrs::default()
                .s("name", &p.name)
                .n("rule_count", p.rules.len())
                .n("selection_count", p.selections.len());
            g.add(
                t.plan.clone(),
                uid.clone(),
                attrs,
                vec![region_uid.clone()],
                Tagging::None,
                &p.arn,
                region,
                &p.name,
            );
            for r in &p.rules {
                let id = format!("{}/rule/{}", p.arn, r.name);
                let (mut cross_region, mut cross_account) = (0usize, 0usize);
                for c in &r.copy_actions {
                    let (dest_region, dest_account) = arn_region_account(&c.destination_vault_arn);
                    if dest_region.is_some_and(|dr| dr != region) {
                        cross_region += 1;
                    }
                    if dest_account.is_some_and(|da| da != account_id) {
                        cross_account += 1;
                    }
                }
                let attrs = Attrs::default()
                    .s("name", &r.name)
                    .s("plan_name", &p.name)
                    .s("target_vault", &r.target_vault)
                    .s("schedule", r.schedule_expression.as_deref().unwrap_or(""))
                    .opt_l("delete_after_days", r.delete_after_days)
                    .opt_l(
                        "move_to_cold_storage_after_days",
                        r.move_to_cold_storage_after_days,
                    )
                    .opt_l(
                        "schedule_interval_hours",
                        r.schedule_expression
                            .as_deref()
                            .and_then(schedule_interval_hours),
                    )
                    .n("copy_count", r.copy_actions.len())
                    .n("cross_region_copy_count", cross_region)
                    .n("cross_account_copy_count", cross_account)
                    .b("continuous", r.enable_continuous_backup)
                    .opt_l(
                        "warm_storage_gb",
                        warm_storage_gb(&d.backup.vaults, &p.id, r),
                    );
                let name = format!("{} / {}", p.name, r.name);
                g.add(
                    t.backup_rule.clone(),
                    Self::uid(&t.backup_rule, &id),
                    attrs,
                    vec![uid.clone()],
                    Tagging::None,
                    &id,
                    region,
                    &name,
                );
            }
            for s in &p.selections {
                let id = format!("{}/selection/{}", p.arn, s.id);
                let attrs = Attrs::default()
                    .s("name", &s.name)
                    .s("plan_name", &p.name)
                    .n("resource_count", s.resources.len())
                    .n("tag_condition_count", s.tag_conditions.len());
                let name = format!("{} / {}", p.name, s.name);
                g.add(
                    t.selection.clone(),
                    Self::uid(&t.selection, &id),
                    attrs,
                    vec![uid.clone()],
                    Tagging::None,
                    &id,
                    region,
                    &name,
                );
            }
        }
        // Selections that pick resources by tag: whether they include a
        // given ARN cannot be decided without the resource's tags.
        let tag_selections = d
            .backup
            .plans
            .iter()
            .flat_map(|p| &p.selections)
            .filter(|s| !s.tag_conditions.is_empty())
            .count();
        for pr in &d.backup.protected_resources {
            let mut plans: Vec<&str> = Vec::new();
            let mut selections = 0usize;
            for p in &d.backup.plans {
                for s in &p.selections {
                    let included = s
                        .resources
                        .iter()
                        .any(|pat| wildcard_match(pat, &pr.resource_arn));
                    let excluded = s
                        .not_resources
                        .iter()
                        .any(|pat| wildcard_match(pat, &pr.resource_arn));
                    if included && !excluded {
                        selections += 1;
                        plans.push(p.arn.as_str());
                    }
                }
            }
            plans.sort_unstable();
            plans.dedup();
            let attrs = Attrs::default()
                .s("resource_arn", &pr.resource_arn)
                .s("resource_type", &pr.resource_type)
                .opt_l(
                    "days_since_last_backup",
                    self.days_since(pr.last_backup_time),
                )
                .n("matching_selection_count", selections)
                .n("matching_plan_count", plans.len())
                .n("region_tag_selection_count", tag_selections);
            // Protected resources have their own ARNs; scope the id so it
            // cannot collide with the resource's own entity elsewhere.
            let id = format!("{}#backup", pr.resource_arn);
            g.add(
                t.protected.clone(),
                Self::uid(&t.protected, &id),
                attrs,
                vec![region_uid.clone()],
                Tagging::None,
                &id,
                region,
                &pr.resource_arn,
            );
        }
    }
}

/// GiB of WARM recovery points that backup rule `r` of plan `plan_id` holds
/// in its target vault, rounded up; `None` when the vault's recovery points
/// were not listed or the rule has no id (unknown, never zero).
fn warm_storage_gb(
    vaults: &[palisade_model::backup::BackupVault],
    plan_id: &str,
    r: &palisade_model::backup::BackupRule,
) -> Option<i64> {
    const GIB: i64 = 1 << 30;
    let rule_id = r.rule_id.as_deref()?;
    let vault = vaults.iter().find(|v| v.name == r.target_vault)?;
    let bytes: i64 = vault
        .recovery_point_storage
        .as_ref()?
        .iter()
        .filter(|s| {
            s.storage_class.eq_ignore_ascii_case("warm")
                && s.backup_plan_id.as_deref() == Some(plan_id)
                && s.backup_rule_id.as_deref() == Some(rule_id)
        })
        .map(|s| s.bytes.max(0))
        .sum();
    Some(bytes.saturating_add(GIB - 1) / GIB)
}

/// A Resource pattern that covers every resource of its type: `*`, a
/// wildcard service, or an ARN whose resource part is only a type and a
/// wildcard (`role/*`, `function:*`, `instance/*`), whatever the account and
/// region. For escalation, `arn:aws:iam::111111111111:role/*` is as broad
/// as `*`: it includes the account's admin roles.
fn whole_type_pattern(r: &str) -> bool {
    if r == "*" {
        return true;
    }
    let parts: Vec<&str> = r.splitn(6, ':').collect();
    let [_, _, service, _, _, resource] = parts[..] else {
        return false;
    };
    if service == "*" || resource == "*" {
        return true;
    }
    resource
        .strip_suffix('*')
        .and_then(|t| t.strip_suffix('/').or_else(|| t.strip_suffix(':')))
        .is_some_and(|ty| {
            !ty.is_empty() && ty.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// The id of a NACL entry: `<acl-arn>/entry/<ingress|egress>/<rule-number>`.
fn nacl_entry_id(acl_arn: &str, e: &palisade_model::ec2::NetworkAclEntry) -> String {
    format!(
        "{acl_arn}/entry/{}/{}",
        if e.egress { "egress" } else { "ingress" },
        e.rule_number
    )
}

/// Prefix length of a CIDR text, -1 when absent or unparsable.
fn prefix_length(cidr: Option<&str>) -> i64 {
    cidr.and_then(Cidr::parse)
        .map_or(-1, |c| i64::from(c.prefix_len()))
}

/// Lower-cased Action entries of the Allow statements of a document.
/// Condition keys that limit which principals a statement applies to.
const PRINCIPAL_CONDITION_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:userid",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
];

/// The concrete actions checks reason about (privilege escalation, tampering,
/// data access), lower-case. `granted_actions` facts are the subset a
/// statement or policy grants, whatever wildcard spelling it uses
/// (`iam:Pas*`, `iam:*`, `*`, or everything outside a `NotAction`). A test
/// checks that every action a policy names is listed here.
pub const SENSITIVE_ACTIONS: &[&str] = &[
    "access-analyzer:deleteanalyzer",
    "aws-marketplace:subscribe",
    "backup:deletebackupplan",
    "backup:deletebackupvault",
    "backup:deletebackupvaultaccesspolicy",
    "backup:deletebackupvaultlockconfiguration",
    "backup:deleterecoverypoint",
    "backup:updaterecoverypointlifecycle",
    "cloudformation:createstack",
    "cloudtrail:deletetrail",
    "cloudtrail:puteventselectors",
    "cloudtrail:stoplogging",
    "cloudtrail:updatetrail",
    "codebuild:createproject",
    "codebuild:startbuild",
    "codebuild:startbuildbatch",
    "config:deleteconfigurationrecorder",
    "config:deletedeliverychannel",
    "config:stopconfigurationrecorder",
    "ec2-instance-connect:sendsshpublickey",
    "ec2:runinstances",
    "ecs:createservice",
    "ecs:registertaskdefinition",
    "ecs:runtask",
    "ecs:starttask",
    "glue:createdevendpoint",
    "guardduty:deletedetector",
    "guardduty:disassociatefromadministratoraccount",
    "guardduty:updatedetector",
    "iam:addusertogroup",
    "iam:attachgrouppolicy",
    "iam:attachrolepolicy",
    "iam:attachuserpolicy",
    "iam:createaccesskey",
    "iam:createloginprofile",
    "iam:createpolicyversion",
    "iam:passrole",
    "iam:putgrouppolicy",
    "iam:putrolepolicy",
    "iam:putuserpolicy",
    "iam:setdefaultpolicyversion",
    "iam:updateassumerolepolicy",
    "iam:updateloginprofile",
    "kms:decrypt",
    "lambda:createfunction",
    "lambda:updatefunctioncode",
    "lambda:updatefunctionconfiguration",
    "sagemaker:createnotebookinstance",
    "sagemaker:createprocessingjob",
    "sagemaker:createtrainingjob",
    "securityhub:disablesecurityhub",
    "securityhub:disassociatefromadministratoraccount",
    "ssm:sendcommand",
    "ssm:startsession",
    "sts:assumerole",
];

/// The [`SENSITIVE_ACTIONS`] a statement's Action (or, with NotAction,
/// everything it does not exclude) matches, ignoring its effect.
fn granted_by(st: &palisade_model::policy::Statement) -> impl Iterator<Item = &'static str> + '_ {
    SENSITIVE_ACTIONS.iter().copied().filter(move |a| {
        if st.not_action.is_empty() {
            st.action.iter().any(|p| wildcard_match(p, a))
        } else {
            !st.not_action.iter().any(|p| wildcard_match(p, a))
        }
    })
}

/// What a whole policy grants: the union over its Allow statements, minus
/// what an unconditional Deny on every resource takes away.
fn policy_granted_actions(doc: &PolicyDocument) -> Vec<&'static str> {
    let denied: Vec<&str> = doc
        .statements
        .iter()
        .filter(|s| {
            s.effect == Effect::Deny
                && s.condition.is_none()
                && s.not_resource.is_empty()
                && s.resource.iter().any(|r| r == "*")
        })
        .flat_map(granted_by)
        .collect();
    let mut v: Vec<&'static str> = doc
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .flat_map(granted_by)
        .filter(|a| !denied.contains(a))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn allow_actions(doc: &PolicyDocument) -> Vec<String> {
    let mut v: Vec<String> = doc
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .flat_map(|s| s.action.iter().map(|a| a.to_ascii_lowercase()))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Hours between runs of an AWS Backup schedule expression: `rate(N unit)`
/// or a six-field `cron(min hour day-of-month month day-of-week year)`.
/// None when the expression cannot be interpreted.
pub fn schedule_interval_hours(expr: &str) -> Option<i64> {
    let expr = expr.trim();
    if let Some(body) = expr.strip_prefix("rate(").and_then(|b| b.strip_suffix(')')) {
        let mut parts = body.split_whitespace();
        let n: i64 = parts.next()?.parse().ok()?;
        let unit = parts.next()?.to_ascii_lowercase();
        return match unit.trim_end_matches('s') {
            "minute" => Some((n / 60).max(1)),
            "hour" => Some(n),
            "day" => Some(n * 24),
            _ => None,
        };
    }
    let body = expr.strip_prefix("cron(")?.strip_suffix(')')?;
    let f: Vec<&str> = body.split_whitespace().collect();
    if f.len() != 6 {
        return None;
    }
    let (hour, dom, dow) = (f[1], f[2], f[4]);
    let any = |x: &str| x == "*" || x == "?";
    let count = |x: &str| -> Option<i64> {
        if let Some(step) = x.strip_prefix("*/").or_else(|| x.strip_prefix("0/")) {
            let step: i64 = step.parse().ok()?;
            return (step > 0).then(|| 24 / step);
        }
        if x.contains('-') || x.contains('/') {
            return None;
        }
        i64::try_from(x.split(',').count()).ok()
    };
    if !any(dom) {
        // Monthly (or a few days a month).
        let n = count(dom)?;
        return Some(24 * 30 / n.max(1));
    }
    if !any(dow) {
        let days = if dow.contains('-') {
            let (a, b) = dow.split_once('-')?;
            let day = |d: &str| -> Option<i64> {
                d.parse().ok().or_else(|| {
                    ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
                        .iter()
                        .position(|n| n.eq_ignore_ascii_case(d))
                        .and_then(|p| i64::try_from(p + 1).ok())
                })
            };
            (day(b)? - day(a)?).abs() + 1
        } else {
            i64::try_from(dow.split(',').count()).ok()?
        };
        return Some(24 * 7 / days.max(1));
    }
    if any(hour) {
        return Some(1);
    }
    let per_day = count(hour)?;
    Some(24 / per_day.max(1))
}

/// How a resource's tags are recorded.
enum Tagging<'a> {
    /// No tags.
    None,
    /// The entity's own tags (Cedar entity tags and report tags).
    Own(&'a BTreeMap<String, String>),
    /// Tags of the owning resource, for reports and waivers only (the
    /// entity type declares no tags).
    Inherited(&'a BTreeMap<String, String>),
}

fn tags(t: &BTreeMap<String, String>) -> Vec<(String, RestrictedExpression)> {
    t.iter()
        .map(|(k, v)| (k.clone(), RestrictedExpression::new_string(v.clone())))
        .collect()
}

struct Ctx<'a> {
    graph: AccountGraph,
    account: &'a Account,
}

impl Ctx<'_> {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        ty: EntityTypeName,
        uid: EntityUid,
        attrs: Attrs,
        parents: Vec<EntityUid>,
        tagging: Tagging<'_>,
        id: &str,
        region: &str,
        name: &str,
    ) {
        let (entity_tags, ref_tags) = match tagging {
            Tagging::None => (Vec::new(), BTreeMap::new()),
            Tagging::Own(t) => (tags(t), t.clone()),
            Tagging::Inherited(t) => (Vec::new(), t.clone()),
        };
        let r = ResourceRef {
            id: id.to_owned(),
            resource_type: ty.to_string(),
            account_id: self.account.account_id.clone(),
            region: region.to_owned(),
            name: name.to_owned(),
            tags: ref_tags,
        };
        match Entity::new_with_tags(uid.clone(), attrs.0, parents, entity_tags) {
            Ok(e) => {
                self.graph.entities.push(e);
                self.graph.resources.push((uid, ty, r));
            }
            Err(e) => self.graph.broken.push((ty, r, e.to_string())),
        }
    }

    fn broken(&mut self, ty: EntityTypeName, id: &str, region: &str, name: &str, message: String) {
        let r = ResourceRef {
            id: id.to_owned(),
            resource_type: ty.to_string(),
            account_id: self.account.account_id.clone(),
            region: region.to_owned(),
            name: name.to_owned(),
            tags: BTreeMap::new(),
        };
        self.graph.broken.push((ty, r, message));
    }

    fn is_broken(&self, id: &str) -> bool {
        self.graph.broken.iter().any(|(_, r, _)| r.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn granted(doc: &str) -> Vec<&'static str> {
        let doc = PolicyDocument::parse_text(doc).expect("policy document");
        policy_granted_actions(&doc)
    }

    #[test]
    fn granted_actions_follow_every_wildcard_spelling() {
        let g = granted(
            r#"{"Statement":[{"Effect":"Allow","Action":["iam:Pas*","EC2:Run*"],"Resource":"*"}]}"#,
        );
        assert!(
            g.contains(&"iam:passrole") && g.contains(&"ec2:runinstances"),
            "{g:?}"
        );
        assert!(!g.contains(&"iam:createaccesskey"), "{g:?}");
        // NotAction grants everything it does not exclude.
        let g = granted(r#"{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#);
        assert!(
            !g.contains(&"iam:passrole") && g.contains(&"ec2:runinstances"),
            "{g:?}"
        );
        // An unconditional Deny on every resource takes actions away; a
        // conditional or resource-scoped one does not.
        let g = granted(
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
                {"Effect":"Deny","Action":"iam:PassRole","Resource":"*"},
                {"Effect":"Deny","Action":"ec2:RunInstances","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}},
                {"Effect":"Deny","Action":"ssm:SendCommand","Resource":"arn:aws:ec2:*:*:instance/i-1"}]}"#,
        );
        assert!(!g.contains(&"iam:passrole"), "{g:?}");
        assert!(
            g.contains(&"ec2:runinstances") && g.contains(&"ssm:sendcommand"),
            "{g:?}"
        );
    }

    #[test]
    fn every_action_a_policy_names_is_in_the_catalogue() {
        // A policy naming an action outside SENSITIVE_ACTIONS could never fire.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
        let mut stack = vec![dir];
        let mut unknown = Vec::new();
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("policies dir").flatten() {
                let path = e.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("read");
                for part in text.split("granted_actions.contains").skip(1) {
                    let list = part.split(']').next().unwrap_or_default();
                    for action in list.split('"').skip(1).step_by(2) {
                        if !SENSITIVE_ACTIONS.contains(&action) {
                            unknown.push(format!("{}: {action}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(unknown.is_empty(), "{unknown:#?}");
    }

    #[test]
    fn whole_type_patterns() {
        for any in [
            "*",
            "arn:aws:lambda:*:*:function:*",
            "arn:aws:iam::111111111111:role/*",
            "arn:aws:ec2:*:*:instance/*",
            "arn:aws:s3:::*",
            "arn:aws:*:*:*:*",
        ] {
            assert!(whole_type_pattern(any), "{any}");
        }
        for narrow in [
            "arn:aws:iam::111111111111:role/deploy",
            "arn:aws:iam::111111111111:role/service-role/*",
            "arn:aws:lambda:eu-west-1:111111111111:function:app-*",
            "arn:aws:ec2:*:*:instance/i-0abc",
        ] {
            assert!(!whole_type_pattern(narrow), "{narrow}");
        }
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("backup:*", "backup:DeleteRecoveryPoint"));
        assert!(wildcard_match("*", "backup:DeleteRecoveryPoint"));
        assert!(wildcard_match(
            "backup:Delete*",
            "backup:deleterecoverypoint"
        ));
        assert!(!wildcard_match("backup:Get*", "backup:DeleteRecoveryPoint"));
        // Non-ASCII text: `?` is one character, not one byte.
        assert!(wildcard_match(
            "arn:aws:s3:::b?cket-*",
            "arn:aws:s3:::bücket-1"
        ));
        assert!(!wildcard_match("arn:aws:s3:::b?cket", "arn:aws:s3:::bcket"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("a*b", "ac"));
        assert!(wildcard_match(
            "backup:DeleteRecoveryPoin?",
            "backup:DeleteRecoveryPoint"
        ));
    }

    #[test]
    fn schedules() {
        assert_eq!(schedule_interval_hours("cron(0 5 ? * * *)"), Some(24));
        assert_eq!(schedule_interval_hours("cron(0 */6 ? * * *)"), Some(6));
        assert_eq!(schedule_interval_hours("cron(0 5,17 ? * * *)"), Some(12));
        assert_eq!(schedule_interval_hours("cron(0 5 ? * SUN *)"), Some(168));
        assert_eq!(schedule_interval_hours("cron(0 5 ? * MON-FRI *)"), Some(33));
        assert_eq!(schedule_interval_hours("cron(0 5 1 * ? *)"), Some(720));
        assert_eq!(schedule_interval_hours("rate(12 hours)"), Some(12));
        assert_eq!(schedule_interval_hours("rate(1 day)"), Some(24));
        assert_eq!(schedule_interval_hours("whenever"), None);
    }

    #[test]
    fn protocols() {
        assert_eq!(normalise_protocol("-1"), "all");
        assert_eq!(normalise_protocol("6"), "tcp");
        assert_eq!(normalise_protocol("UDP"), "udp");
        assert_eq!(normalise_protocol("50"), "50");
    }

    #[test]
    fn principal_accounts() {
        assert_eq!(
            account_of_principal("arn:aws:iam::222222222222:root"),
            Some("222222222222")
        );
        assert_eq!(account_of_principal("222222222222"), Some("222222222222"));
        assert_eq!(account_of_principal("*"), None);
    }
}
