//! The evaluator: one PolicySet per resource type (from each policy's scope)
//! with one catch-all `permit`, one entity store per account, rayon over
//! resources. A Deny's reasons are exactly the violated checks; every Cedar
//! evaluation error becomes an `error` result, never a pass. Coverage gaps
//! turn passes of the affected service into `not_evaluated`, and fails
//! too for rules whose verdict depends on that service's data being complete.
//! Two policy annotations name String attributes of the evaluated resource:
//! `@undecided("attr")` turns a fail on a resource that has `attr` into
//! `not_evaluated` with the attribute's text as its message (the data that
//! would decide it is missing), and `@message("attr")` attaches the
//! attribute's text to the result (what the verdict was judged against).
//! A third, `@exposure` (no value), attaches the account graph's
//! reachability verdict and path to the rule's fails, adjusts their
//! severity (reachable: one level up; not reachable: one level down, not
//! below low; unknown: unchanged) and starts their message with the verdict.
//! A fourth, `@scp("attr")` (issue 15), names the Set attribute of the
//! granted actions a fail is about: when the organisation's service control
//! policies deny every one of them in the account, the fail stays, starts
//! its message with the SCP that denies it, and is one severity level lower.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityTypeName, EntityUid, Policy, PolicyId,
    PolicySet, Request, Schema,
};
use palisade_model::{Snapshot, GLOBAL_REGION};
use palisade_rules::{Params, RulePack};
use rayon::prelude::*;

use crate::graph::GraphBuilder;
use crate::result::{CheckResult, ResourceRef, Status};
use crate::unknowns::PolicyShape;

/// Errors that stop an evaluation before it starts.
#[derive(Debug, thiserror::Error)]
pub enum EvaluatorError {
    /// The parameters do not type-check against the schema.
    #[error("rule parameters: {0}")]
    Params(String),
    /// Building a policy set failed (duplicate ids).
    #[error("policy set: {0}")]
    PolicySet(String),
}

/// The rules of one resource type, as one Cedar policy set.
struct Partition {
    set: PolicySet,
    /// Rule ids in this partition, sorted.
    rule_ids: Vec<String>,
}

/// A rule's id and the services it reads, for gap handling.
struct RuleInfo {
    id: String,
    service: String,
    /// Services whose complete data the verdict depends on (metadata
    /// `depends_on`): a gap there makes fails unreliable too.
    depends_on: Vec<String>,
    resource_type: EntityTypeName,
}

impl RuleInfo {
    /// How a coverage gap (a failed `service` `api` call) affects this
    /// rule's results. `depends_on` entries name a service (`backup`) or one
    /// operation of it (`iam:GetAccountPasswordPolicy`).
    fn gap_effect(&self, service: &str, api: &str) -> GapEffect {
        let names_gap = |d: &String| {
            let (s, a) = palisade_rules::metadata::dependency(d);
            s == service && a.is_none_or(|a| a == api)
        };
        if self.depends_on.iter().any(names_gap) {
            GapEffect::AllVerdicts
        } else if self.service == service {
            GapEffect::Passes
        } else {
            GapEffect::None
        }
    }
}

/// How the message of a result that a coverage gap made `not_evaluated`
/// begins (reports list those under the gaps, not per resource).
pub const GAP_MESSAGE_PREFIX: &str = "coverage gap:";

/// Which results of a rule a coverage gap makes `not_evaluated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GapEffect {
    /// The rule does not read the service.
    None,
    /// Passes only: a fail found in data that was read is still a fail, but
    /// a pass may hide what could not be read.
    Passes,
    /// Passes and fails: the verdict hinges on the service's data being
    /// complete (e.g. "no backup plan in the region").
    AllVerdicts,
}

