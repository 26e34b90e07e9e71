//! Elastic Load Balancing collector (issue 14).
//!
//! v2 (Application, Network, Gateway): `DescribeLoadBalancers`, then per
//! load balancer `DescribeListeners` (and `DescribeRules` per listener of an
//! application load balancer: the target groups of the default actions and
//! of every rule, weighted forward configurations included), `DescribeTags`
//! (20 ARNs per call) and, for application load balancers, WAFv2
//! `GetWebACLForResource` (`WAFNonexistentItemException` or no web ACL =
//! none, a fact). `DescribeTargetGroups`, then `DescribeTargetHealth` per
//! group. Classic: `DescribeLoadBalancers` and `DescribeTags` (20 names per
//! call).
//!
//! A listing that failed keeps what it read (each load balancer is judged
//! on its own data; the gap keeps the service's rules from passing). A
//! per-resource read that failed is a gap and its API name goes into the
//! resource's `unread`: its listeners, targets, tags or web ACL are then
//! unknown, never "none".

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancing as classic;
use aws_sdk_elasticloadbalancingv2 as v2;
use futures_util::stream::{self, StreamExt as _};
use palisade_model::elb::{
    ClassicListener, ClassicLoadBalancer, Elb, Listener, LoadBalancer, Target, TargetGroup,
};

use crate::ops;
use crate::pages::{drain, Listing};
use crate::scope::Scope;
use crate::session::{self, Session};

/// Resources per DescribeTags call (the API's limit).
const TAG_BATCH: usize = 20;

/// The WAFv2 error code meaning "no web ACL is associated".
const NO_WEB_ACL: &str = "WAFNonexistentItemException";

/// Collects the load balancers of `scope`'s region.
pub async fn collect(s: &Session, scope: &Scope) -> Elb {
    let v2 = session::elbv2(s, &scope.region);
    let classic = session::elb(s, &scope.region);
    let waf = session::wafv2(s, &scope.region);
    collect_with(&v2, &classic, &waf, scope).await
}

async fn collect_with(
    v2: &v2::Client,
    classic: &classic::Client,
    waf: &aws_sdk_wafv2::Client,
    scope: &Scope,
) -> Elb {
    let (load_balancers, target_groups, classic_load_balancers) = tokio::join!(
        load_balancers(v2, waf, scope),
        target_groups(v2, scope),
        classic_load_balancers(classic, scope),
    );
    Elb {
        load_balancers,
        target_groups,
        classic_load_balancers,
    }
}

/// Every v2 load balancer with its listeners, tags and web ACL.
async fn load_balancers(
    client: &v2::Client,
    waf: &aws_sdk_wafv2::Client,
    scope: &Scope,
) -> Vec<LoadBalancer> {
    let pages = client.describe_load_balancers().into_paginator().send();
    let listed: Vec<LoadBalancer> = drain(scope, &ops::ELB_DESCRIBE_LOAD_BALANCERS, pages)
        .await
        .flat_map(|p| p.load_balancers().iter().filter_map(load_balancer))
        .with_partial();
    let mut lbs: Vec<LoadBalancer> = stream::iter(listed)
        .map(|lb| details(client, waf, scope, lb))
        .buffered(crate::PER_RESOURCE_CONCURRENCY)
        .collect()
        .await;
    for batch in lbs.chunks_mut(TAG_BATCH) {
        let arns: Vec<String> = batch.iter().map(|lb| lb.arn.clone()).collect();
        let out = client
            .describe_tags()
            .set_resource_arns(Some(arns))
            .send()
            .await;
        match scope.check(&ops::ELB_DESCRIBE_TAGS, out) {
            Some(out) => {
                for d in out.tag_descriptions() {
                    let Some(lb) = batch
                        .iter_mut()
                        .find(|lb| Some(lb.arn.as_str()) == d.resource_arn())
                    else {
                        continue;
                    };
                    lb.tags = d
                        .tags()
                        .iter()
                        .filter_map(|t| {
                            Some((
                                t.key()?.to_owned(),
                                t.value().unwrap_or_default().to_owned(),
                            ))
                        })
                        .collect();
                }
            }
            None => {
                for lb in batch.iter_mut() {
                    lb.unread.push("DescribeTags".to_owned());
                }
            }
        }
    }
    lbs
}

fn load_balancer(l: &v2::types::LoadBalancer) -> Option<LoadBalancer> {
    Some(LoadBalancer {
        arn: l.load_balancer_arn()?.to_owned(),
        name: l.load_balancer_name().unwrap_or_default().to_owned(),
        lb_type: l.r#type().map(|t| t.as_str().to_owned()),
        scheme: l.scheme().map(|t| t.as_str().to_owned()),
        vpc_id: l.vpc_id().map(str::to_owned),
        subnet_ids: l
            .availability_zones()
            .iter()
            .filter_map(|z| z.subnet_id().map(str::to_owned))
            .collect(),
        security_groups: l.security_groups().to_vec(),
        ip_address_type: l.ip_address_type().map(|t| t.as_str().to_owned()),
        state: l
            .state()
            .and_then(|s| s.code())
            .map(|c| c.as_str().to_owned()),
        dns_name: l.dns_name().map(str::to_owned),
        listeners: Vec::new(),
        web_acl_arn: None,
        unread: Vec::new(),
        tags: BTreeMap::new(),
    })
}

