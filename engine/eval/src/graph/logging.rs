//! CloudTrail trails, CloudWatch Logs metric filters and the alarms on them (skeleton for issue 13).

use cedar_policy::EntityUid;
use palisade_model::{Account, RegionData};

use super::node::{Attrs, Ctx};
use super::GraphBuilder;

/// Entity type names of this module.
#[derive(Debug, Clone, Default)]
pub(crate) struct LoggingTypes {}

impl GraphBuilder {
    /// Account-wide attributes of this module's services.
    pub(super) fn logging_account_attrs(&self, _a: &Account, attrs: Attrs) -> Attrs {
        attrs
    }

    /// Region-wide attributes of this module's services.
    pub(super) fn logging_region_attrs(
        &self,
        _a: &Account,
        _region: &str,
        _d: &RegionData,
        attrs: Attrs,
    ) -> Attrs {
        attrs
    }

    /// Adds the trails, metric filters and alarms of one region.
    pub(super) fn build_logging(
        &self,
        _g: &mut Ctx<'_>,
        _region_uid: &EntityUid,
        _region: &str,
        _d: &RegionData,
    ) {
    }
}