/// A prepared evaluator for one rule pack and parameter set.
pub struct Evaluator {
    partitions: HashMap<EntityTypeName, Partition>,
    /// Every rule in one set, for the unpartitioned (naive) benchmark.
    all_rules: PolicySet,
    rules: Vec<RuleInfo>,
    /// Rule id -> what its policy reads, tests and is annotated with.
    shapes: HashMap<String, PolicyShape>,
    /// Rules annotated `@exposure`, with their metadata severity.
    exposure_rules: HashMap<String, palisade_rules::Severity>,
    /// Rules annotated `@scp("attr")`.
    scp_rules: HashMap<String, crate::unknowns::ScpRule>,
    /// Rules that judge live accounts only (metadata `applies_to`).
    live_only: HashSet<String>,
    /// Rules annotated `@organization`: they judge accounts as members of
    /// an organisation, and have no result when the snapshot has none.
    org_only: HashSet<String>,
    schema: Schema,
    context: Context,
    principal: EntityUid,
    action: EntityUid,
    ports_of_interest: Vec<i64>,
    /// How much of each account's entity store is checked against the
    /// schema (see [`EntityChecks`]).
    entity_checks: EntityChecks,
    /// The schema's action entities, added to every store built without
    /// the schema (which would otherwise add them), so `action in ...`
    /// judges the same either way.
    action_entities: Vec<cedar_policy::Entity>,
    /// Cost models by rule id, priced from `prices`.
    costs: HashMap<String, palisade_rules::metadata::CostModel>,
    prices: Option<palisade_rules::PriceTable>,
}

/// The outcome of evaluating a snapshot.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// One result per applicable (rule, resource) pair, sorted by rule id
    /// then resource id.
    pub results: Vec<CheckResult>,
    /// Number of Cedar authorization requests made.
    pub requests: usize,
    /// Number of resources (entities evaluated) across accounts.
    pub resources: usize,
    /// Where the time went.
    pub timings: Timings,
}

/// What the accounts of one snapshot are judged with: see
/// [`Evaluator::context`].
#[derive(Debug, Clone)]
pub struct ScanContext {
    builder: GraphBuilder,
}

/// Wall time per phase, summed over accounts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Snapshot -> entities (derived facts included).
    pub graph: std::time::Duration,
    /// Entity store construction (ancestor closure, the per-type schema
    /// check) and teardown.
    pub store: std::time::Duration,
    /// Cedar authorization requests.
    pub eval: std::time::Duration,
}

/// How much of an account's entity store is checked against the schema
/// when it is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntityChecks {
    /// Every entity (Cedar's conformance pass over the whole store).
    Full,
    /// The first entity of each type; the whole store only when one of
    /// those does not conform (so the error names the entity as before).
    /// The graph builder produces conforming entities by construction,
    /// and `tests/entity_conformance.rs` checks every entity of every
    /// fixture and of the synthetic organisation against the schema, so
    /// the full pass would only repeat what the tests prove; the per-type
    /// check is a cheap guard against a schema and builder out of step.
    FirstOfType,
    /// None (benchmarks only).
    Off,
}

/// Policy id of the catch-all `permit(principal, action, resource);` in
/// every policy set: with it, a Deny's reasons are exactly the violated
/// checks, and an Allow means none was violated. (Not to be confused with a
/// baseline report, which is a previous scan: see `palisade-triage`.)
const CATCH_ALL_PERMIT_ID: &str = "palisade-catch-all-permit";