/// The listeners (with their rules' target groups) and web ACL of one load
/// balancer.
async fn details(
    client: &v2::Client,
    waf: &aws_sdk_wafv2::Client,
    scope: &Scope,
    mut lb: LoadBalancer,
) -> LoadBalancer {
    let application = lb.lb_type.as_deref() == Some("application");
    let pages = client
        .describe_listeners()
        .load_balancer_arn(&lb.arn)
        .into_paginator()
        .send();
    match drain(scope, &ops::ELB_DESCRIBE_LISTENERS, pages).await {
        Listing::Complete(pages) => {
            lb.listeners = pages
                .iter()
                .flat_map(|p| p.listeners().iter().filter_map(listener))
                .collect();
        }
        Listing::Partial(..) => lb.unread.push("DescribeListeners".to_owned()),
    }
    if application {
        let mut rules_failed = false;
        for l in &mut lb.listeners {
            match rule_target_groups(client, scope, &l.arn).await {
                Some(arns) => add_all(&mut l.target_group_arns, arns),
                None => rules_failed = true,
            }
        }
        if rules_failed {
            lb.unread.push("DescribeRules".to_owned());
        }
        let out = waf
            .get_web_acl_for_resource()
            .resource_arn(&lb.arn)
            .send()
            .await;
        match scope.check_optional(&ops::WAFV2_GET_WEB_ACL_FOR_RESOURCE, out, NO_WEB_ACL) {
            Some(out) => {
                lb.web_acl_arn = out
                    .as_ref()
                    .and_then(|o| o.web_acl())
                    .map(|a| a.arn().to_owned());
            }
            None => lb.unread.push("GetWebACLForResource".to_owned()),
        }
    }
    lb
}

/// Adds each of `more` to `to` once, keeping the order.
fn add_all(to: &mut Vec<String>, more: impl IntoIterator<Item = String>) {
    for a in more {
        if !to.contains(&a) {
            to.push(a);
        }
    }
}

/// The target groups an action forwards to (its `TargetGroupArn` and every
/// group of a weighted `ForwardConfig`).
fn action_target_groups(a: &v2::types::Action) -> Vec<String> {
    let mut out = Vec::new();
    add_all(&mut out, a.target_group_arn().map(str::to_owned));
    if let Some(f) = a.forward_config() {
        add_all(
            &mut out,
            f.target_groups()
                .iter()
                .filter_map(|t| t.target_group_arn().map(str::to_owned)),
        );
    }
    out
}

