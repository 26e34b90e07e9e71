//! GuardDuty, Security Hub, Access Analyzer, VPC flow logs, EBS default encryption, RDS and EFS (skeleton for issue 13).

use cedar_policy::EntityUid;
use palisade_model::{Account, RegionData};

use super::node::{Attrs, Ctx};
use super::GraphBuilder;

/// Entity type names of this module.
#[derive(Debug, Clone, Default)]
pub(crate) struct DetectionTypes {}

impl GraphBuilder {
    /// Account-wide attributes of this module's services.
    pub(super) fn detection_account_attrs(&self, _a: &Account, attrs: Attrs) -> Attrs {
        attrs
    }

    /// Region-wide attributes of this module's services.
    pub(super) fn detection_region_attrs(
        &self,
        _a: &Account,
        _region: &str,
        _d: &RegionData,
        attrs: Attrs,
    ) -> Attrs {
        attrs
    }

    /// Adds the detectors, analyzers, databases and file systems of one region.
    pub(super) fn build_detection(
        &self,
        _g: &mut Ctx<'_>,
        _region_uid: &EntityUid,
        _region: &str,
        _d: &RegionData,
    ) {
    }
}