impl Evaluator {
    /// Prepares partitions for `pack` with `params`.
    pub fn new(pack: &RulePack, params: &Params) -> Result<Self, EvaluatorError> {
        let context = params
            .context(&pack.schema)
            .map_err(EvaluatorError::Params)?;
        let mut grouped: BTreeMap<String, (EntityTypeName, Vec<&palisade_rules::Rule>)> =
            BTreeMap::new();
        for r in &pack.rules {
            grouped
                .entry(r.resource_type.to_string())
                .or_insert_with(|| (r.resource_type.clone(), Vec::new()))
                .1
                .push(r);
        }
        let mut partitions = HashMap::new();
        let mut all_rules = PolicySet::new();
        all_rules
            .add(catch_all_permit()?)
            .map_err(|e| EvaluatorError::PolicySet(e.to_string()))?;
        for r in &pack.rules {
            all_rules
                .add(r.policy.clone())
                .map_err(|e| EvaluatorError::PolicySet(e.to_string()))?;
        }
        for (_, (ty, rules)) in grouped {
            let mut set = PolicySet::new();
            set.add(catch_all_permit()?)
                .map_err(|e| EvaluatorError::PolicySet(e.to_string()))?;
            let mut rule_ids = Vec::new();
            for r in rules {
                set.add(r.policy.clone())
                    .map_err(|e| EvaluatorError::PolicySet(e.to_string()))?;
                rule_ids.push(r.id.clone());
            }
            rule_ids.sort();
            partitions.insert(ty, Partition { set, rule_ids });
        }
        let principal = EntityUid::from_str(r#"Palisade::Scanner::"palisade""#)
            .map_err(|e| EvaluatorError::PolicySet(e.to_string()))?;
        let action = EntityUid::from_str(palisade_rules::CHECK_ACTION)
            .map_err(|e| EvaluatorError::PolicySet(e.to_string()))?;
        Ok(Self {
            partitions,
            all_rules,
            rules: pack
                .rules
                .iter()
                .map(|r| RuleInfo {
                    id: r.id.clone(),
                    service: r.meta.service.clone(),
                    depends_on: r.meta.depends_on.clone(),
                    resource_type: r.resource_type.clone(),
                })
                .collect(),
            shapes: pack
                .rules
                .iter()
                .map(|r| (r.id.clone(), PolicyShape::of(&r.policy)))
                .collect(),
            exposure_rules: pack
                .rules
                .iter()
                .filter(|r| r.policy.annotation("exposure").is_some())
                .map(|r| (r.id.clone(), r.meta.severity))
                .collect(),
            scp_rules: pack
                .rules
                .iter()
                .filter_map(|r| {
                    crate::unknowns::ScpRule::of(&r.policy, r.meta.severity)
                        .map(|s| (r.id.clone(), s))
                })
                .collect(),
            org_only: pack
                .rules
                .iter()
                .filter(|r| r.policy.annotation("organization").is_some())
                .map(|r| r.id.clone())
                .collect(),
            live_only: pack
                .rules
                .iter()
                .filter(|r| {
                    !r.meta
                        .applies_to_origin(palisade_model::Origin::Cloudformation)
                })
                .map(|r| r.id.clone())
                .collect(),
            schema: pack.schema.clone(),
            context,
            principal,
            action,
            ports_of_interest: params.ports_of_interest(),
            entity_checks: EntityChecks::FirstOfType,
            action_entities: pack
                .schema
                .action_entities()
                .map_err(|e| EvaluatorError::PolicySet(e.to_string()))?
                .into_iter()
                .collect(),
            costs: pack
                .rules
                .iter()
                .filter_map(|r| r.meta.cost.clone().map(|c| (r.id.clone(), c)))
                .collect(),
            prices: pack.prices.clone(),
        })
    }

    /// Skips schema conformance checks of built entities, even the
    /// first-of-type guard (benchmarks only: the graph builder is tested to
    /// conform).
    pub fn without_entity_validation(mut self) -> Self {
        self.entity_checks = EntityChecks::Off;
        self
    }

    /// Checks every built entity against the schema, as Cedar's
    /// `Entities::from_entities` with a schema does (the default checks the
    /// first entity of each type: the builder conforms by construction and
    /// is tested to). For tests and benchmarks comparing the two.
    pub fn with_full_entity_validation(mut self) -> Self {
        self.entity_checks = EntityChecks::Full;
        self
    }

    /// Evaluates every account of `snapshot`. Each account is a shard with
    /// its own entity store, built, evaluated and dropped; shards run in
    /// parallel (at most one per worker thread is alive at a time).
    pub fn evaluate(&self, snapshot: &Snapshot) -> Evaluation {
        self.run(snapshot, false)
    }

    /// What every account of one snapshot is judged with (its scan time and
    /// organisation); build once, then [`Evaluator::evaluate_account`] per
    /// account, in any order or in parallel.
    pub fn context(
        &self,
        scan_time: chrono::DateTime<chrono::Utc>,
        organization: Option<&palisade_model::organization::Organization>,
    ) -> ScanContext {
        ScanContext {
            builder: GraphBuilder::new(scan_time, self.ports_of_interest.clone())
                .with_organization(organization.cloned()),
        }
    }

    /// Evaluates one account (the unit a streaming reader hands over).
    /// Results are sorted by rule id, then resource id.
    pub fn evaluate_account(
        &self,
        ctx: &ScanContext,
        account: &palisade_model::Account,
    ) -> Evaluation {
        let mut out = self.evaluate_account_with(&ctx.builder, account, false);
        out.results
            .sort_by(|a, b| (&a.rule_id, &a.resource.id).cmp(&(&b.rule_id, &b.resource.id)));
        out
    }

    /// Evaluates what belongs to the organisation rather than to one
    /// account (the organisation, its OUs and service control policies),
    /// once per scan. Empty when the snapshot has no organisation.
    /// The organisation is one `AWS::Organizations::Organization` entity and
    /// one `AWS::Organizations::OrgAccount` per account (see `graph/org.rs`),
    /// attributed to the management account.
    pub fn evaluate_organization(&self, ctx: &ScanContext) -> Evaluation {
        let mut out = Evaluation::default();
        let t0 = std::time::Instant::now();
        let Some(graph) = ctx.builder.build_organization() else {
            return out;
        };
        out.timings.graph += t0.elapsed();
        let mut results = Vec::new();
        let store = self.broken_then_store(&graph.broken, graph.entities, &mut out, &mut results);
        let t2 = std::time::Instant::now();
        match store {
            Ok(entities) => {
                for (uid, ty, r) in &graph.resources {
                    let Some(part) = self.partitions.get(ty) else {
                        continue;
                    };
                    out.requests += 1;
                    results.extend(self.evaluate_one(&part.set, &part.rule_ids, &entities, uid, r));
                }
            }
            Err(e) => {
                let msg = format!(
                    "organisation entity store could not be built: {}",
                    with_causes(&e)
                );
                for (_, ty, r) in &graph.resources {
                    self.error_all(&mut results, ty, r, &msg);
                }
            }
        }
        out.timings.eval += t2.elapsed();
        out.resources += graph.resources.len();
        crate::unknowns::apply(&graph.facts, &self.shapes, &mut results);
        results.sort_by(|a, b| (&a.rule_id, &a.resource.id).cmp(&(&b.rule_id, &b.resource.id)));
        out.results = results;
        out
    }

    fn run(&self, snapshot: &Snapshot, naive: bool) -> Evaluation {
        let ctx = self.context(snapshot.scan_time, snapshot.organization.as_ref());
        let builder = &ctx.builder;
        let mut shards: Vec<Evaluation> = snapshot
            .accounts
            .par_iter()
            .with_max_len(1)
            .map(|account| {
                let mut shard = self.evaluate_account_with(builder, account, naive);
                // Sorted per shard, in parallel: the final stable sort
                // below then only merges sorted runs (same order as sorting
                // the concatenation, which was a tenth of a 100k-resource
                // run on one thread).
                shard.results.sort_by(by_rule_then_resource);
                shard
            })
            .collect();
        shards.push(self.evaluate_organization(&ctx));
        let mut out = Evaluation::default();
        for shard in shards {
            out.requests += shard.requests;
            out.resources += shard.resources;
            out.timings.graph += shard.timings.graph;
            out.timings.store += shard.timings.store;
            out.timings.eval += shard.timings.eval;
            out.results.extend(shard.results);
        }
        out.results.sort_by(by_rule_then_resource);
        out
    }

    fn evaluate_account_with(
        &self,
        builder: &GraphBuilder,
        account: &palisade_model::Account,
        naive: bool,
    ) -> Evaluation {
        let mut out = Evaluation::default();
        let t0 = std::time::Instant::now();
        let graph = builder.build(account);
        out.timings.graph += t0.elapsed();
        let mut results = Vec::new();
        let store = self.broken_then_store(&graph.broken, graph.entities, &mut out, &mut results);
        let t2 = std::time::Instant::now();
        match &store {
            Ok(entities) => {
                let evaluated: Vec<_> = graph
                    .resources
                    .par_iter()
                    .filter_map(|(uid, ty, r)| {
                        let part = self.partitions.get(ty)?;
                        let set = if naive { &self.all_rules } else { &part.set };
                        Some(self.evaluate_one(set, &part.rule_ids, entities, uid, r))
                    })
                    .collect();
                out.requests += evaluated.len();
                out.resources += graph.resources.len();
                results.extend(evaluated.into_iter().flatten());
            }
            Err(e) => {
                // A store that does not build is a defect or bad data: every
                // check over every resource of the account is an error.
                // Cedar's top-level message is terse ("entity does not
                // conform to the schema"); the cause chain names the entity
                // and attribute.
                let detail = with_causes(e);
                let msg = format!(
                    "entity store for account {} could not be built: {detail}",
                    account.account_id
                );
                for (_, ty, r) in &graph.resources {
                    self.error_all(&mut results, ty, r, &msg);
                }
            }
        }
        out.timings.eval += t2.elapsed();
        // Tearing the store down is part of its cost, not Cedar's.
        let t3 = std::time::Instant::now();
        drop(store);
        out.timings.store += t3.elapsed();
        crate::unknowns::apply(&graph.facts, &self.shapes, &mut results);
        crate::unknowns::apply_values(&account.unknowns, &self.shapes, &mut results);
        // Rules that need runtime data say so; on a template or plan they
        // are absent, not passed.
        if account.origin.is_iac() {
            results.retain(|r| !self.live_only.contains(&r.rule_id));
        }
        self.apply_gaps(account, &mut results);
        if !account.origin.is_iac() {
            self.mark_unread(account, &graph.unread, &mut results);
        }
        // Organisation rules need an organisation: without one they do not
        // apply, not even as gap markers (a scan of one account is not an organisation with a gap).
        if !builder.has_organization() {
            results.retain(|r| !self.org_only.contains(&r.rule_id));
        }
        // After the gaps: a fail a gap made `not_evaluated` is no finding.
        crate::unknowns::apply_exposures(&graph.exposures, &self.exposure_rules, &mut results);
        crate::unknowns::apply_scp(&graph.scp, &self.scp_rules, &mut results);
        out.results = results;
        out
    }

    /// What an account and the organisation both do before evaluating:
    /// every check of a resource whose data is invalid is an error, then
    /// the entity store is built (its time counted in `out`).
    #[allow(clippy::result_large_err)]
    fn broken_then_store(
        &self,
        broken: &[(EntityTypeName, ResourceRef, String)],
        entities: Vec<cedar_policy::Entity>,
        out: &mut Evaluation,
        results: &mut Vec<CheckResult>,
    ) -> Result<Entities, cedar_policy::entities_errors::EntitiesError> {
        for (ty, r, msg) in broken {
            self.error_all(results, ty, r, &format!("resource data is invalid: {msg}"));
        }
        let t1 = std::time::Instant::now();
        let store = self.store(entities);
        out.timings.store += t1.elapsed();
        store
    }

    /// The entity store of one account: Cedar computes the ancestor
    /// closure; the schema check is as [`EntityChecks`] says. (Cedar's
    /// error type is large; it is returned once per account.)
    #[allow(clippy::result_large_err)]
    fn store(
        &self,
        entities: Vec<cedar_policy::Entity>,
    ) -> Result<Entities, cedar_policy::entities_errors::EntitiesError> {
        let unchecked = |entities: Vec<cedar_policy::Entity>| {
            Entities::from_entities(
                entities
                    .into_iter()
                    .chain(self.action_entities.iter().cloned()),
                None,
            )
        };
        match self.entity_checks {
            EntityChecks::Full => Entities::from_entities(entities, Some(&self.schema)),
            EntityChecks::Off => unchecked(entities),
            EntityChecks::FirstOfType => {
                let mut seen: HashSet<EntityTypeName> = HashSet::new();
                let firsts: Vec<cedar_policy::Entity> = entities
                    .iter()
                    .filter(|e| seen.insert(e.uid().type_name().clone()))
                    .cloned()
                    .collect();
                if Entities::from_entities(firsts, Some(&self.schema)).is_ok() {
                    unchecked(entities)
                } else {
                    Entities::from_entities(entities, Some(&self.schema))
                }
            }
        }
    }

    fn evaluate_one(
        &self,
        set: &PolicySet,
        rule_ids: &[String],
        entities: &Entities,
        uid: &EntityUid,
        r: &ResourceRef,
    ) -> Vec<CheckResult> {
        let request = match Request::new(
            self.principal.clone(),
            self.action.clone(),
            uid.clone(),
            self.context.clone(),
            None,
        ) {
            Ok(req) => req,
            Err(e) => {
                return rule_ids
                    .iter()
                    .map(|id| result(id, Status::Error, r, Some(format!("request: {e}"))))
                    .collect()
            }
        };
        let response = Authorizer::new().is_authorized(&request, set, entities);
        let mut failed: Vec<&str> = Vec::new();
        if response.decision() == Decision::Deny {
            failed.extend(response.diagnostics().reason().map(AsRef::<str>::as_ref));
        }
        let errors: HashMap<String, String> = response
            .diagnostics()
            .errors()
            .map(|e| match e {
                cedar_policy::AuthorizationError::PolicyEvaluationError(pe) => {
                    (pe.policy_id().to_string(), pe.to_string())
                }
            })
            .collect();
        rule_ids
            .iter()
            .map(|id| {
                if let Some(msg) = errors.get(id) {
                    result(id, Status::Error, r, Some(msg.clone()))
                } else if failed.contains(&id.as_str()) {
                    if let Some(why) = self.note(id, entities, uid, |n| &n.undecided) {
                        return result(id, Status::NotEvaluated, r, Some(why));
                    }
                    let message = self.note(id, entities, uid, |n| &n.message);
                    let mut res = result(id, Status::Fail, r, message);
                    res.cost = self.estimate(id, entities, uid);
                    res
                } else {
                    let message = self
                        .note(id, entities, uid, |n| &n.message)
                        .or_else(|| self.pass_note(id, entities, uid));
                    result(id, Status::Pass, r, message)
                }
            })
            .collect()
    }

    /// The text of the String attribute that an annotation of rule `id`
    /// names, when the resource has it.
    fn note(
        &self,
        id: &str,
        entities: &Entities,
        uid: &EntityUid,
        which: impl Fn(&PolicyShape) -> &Option<String>,
    ) -> Option<String> {
        let attr = which(self.shapes.get(id)?).as_deref()?;
        match entities.get(uid)?.attr(attr)? {
            Ok(cedar_policy::EvalResult::String(s)) => Some(s),
            _ => None,
        }
    }

    /// Prices a fail of rule `id` on `uid`, when the rule has a cost model.
    fn estimate(
        &self,
        id: &str,
        entities: &Entities,
        uid: &EntityUid,
    ) -> Option<palisade_rules::CostEstimate> {
        let model = self.costs.get(id)?;
        let prices = self.prices.as_ref()?;
        let entity = entities.get(uid);
        Some(prices.estimate(model, |attr| match entity?.attr(attr)? {
            Ok(cedar_policy::EvalResult::Long(v)) => Some(v),
            _ => None,
        }))
    }

    /// Why rule `id` passed on `uid`, when the entity records constraints
    /// (a `constraints` set of `"<action>: <why>"`, e.g. a policy statement
    /// whose escalating grant a condition limits) on actions the rule's
    /// policy names: those entries, joined. `None` otherwise.
    fn pass_note(&self, id: &str, entities: &Entities, uid: &EntityUid) -> Option<String> {
        let names = &self.shapes.get(id)?.literals;
        let Ok(cedar_policy::EvalResult::Set(set)) = entities.get(uid)?.attr("constraints")? else {
            return None;
        };
        let notes: Vec<&str> = set
            .iter()
            .filter_map(|v| match v {
                cedar_policy::EvalResult::String(s) => Some(s.as_str()),
                _ => None,
            })
            .filter(|s| {
                s.split_once(": ")
                    .is_some_and(|(action, _)| names.iter().any(|n| n == action))
            })
            .collect();
        (!notes.is_empty()).then(|| notes.join("; "))
    }

    fn error_all(
        &self,
        out: &mut Vec<CheckResult>,
        ty: &EntityTypeName,
        r: &ResourceRef,
        msg: &str,
    ) {
        if let Some(part) = self.partitions.get(ty) {
            out.extend(
                part.rule_ids
                    .iter()
                    .map(|id| result(id, Status::Error, r, Some(msg.to_owned()))),
            );
        }
    }

    /// Turns passes in the scope of a coverage gap into `not_evaluated`, and
    /// records one `not_evaluated` result per (rule, gap scope) so a gap is
    /// visible even when no resource of the type was collected.
    fn apply_gaps(&self, account: &palisade_model::Account, results: &mut Vec<CheckResult>) {
        let gaps: Vec<_> = account.coverage.iter().filter(|c| c.is_gap()).collect();
        if gaps.is_empty() {
            return;
        }
        let by_id: HashMap<&str, &RuleInfo> =
            self.rules.iter().map(|r| (r.id.as_str(), r)).collect();
        let mut markers: std::collections::HashSet<(String, String)> = Default::default();
        for gap in &gaps {
            let reason = format!(
                "{GAP_MESSAGE_PREFIX} {} {} failed in {}: {}",
                gap.service,
                gap.api,
                gap.region,
                gap.error.as_deref().unwrap_or("unknown error")
            );
            let in_scope = |r: &ResourceRef| {
                gap.region == GLOBAL_REGION || r.region == gap.region || r.region == GLOBAL_REGION
            };
            for res in results.iter_mut() {
                let effect = by_id
                    .get(res.rule_id.as_str())
                    .map_or(GapEffect::None, |r| r.gap_effect(&gap.service, &gap.api));
                let downgrade = match effect {
                    GapEffect::None => false,
                    GapEffect::Passes => res.status == Status::Pass,
                    GapEffect::AllVerdicts => matches!(res.status, Status::Pass | Status::Fail),
                };
                if downgrade && in_scope(&res.resource) {
                    res.status = Status::NotEvaluated;
                    res.message = Some(reason.clone());
                    // Not a finding, so not a cost either.
                    res.cost = None;
                }
            }
            for rule in self
                .rules
                .iter()
                .filter(|r| r.gap_effect(&gap.service, &gap.api) != GapEffect::None)
            {
                let id = if gap.region == GLOBAL_REGION {
                    format!("{}/gap/{}", account.account_id, gap.service)
                } else {
                    format!("{}/{}/gap/{}", account.account_id, gap.region, gap.service)
                };
                // Several failed APIs of one service and region: one marker.
                if !markers.insert((rule.id.clone(), id.clone())) {
                    continue;
                }
                results.push(CheckResult {
                    rule_id: rule.id.clone(),
                    status: Status::NotEvaluated,
                    resource: ResourceRef {
                        id,
                        resource_type: rule.resource_type.to_string(),
                        account_id: account.account_id.clone(),
                        region: gap.region.clone(),
                        name: format!("{} in {}", gap.service, gap.region),
                        tags: Default::default(),
                    },
                    message: Some(reason.clone()),
                    cost: None,
                    severity: None,
                    exposure: None,
                });
            }
        }
    }

    /// One `not_evaluated` result per (rule, region) for the rules over a
    /// resource type whose listing is not in the snapshot (see
    /// [`crate::AccountGraph::unread`]): no resource of the type exists to
    /// judge, and that must show, never as "no findings".
    fn mark_unread(
        &self,
        account: &palisade_model::Account,
        unread: &[crate::graph::UnreadListing],
        results: &mut Vec<CheckResult>,
    ) {
        for u in unread {
            let Some(part) = self.partitions.get(&u.resource_type) else {
                continue;
            };
            let message = format!(
                "not evaluated: the snapshot has no {} {} listing for {} (collected before it was, \
                 or not collected), so no {} could be judged there",
                u.service, u.api, u.region, u.resource_type
            );
            for id in &part.rule_ids {
                results.push(CheckResult {
                    rule_id: id.clone(),
                    status: Status::NotEvaluated,
                    resource: ResourceRef {
                        id: format!("{}/{}/unread/{}", account.account_id, u.region, u.api),
                        resource_type: u.resource_type.to_string(),
                        account_id: account.account_id.clone(),
                        region: u.region.clone(),
                        name: format!("{} in {}", u.api, u.region),
                        tags: Default::default(),
                    },
                    message: Some(message.clone()),
                    cost: None,
                    severity: None,
                    exposure: None,
                });
            }
        }
    }

    /// Number of partitions (resource types with at least one rule).
    pub fn partition_count(&self) -> usize {
        self.partitions.len()
    }

    /// Evaluates with ONE policy set holding every rule (no partitioning);
    /// used by benchmarks to measure what partitioning buys. Results are
    /// identical to [`Evaluator::evaluate`].
    pub fn evaluate_naive(&self, snapshot: &Snapshot) -> Evaluation {
        self.run(snapshot, true)
    }
}

/// An error with its cause chain: Cedar's top-level store error is terse
/// ("entity does not conform to the schema"); the causes name the entity
/// and attribute.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut detail = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    detail
}

fn catch_all_permit() -> Result<Policy, EvaluatorError> {
    Policy::parse(
        Some(PolicyId::new(CATCH_ALL_PERMIT_ID)),
        "permit(principal, action, resource);",
    )
    .map_err(|e| EvaluatorError::PolicySet(e.to_string()))
}

/// The order of results: rule id, then resource id.
fn by_rule_then_resource(a: &CheckResult, b: &CheckResult) -> std::cmp::Ordering {
    (&a.rule_id, &a.resource.id).cmp(&(&b.rule_id, &b.resource.id))
}

fn result(id: &str, status: Status, r: &ResourceRef, message: Option<String>) -> CheckResult {
    CheckResult {
        rule_id: id.to_owned(),
        status,
        resource: r.clone(),
        message,
        cost: None,
        severity: None,
        exposure: None,
    }
}
