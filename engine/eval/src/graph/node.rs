//! The one way entities enter an account graph: `g.node(&ty, id, region)`
//! derives the entity uid from its type and id, then `.name()`, `.parent()`,
//! `.attrs()`, `.tags()` and `.add()` (or `.broken(reason)` for data that
//! cannot become a valid entity). Also the attribute list builder [`Attrs`].

use std::collections::BTreeMap;
use std::rc::Rc;

use cedar_policy::{Entity, EntityId, EntityTypeName, EntityUid, RestrictedExpression};
use palisade_model::Account;

use super::{AccountGraph, FactKind, FactNote};
use crate::result::ResourceRef;

/// Attribute list under construction, with the facts that could not be
/// known (left out of the entity) and the notes that explain a pass.
#[derive(Default)]
pub(super) struct Attrs(
    Vec<(String, RestrictedExpression)>,
    Vec<(String, FactKind, String)>,
);

impl Attrs {
    /// A string attribute.
    pub(super) fn s(mut self, k: &str, v: &str) -> Self {
        self.0
            .push((k.into(), RestrictedExpression::new_string(v.to_owned())));
        self
    }
    /// A boolean attribute.
    pub(super) fn b(mut self, k: &str, v: bool) -> Self {
        self.0.push((k.into(), RestrictedExpression::new_bool(v)));
        self
    }
    /// A long attribute.
    pub(super) fn l(mut self, k: &str, v: i64) -> Self {
        self.0.push((k.into(), RestrictedExpression::new_long(v)));
        self
    }
    /// A count (saturating at `i64::MAX`).
    pub(super) fn n(self, k: &str, v: usize) -> Self {
        self.l(k, i64::try_from(v).unwrap_or(i64::MAX))
    }
    /// An optional long attribute (absent when `None`).
    pub(super) fn opt_l(self, k: &str, v: Option<i64>) -> Self {
        match v {
            Some(v) => self.l(k, v),
            None => self,
        }
    }
    /// An optional string attribute (absent when `None`).
    pub(super) fn opt_s(self, k: &str, v: Option<&str>) -> Self {
        match v {
            Some(v) => self.s(k, v),
            None => self,
        }
    }
    /// An optional boolean attribute (absent when `None`).
    pub(super) fn opt_b(self, k: &str, v: Option<bool>) -> Self {
        match v {
            Some(v) => self.b(k, v),
            None => self,
        }
    }
    /// A set of strings.
    pub(super) fn set_s<I, S>(mut self, k: &str, v: I) -> Self
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
    /// A set of longs.
    pub(super) fn set_l(mut self, k: &str, v: &[i64]) -> Self {
        self.0.push((
            k.into(),
            RestrictedExpression::new_set(v.iter().map(|p| RestrictedExpression::new_long(*p))),
        ));
        self
    }
    /// Attribute `k` is unknown (`reason` says why): the caller leaves it
    /// out of the entity (an optional attribute) or gives it a placeholder
    /// (a required one), and every check that reads it is not evaluated on
    /// this resource, whatever Cedar decides.
    pub(super) fn unknown(mut self, k: &str, reason: impl Into<String>) -> Self {
        self.1.push((k.into(), FactKind::Unknown, reason.into()));
        self
    }
    /// A pass of a check that reads attribute `k` carries `note` as its
    /// message (why it passes, e.g. "no root credentials exist").
    pub(super) fn note(mut self, k: &str, note: impl Into<String>) -> Self {
        self.1.push((k.into(), FactKind::PassNote, note.into()));
        self
    }
    /// An `ipaddr` attribute (absent when `None`).
    pub(super) fn ip(mut self, k: &str, v: Option<&str>) -> Self {
        if let Some(v) = v {
            self.0.push((k.into(), RestrictedExpression::new_ip(v)));
        }
        self
    }
}

/// The graph of one account under construction.
pub(super) struct Ctx<'a> {
    /// What has been built so far.
    pub(super) graph: AccountGraph,
    /// The account being built.
    pub(super) account: &'a Account,
    /// The account's escalating managed policies, computed the first time a
    /// document conditions on `iam:PolicyARN` (see [`Ctx::escalation_policies`]).
    escalation: Option<Rc<[String]>>,
}

impl<'a> Ctx<'a> {
    /// A context for building `account`'s graph.
    pub(super) fn new(account: &'a Account) -> Self {
        Ctx {
            graph: AccountGraph::default(),
            account,
            escalation: None,
        }
    }

