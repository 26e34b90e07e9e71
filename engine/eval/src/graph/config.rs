//! AWS Config: one entity per configuration recorder, child of its region.

use cedar_policy::EntityUid;
use palisade_model::RegionData;

use super::node::{Attrs, Ctx};
use super::GraphBuilder;

impl GraphBuilder {
    /// Adds the configuration recorders of one region.
    pub(super) fn build_config(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        d: &RegionData,
    ) {
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
            g.node(&self.types.recorder, &r.arn, region)
                .name(&r.name)
                .parent(region_uid)
                .attrs(attrs)
                .add();
        }
    }
}
