//! Effective exposure (issue 14): EC2 instances and network interfaces as
//! entities with their reachability from the internet, and the verdict on
//! security group rules and network ACL entries, from the pure
//! [`crate::facts::reachability`] computation (once per region). The path
//! behind each verdict goes to [`super::AccountGraph::exposures`].
//!
//! SKELETON: hook points only.

use cedar_policy::{EntityTypeName, EntityUid};
use palisade_model::RegionData;

use super::node::{Attrs, Ctx};
use super::types::ty;
use super::GraphBuilder;

/// Entity type names of this module.
#[derive(Debug, Clone)]
pub(crate) struct ExposureTypes {
    pub(super) instance: EntityTypeName,
    pub(super) network_interface: EntityTypeName,
}

impl Default for ExposureTypes {
    fn default() -> Self {
        Self {
            instance: ty("AWS::EC2::Instance"),
            network_interface: ty("AWS::EC2::NetworkInterface"),
        }
    }
}

impl GraphBuilder {
    /// Region entity attributes of this area.
    pub(super) fn exposure_region_attrs(
        &self,
        _region: &str,
        _d: &RegionData,
        attrs: Attrs,
    ) -> Attrs {
        attrs
    }

    /// Adds the instances and network interfaces of one region.
    pub(super) fn build_exposure(
        &self,
        _g: &mut Ctx<'_>,
        _region_uid: &EntityUid,
        _region: &str,
        _d: &RegionData,
    ) {
    }
}
