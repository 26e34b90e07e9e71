//! S3 buckets (account-wide) and KMS keys (skeleton for issue 13).

use cedar_policy::EntityUid;
use palisade_model::{Account, RegionData};

use super::node::{Attrs, Ctx};
use super::GraphBuilder;

/// Entity type names of this module.
#[derive(Debug, Clone, Default)]
pub(crate) struct StorageTypes {}

impl GraphBuilder {
    /// Account-wide attributes of this module's services.
    pub(super) fn storage_account_attrs(&self, _a: &Account, attrs: Attrs) -> Attrs {
        attrs
    }

    /// Region-wide attributes of this module's services.
    pub(super) fn storage_region_attrs(
        &self,
        _a: &Account,
        _region: &str,
        _d: &RegionData,
        attrs: Attrs,
    ) -> Attrs {
        attrs
    }

    /// Adds the S3 buckets of the account.
    pub(super) fn build_s3(&self, _g: &mut Ctx<'_>, _acct_uid: &EntityUid) {}

    /// Adds the KMS keys of one region.
    pub(super) fn build_kms(
        &self,
        _g: &mut Ctx<'_>,
        _region_uid: &EntityUid,
        _region: &str,
        _d: &RegionData,
    ) {
    }
}