    /// The account's escalating managed policies
    /// ([`facts::iam::escalation_policies`](crate::facts::iam::escalation_policies)),
    /// computed once per account: every policy document judges each of them.
    pub(super) fn escalation_policies(&mut self) -> Rc<[String]> {
        let account = self.account;
        Rc::clone(self.escalation.get_or_insert_with(|| {
            crate::facts::iam::escalation_policies(&account.iam, &account.partition).into()
        }))
    }

    /// Starts an entity of type `ty` with resource id `id` in `region`; its
    /// uid is derived from the two. The name defaults to the id.
    pub(super) fn node<'c>(
        &'c mut self,
        ty: &EntityTypeName,
        id: impl Into<String>,
        region: &str,
    ) -> Node<'c, 'a> {
        Node {
            ctx: self,
            ty: ty.clone(),
            id: id.into(),
            region: region.to_owned(),
            name: None,
            parents: Vec::new(),
            attrs: Attrs::default(),
            entity_tags: Vec::new(),
            ref_tags: BTreeMap::new(),
        }
    }

    /// True when a resource with this id was recorded as broken.
    pub(super) fn is_broken(&self, id: &str) -> bool {
        self.graph.broken.iter().any(|(_, r, _)| r.id == id)
    }
}

/// One entity under construction (see [`Ctx::node`]).
#[must_use = "a node is only recorded by .add() or .broken()"]
pub(super) struct Node<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    ty: EntityTypeName,
    id: String,
    region: String,
    name: Option<String>,
    parents: Vec<EntityUid>,
    attrs: Attrs,
    entity_tags: Vec<(String, RestrictedExpression)>,
    ref_tags: BTreeMap<String, String>,
}

impl Node<'_, '_> {
    /// The display name for reports.
    pub(super) fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// A parent entity (the owner).
    pub(super) fn parent(mut self, uid: &EntityUid) -> Self {
        self.parents.push(uid.clone());
        self
    }

    /// The entity's attributes.
    pub(super) fn attrs(mut self, attrs: Attrs) -> Self {
        self.attrs = attrs;
        self
    }

    /// The entity's own tags: Cedar entity tags, and report tags.
    pub(super) fn tags(mut self, tags: &BTreeMap<String, String>) -> Self {
        self.entity_tags = tags
            .iter()
            .map(|(k, v)| (k.clone(), RestrictedExpression::new_string(v.clone())))
            .collect();
        self.ref_tags = tags.clone();
        self
    }

    /// The owning resource's tags, for reports and waivers only (the entity
    /// type declares no tags).
    pub(super) fn inherited_tags(mut self, tags: &BTreeMap<String, String>) -> Self {
        self.ref_tags = tags.clone();
        self
    }

    fn reference(&mut self) -> ResourceRef {
        ResourceRef {
            id: self.id.clone(),
            resource_type: self.ty.to_string(),
            account_id: self.ctx.account.account_id.clone(),
            region: std::mem::take(&mut self.region),
            name: self.name.take().unwrap_or_else(|| self.id.clone()),
            tags: std::mem::take(&mut self.ref_tags),
        }
    }

    /// Records the entity and its resource reference (or, when Cedar rejects
    /// the entity, a broken resource); returns its uid.
    pub(super) fn add(mut self) -> EntityUid {
        let uid = EntityUid::from_type_name_and_id(self.ty.clone(), EntityId::new(&self.id));
        let r = self.reference();
        let Attrs(attrs, facts) = std::mem::take(&mut self.attrs);
        self.ctx
            .graph
            .facts
            .extend(facts.into_iter().map(|(attr, kind, text)| FactNote {
                resource_type: r.resource_type.clone(),
                resource_id: r.id.clone(),
                attr,
                kind,
                text,
            }));
        let parents = std::mem::take(&mut self.parents);
        let tags = std::mem::take(&mut self.entity_tags);
        match Entity::new_with_tags(uid.clone(), attrs, parents, tags) {
            Ok(e) => {
                self.ctx.graph.entities.push(e);
                self.ctx.graph.resources.push((uid.clone(), self.ty, r));
            }
            Err(e) => self.ctx.graph.broken.push((self.ty, r, e.to_string())),
        }
        uid
    }

    /// Records a resource whose data cannot become a valid entity: every
    /// check over its type reports an `error` for it, with `reason`.
    pub(super) fn broken(mut self, reason: impl Into<String>) {
        let r = self.reference();
        self.ctx.graph.broken.push((self.ty, r, reason.into()));
    }
}