fn listener(l: &v2::types::Listener) -> Option<Listener> {
    let mut target_group_arns = Vec::new();
    for a in l.default_actions() {
        add_all(&mut target_group_arns, action_target_groups(a));
    }
    Some(Listener {
        arn: l.listener_arn()?.to_owned(),
        port: l.port().map(i64::from),
        protocol: l.protocol().map(|p| p.as_str().to_owned()),
        ssl_policy: l.ssl_policy().map(str::to_owned),
        target_group_arns,
        default_action_types: l
            .default_actions()
            .iter()
            .filter_map(|a| a.r#type().map(|t| t.as_str().to_owned()))
            .collect(),
    })
}

/// The target groups every rule of a listener forwards to; `None` (and a
/// gap) when the rules could not all be read.
async fn rule_target_groups(
    client: &v2::Client,
    scope: &Scope,
    listener: &str,
) -> Option<Vec<String>> {
    let pages = client
        .describe_rules()
        .listener_arn(listener)
        .into_paginator()
        .send();
    let arns = drain(scope, &ops::ELB_DESCRIBE_RULES, pages)
        .await
        .flat_map(|p| {
            p.rules()
                .iter()
                .flat_map(|r| r.actions())
                .flat_map(action_target_groups)
        })
        .complete()?;
    let mut out = Vec::new();
    add_all(&mut out, arns);
    Some(out)
}

/// Every target group with its targets.
async fn target_groups(client: &v2::Client, scope: &Scope) -> Vec<TargetGroup> {
    let pages = client.describe_target_groups().into_paginator().send();
    let listed: Vec<TargetGroup> = drain(scope, &ops::ELB_DESCRIBE_TARGET_GROUPS, pages)
        .await
        .flat_map(|p| p.target_groups().iter().filter_map(target_group))
        .with_partial();
    stream::iter(listed)
        .map(|mut g| async move {
            let out = client
                .describe_target_health()
                .target_group_arn(&g.arn)
                .send()
                .await;
            match scope.check(&ops::ELB_DESCRIBE_TARGET_HEALTH, out) {
                Some(out) => {
                    g.targets = out
                        .target_health_descriptions()
                        .iter()
                        .filter_map(|d| {
                            let t = d.target()?;
                            Some(Target {
                                id: t.id()?.to_owned(),
                                port: t.port().map(i64::from),
                                availability_zone: t.availability_zone().map(str::to_owned),
                                health_state: d
                                    .target_health()
                                    .and_then(|h| h.state())
                                    .map(|s| s.as_str().to_owned()),
                            })
                        })
                        .collect();
                }
                None => g.unread.push("DescribeTargetHealth".to_owned()),
            }
            g
        })
        .buffered(crate::PER_RESOURCE_CONCURRENCY)
        .collect()
        .await
}

fn target_group(g: &v2::types::TargetGroup) -> Option<TargetGroup> {
    let mut load_balancer_arns = Vec::new();
    add_all(
        &mut load_balancer_arns,
        g.load_balancer_arns().iter().cloned(),
    );
    Some(TargetGroup {
        arn: g.target_group_arn()?.to_owned(),
        name: g.target_group_name().unwrap_or_default().to_owned(),
        target_type: g.target_type().map(|t| t.as_str().to_owned()),
        protocol: g.protocol().map(|p| p.as_str().to_owned()),
        port: g.port().map(i64::from),
        vpc_id: g.vpc_id().map(str::to_owned),
        load_balancer_arns,
        targets: Vec::new(),
        unread: Vec::new(),
    })
}

/// Every classic load balancer with its tags.
async fn classic_load_balancers(
    client: &classic::Client,
    scope: &Scope,
) -> Vec<ClassicLoadBalancer> {
    let pages = client.describe_load_balancers().into_paginator().send();
    let mut lbs: Vec<ClassicLoadBalancer> =
        drain(scope, &ops::ELB_DESCRIBE_CLASSIC_LOAD_BALANCERS, pages)
            .await
            .flat_map(|p| {
                p.load_balancer_descriptions()
                    .iter()
                    .filter_map(|d| classic_lb(scope, d))
            })
            .with_partial();
    for batch in lbs.chunks_mut(TAG_BATCH) {
        let names: Vec<String> = batch.iter().map(|lb| lb.name.clone()).collect();
        let out = client
            .describe_tags()
            .set_load_balancer_names(Some(names))
            .send()
            .await;
        match scope.check(&ops::ELB_DESCRIBE_CLASSIC_TAGS, out) {
            Some(out) => {
                for d in out.tag_descriptions() {
                    let Some(lb) = batch
                        .iter_mut()
                        .find(|lb| Some(lb.name.as_str()) == d.load_balancer_name())
                    else {
                        continue;
                    };
                    lb.tags = d
                        .tags()
                        .iter()
                        .map(|t| (t.key().to_owned(), t.value().unwrap_or_default().to_owned()))
                        .collect();
                }
            }
            None => {
                for lb in batch.iter_mut() {
                    lb.unread.push("DescribeTags".to_owned());
                }
            }
        }
    }
    lbs
}

fn classic_lb(
    scope: &Scope,
    d: &classic::types::LoadBalancerDescription,
) -> Option<ClassicLoadBalancer> {
    let name = d.load_balancer_name()?;
    Some(ClassicLoadBalancer {
        arn: scope.arn("elasticloadbalancing", &format!("loadbalancer/{name}")),
        name: name.to_owned(),
        scheme: d.scheme().map(str::to_owned),
        vpc_id: d.vpc_id().map(str::to_owned),
        subnet_ids: d.subnets().to_vec(),
        security_groups: d.security_groups().to_vec(),
        listeners: d
            .listener_descriptions()
            .iter()
            .filter_map(|l| l.listener())
            .map(|l| ClassicListener {
                protocol: Some(l.protocol().to_owned()),
                load_balancer_port: i64::from(l.load_balancer_port()),
                instance_protocol: l.instance_protocol().map(str::to_owned),
                instance_port: i64::from(l.instance_port()),
            })
            .collect(),
        instance_ids: d
            .instances()
            .iter()
            .filter_map(|i| i.instance_id().map(str::to_owned))
            .collect(),
        dns_name: d.dns_name().map(str::to_owned),
        unread: Vec::new(),
        tags: BTreeMap::new(),
    })
}

/// Counts for the progress display.
pub fn counts(v: &Elb) -> String {
    format!(
        "{} load balancers, {} target groups, {} classic",
        v.load_balancers.len(),
        v.target_groups.len(),
        v.classic_load_balancers.len()
    )
}

#[cfg(test)]
#[path = "elb_tests.rs"]
mod tests;
