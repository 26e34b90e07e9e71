//! Load balancers, Auto Scaling groups, launch templates and routing
//! (issue 14) as entities, children of their region: what the fleet rules
//! judge (WAF on internet-facing load balancers, Auto Scaling settings,
//! VPC peering routes, the default VPC in use).
//!
//! SKELETON: hook points only.

use cedar_policy::EntityUid;
use palisade_model::RegionData;

use super::node::{Attrs, Ctx};
use super::GraphBuilder;

/// Entity type names of this module.
#[derive(Debug, Clone, Default)]
pub(crate) struct FleetTypes {}

impl GraphBuilder {
    /// Region entity attributes of this area.
    pub(super) fn fleet_region_attrs(&self, _region: &str, _d: &RegionData, attrs: Attrs) -> Attrs {
        attrs
    }

    /// VPC entity attributes of this area (e.g. whether the VPC is in use).
    pub(super) fn fleet_vpc_attrs(&self, _vpc_id: &str, _d: &RegionData, attrs: Attrs) -> Attrs {
        attrs
    }

    /// Adds the load balancers, groups, templates and routes of one region.
    pub(super) fn build_fleet(
        &self,
        _g: &mut Ctx<'_>,
        _region_uid: &EntityUid,
        _region: &str,
        _d: &RegionData,
    ) {
    }
}
