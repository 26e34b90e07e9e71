//! The evaluator: one PolicySet per resource type (from each policy's scope)
//! with one baseline `permit`, one entity store per account, rayon over
//! resources. A Deny's reasons are exactly the violated checks; every Cedar
//! evaluation error becomes an `error` result, never a pass. Coverage gaps
//! turn passes of the affected service into `not_evaluated`.

use std::collections::{BTreeMap, HashMap};
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

/// A rule's id and service, for gap handling.
struct RuleInfo {
    id: String,
    service: String,
    resource_type: EntityTypeName,
}

/// A prepared evaluator for one rule pack and parameter set.
pub struct Evaluator {
    partitions: HashMap<EntityTypeName, Partition>,
    rules: Vec<RuleInfo>,
    schema: Schema,
    context: Context,
    principal: EntityUid,
    action: EntityUid,
    ports_of_interest: Vec<i64>,
    validate_entities: bool,
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
}

const BASELINE_ID: &str = "palisade-baseline-permit";

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
        for (_, (ty, rules)) in grouped {
            let mut set = PolicySet::new();
            let baseline = Policy::parse(
                Some(PolicyId::new(BASELINE_ID)),
                "permit(principal, action, resource);",
            )
            .map_err(|e| EvaluatorError::PolicySet(e.to_string()))?;
            set.add(baseline)
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
            rules: pack
                .rules
                .iter()
                .map(|r| RuleInfo {
                    id: r.id.clone(),
                    service: r.meta.service.clone(),
                    resource_type: r.resource_type.clone(),
                })
                .collect(),
            schema: pack.schema.clone(),
            context,
            principal,
            action,
            ports_of_interest: params.ports_of_interest(),
            validate_entities: true,
        })
    }

    /// Skips schema conformance checks of built entities (benchmarks only:
    /// the graph builder is tested to conform).
    pub fn without_entity_validation(mut self) -> Self {
        self.validate_entities = false;
        self
    }

    /// Evaluates every account of `snapshot`, one entity store at a time.
    pub fn evaluate(&self, snapshot: &Snapshot) -> Evaluation {
        let builder = GraphBuilder::new(snapshot.scan_time, self.ports_of_interest.clone());
        let mut out = Evaluation::default();
        for account in &snapshot.accounts {
            let graph = builder.build(account);
            let mut results = Vec::new();
            for (ty, r, msg) in &graph.broken {
                self.error_all(
                    &mut results,
                    ty,
                    r,
                    &format!("resource data is invalid: {msg}"),
                );
            }
            let schema = self.validate_entities.then_some(&self.schema);
            match Entities::from_entities(graph.entities, schema) {
                Ok(entities) => {
                    let evaluated: Vec<_> = graph
                        .resources
                        .par_iter()
                        .filter_map(|(uid, ty, r)| {
                            let part = self.partitions.get(ty)?;
                            Some(self.evaluate_one(&part.set, &part.rule_ids, &entities, uid, r))
                        })
                        .collect();
                    out.requests += evaluated.len();
                    out.resources += graph.resources.len();
                    results.extend(evaluated.into_iter().flatten());
                }
                Err(e) => {
                    // A store that does not build is a defect or bad data: every
                    // check over every resource of the account is an error.
                    let msg = format!(
                        "entity store for account {} could not be built: {e}",
                        account.account_id
                    );
                    for (_, ty, r) in &graph.resources {
                        self.error_all(&mut results, ty, r, &msg);
                    }
                }
            }
            self.apply_gaps(account, &mut results);
            out.results.extend(results);
        }
        out.results
            .sort_by(|a, b| (&a.rule_id, &a.resource.id).cmp(&(&b.rule_id, &b.resource.id)));
        out
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
                    result(id, Status::Fail, r, None)
                } else {
                    result(id, Status::Pass, r, None)
                }
            })
            .collect()
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
        for gap in &gaps {
            let reason = format!(
                "coverage gap: {} {} failed in {}: {}",
                gap.service,
                gap.api,
                gap.region,
                gap.error.as_deref().unwrap_or("unknown error")
            );
            let in_scope = |r: &ResourceRef| {
                gap.region == GLOBAL_REGION || r.region == gap.region || r.region == GLOBAL_REGION
            };
            for res in results.iter_mut() {
                if res.status == Status::Pass
                    && in_scope(&res.resource)
                    && self.service_of(&res.rule_id) == Some(gap.service.as_str())
                {
                    res.status = Status::NotEvaluated;
                    res.message = Some(reason.clone());
                }
            }
            for rule in self.rules.iter().filter(|r| r.service == gap.service) {
                let id = if gap.region == GLOBAL_REGION {
                    format!("{}/gap/{}", account.account_id, gap.service)
                } else {
                    format!("{}/{}/gap/{}", account.account_id, gap.region, gap.service)
                };
                if results
                    .iter()
                    .any(|r| r.rule_id == rule.id && r.resource.id == id)
                {
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
                    },
                    message: Some(reason.clone()),
                });
            }
        }
    }

    fn service_of(&self, rule_id: &str) -> Option<&str> {
        self.rules
            .iter()
            .find(|r| r.id == rule_id)
            .map(|r| r.service.as_str())
    }

    /// Number of partitions (resource types with at least one rule).
    pub fn partition_count(&self) -> usize {
        self.partitions.len()
    }

    /// Evaluates with ONE policy set holding every rule (no partitioning);
    /// used by benchmarks to measure what partitioning buys. Results are the
    /// same as [`Evaluator::evaluate`] for rules of the resource's type.
    pub fn evaluate_naive(&self, snapshot: &Snapshot) -> Evaluation {
        let mut all = PolicySet::new();
        if let Ok(baseline) = Policy::parse(
            Some(PolicyId::new(BASELINE_ID)),
            "permit(principal, action, resource);",
        ) {
            let _ = all.add(baseline);
        }
        for part in self.partitions.values() {
            for p in part
                .set
                .policies()
                .filter(|p| AsRef::<str>::as_ref(p.id()) != BASELINE_ID)
            {
                let _ = all.add(p.clone());
            }
        }
        let builder = GraphBuilder::new(snapshot.scan_time, self.ports_of_interest.clone());
        let mut out = Evaluation::default();
        for account in &snapshot.accounts {
            let graph = builder.build(account);
            let schema = self.validate_entities.then_some(&self.schema);
            let Ok(entities) = Entities::from_entities(graph.entities, schema) else {
                continue;
            };
            let results: Vec<_> = graph
                .resources
                .par_iter()
                .filter_map(|(uid, ty, r)| {
                    let part = self.partitions.get(ty)?;
                    Some(self.evaluate_one(&all, &part.rule_ids, &entities, uid, r))
                })
                .collect();
            out.requests += results.len();
            out.resources += graph.resources.len();
            out.results.extend(results.into_iter().flatten());
        }
        out.results
            .sort_by(|a, b| (&a.rule_id, &a.resource.id).cmp(&(&b.rule_id, &b.resource.id)));
        out
    }
}

fn result(id: &str, status: Status, r: &ResourceRef, message: Option<String>) -> CheckResult {
    CheckResult {
        rule_id: id.to_owned(),
        status,
        resource: r.clone(),
        message,
    }
}
