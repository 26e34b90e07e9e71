//! Launch settings (issue 14): which launch template version or launch
//! configuration an Auto Scaling group launches with, and what that means
//! for the public IPv4 address and the instance metadata service (IMDS) of
//! the instances it starts.
//!
//! Judgements, chosen for what a security team expects:
//! - Public IP: an interface with `AssociatePublicIpAddress = true` assigns
//!   one; `false` on the primary interface assigns none; not set, the subnet
//!   decides (`MapPublicIpOnLaunch`). A group gets a public address when any
//!   of its subnets would give one (some of its instances will be public).
//! - IMDSv1: allowed unless the settings require tokens (`HttpTokens =
//!   required`) or turn the metadata service off (`HttpEndpoint =
//!   disabled`). Settings that leave the metadata options unset count as
//!   allowing IMDSv1: the instance then takes the AMI's or the account's
//!   default, which Palisade does not read, and AWS's own default for most
//!   AMIs is `optional`. FSBP AutoScaling.3 and Prowler judge unset options
//!   the same way.

use palisade_model::compute::{
    AutoScaling, AutoScalingGroup, LaunchConfiguration, LaunchTemplate, LaunchTemplateRef,
    LaunchTemplateVersion, MetadataOptions,
};
use palisade_model::ec2::{Ec2, Subnet};

/// What launch settings say about a public IPv4 address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicIp {
    /// Set explicitly (`AssociatePublicIpAddress`).
    Explicit(bool),
    /// Not set: the subnet decides; the interface's subnet when it names one.
    SubnetDecides(Option<String>),
}

/// The launch settings a group resolves to.
#[derive(Debug, Clone, PartialEq)]
pub struct Launch<'a> {
    /// `launch_template`, `mixed_instances_policy` or `launch_configuration`.
    pub source: &'static str,
    /// Template id and version number, or the configuration's name.
    pub label: String,
    /// Public IP setting.
    pub public_ip: PublicIp,
    /// IMDS options as set (`None`: not set).
    pub metadata: Option<&'a MetadataOptions>,
}

/// True when instances launched with `m` accept IMDSv1 requests (see the
/// module documentation for unset options).
pub fn imdsv1_allowed(m: Option<&MetadataOptions>) -> bool {
    let Some(m) = m else { return true };
    if m.http_endpoint.as_deref() == Some("disabled") {
        return false;
    }
    m.http_tokens.as_deref() != Some("required")
}

/// The public IP setting of a launch template version.
pub fn version_public_ip(v: &LaunchTemplateVersion) -> PublicIp {
    if v.network_interfaces
        .iter()
        .any(|i| i.associate_public_ip_address == Some(true))
    {
        return PublicIp::Explicit(true);
    }
    let primary = v
        .network_interfaces
        .iter()
        .find(|i| i.device_index.unwrap_or(0) == 0);
    match primary {
        Some(i) => match i.associate_public_ip_address {
            Some(b) => PublicIp::Explicit(b),
            None => PublicIp::SubnetDecides(i.subnet_id.clone()),
        },
        None => PublicIp::SubnetDecides(None),
    }
}

/// The version of `lt` that `version` (`$Default`, `$Latest`, a number,
/// `None` = `$Default`) names; `Err` says why it is not in the snapshot.
pub fn template_version<'a>(
    lt: &'a LaunchTemplate,
    version: Option<&str>,
) -> Result<&'a LaunchTemplateVersion, String> {
    let id = &lt.launch_template_id;
    let number = match version.unwrap_or("$Default") {
        "$Default" => lt.default_version,
        "$Latest" => lt.latest_version,
        n => n.parse::<i64>().ok(),
    };
    let Some(number) = number else {
        return Err(format!(
            "launch template {id} version {:?} could not be resolved to a version number",
            version.unwrap_or("$Default")
        ));
    };
    let Some(versions) = &lt.versions else {
        return Err(format!(
            "the versions of launch template {id} were not read (DescribeLaunchTemplateVersions)"
        ));
    };
    versions
        .iter()
        .find(|v| v.version_number == number)
        .ok_or_else(|| format!("launch template {id} version {number} is not in the snapshot"))
}

/// The template a group's reference names (by id, else by name).
fn find_template<'a>(ec2: &'a Ec2, r: &LaunchTemplateRef) -> Result<&'a LaunchTemplate, String> {
    let Some(templates) = &ec2.launch_templates else {
        return Err("the region's launch templates were not read (DescribeLaunchTemplates)".into());
    };
    let found = templates.iter().find(|lt| match &r.launch_template_id {
        Some(id) => lt.launch_template_id == *id,
        None => r.launch_template_name.is_some() && lt.name == r.launch_template_name,
    });
    let name = r
        .launch_template_id
        .as_deref()
        .or(r.launch_template_name.as_deref())
        .unwrap_or("(unnamed)");
    found.ok_or_else(|| format!("launch template {name} is not in the snapshot"))
}

/// The launch settings `g` resolves to: its launch template, the template
/// of its mixed instances policy, or its launch configuration. `Err` says
/// why they are unknown.
pub fn resolve<'a>(
    g: &AutoScalingGroup,
    ec2: &'a Ec2,
    asg: &'a AutoScaling,
) -> Result<Launch<'a>, String> {
    let template = match (&g.launch_template, &g.mixed_instances_launch_template) {
        (Some(r), _) => Some(("launch_template", r)),
        (None, Some(r)) => Some(("mixed_instances_policy", r)),
        (None, None) => None,
    };
    if let Some((source, r)) = template {
        let lt = find_template(ec2, r)?;
        let v = template_version(lt, r.version.as_deref())?;
        return Ok(Launch {
            source,
            label: format!("{} version {}", lt.launch_template_id, v.version_number),
            public_ip: version_public_ip(v),
            metadata: v.metadata_options.as_ref(),
        });
    }
    let Some(name) = &g.launch_configuration_name else {
        return Err("the group names no launch template or launch configuration".into());
    };
    let lc: &LaunchConfiguration = asg
        .launch_configurations
        .iter()
        .find(|lc| lc.name == *name)
        .ok_or_else(|| format!("launch configuration {name} is not in the snapshot"))?;
    Ok(Launch {
        source: "launch_configuration",
        label: lc.name.clone(),
        public_ip: match lc.associate_public_ip_address {
            Some(b) => PublicIp::Explicit(b),
            None => PublicIp::SubnetDecides(None),
        },
        metadata: lc.metadata_options.as_ref(),
    })
}

/// Whether instances a group launches get a public IPv4 address: the
/// explicit setting, else whether any of the subnets it launches into maps
/// public IPs on launch (the group's subnets, or, without any, the default
/// subnets of its availability zones). `Err` says why it is unknown.
pub fn group_public_ip(
    g: &AutoScalingGroup,
    launch: &Launch<'_>,
    ec2: &Ec2,
) -> Result<bool, String> {
    let from_interface = match &launch.public_ip {
        PublicIp::Explicit(b) => return Ok(*b),
        PublicIp::SubnetDecides(s) => s.clone(),
    };
    let subnets: Vec<&Subnet> = if let Some(id) = from_interface {
        vec![subnet(ec2, &id)?]
    } else if g.subnet_ids.is_empty() {
        let defaults: Vec<&Subnet> = ec2
            .subnets
            .iter()
            .filter(|s| {
                s.default_for_az
                    && s.availability_zone
                        .as_ref()
                        .is_some_and(|az| g.availability_zones.contains(az))
            })
            .collect();
        if defaults.is_empty() {
            return Err(
                "the group names no subnet and no default subnet of its zones is in the snapshot"
                    .into(),
            );
        }
        defaults
    } else {
        g.subnet_ids
            .iter()
            .map(|id| subnet(ec2, id))
            .collect::<Result<_, _>>()?
    };
    Ok(subnets.iter().any(|s| s.map_public_ip_on_launch))
}

/// A subnet by id, `Err` when it is not in the snapshot.
pub fn subnet<'a>(ec2: &'a Ec2, id: &str) -> Result<&'a Subnet, String> {
    ec2.subnets
        .iter()
        .find(|s| s.subnet_id == id)
        .ok_or_else(|| {
            format!(
                "subnet {id} is not in the snapshot, so whether it assigns public IPs is unknown"
            )
        })
}

#[cfg(test)]
mod tests {
    use palisade_model::compute::LaunchTemplateInterface;

    use super::*;

    fn options(tokens: Option<&str>, endpoint: Option<&str>) -> MetadataOptions {
        MetadataOptions {
            http_tokens: tokens.map(Into::into),
            http_endpoint: endpoint.map(Into::into),
            http_put_response_hop_limit: None,
        }
    }

    fn version(n: i64, public: Option<bool>, tokens: Option<&str>) -> LaunchTemplateVersion {
        LaunchTemplateVersion {
            version_number: n,
            network_interfaces: vec![LaunchTemplateInterface {
                device_index: Some(0),
                associate_public_ip_address: public,
                ..LaunchTemplateInterface::default()
            }],
            metadata_options: tokens.map(|t| options(Some(t), Some("enabled"))),
            ..LaunchTemplateVersion::default()
        }
    }

    fn template() -> LaunchTemplate {
        LaunchTemplate {
            launch_template_id: "lt-1".into(),
            name: Some("web".into()),
            default_version: Some(1),
            latest_version: Some(2),
            versions: Some(vec![
                version(1, Some(false), Some("required")),
                version(2, Some(true), Some("optional")),
            ]),
            ..LaunchTemplate::default()
        }
    }

    fn subnet_of(id: &str, az: &str, public: bool, default: bool) -> Subnet {
        Subnet {
            subnet_id: id.into(),
            availability_zone: Some(az.into()),
            map_public_ip_on_launch: public,
            default_for_az: default,
            ..Subnet::default()
        }
    }

    #[test]
    fn imdsv1_is_allowed_unless_tokens_are_required_or_the_service_is_off() {
        assert!(imdsv1_allowed(None));
        assert!(imdsv1_allowed(Some(&options(Some("optional"), None))));
        assert!(imdsv1_allowed(Some(&options(None, Some("enabled")))));
        assert!(!imdsv1_allowed(Some(&options(Some("required"), None))));
        assert!(!imdsv1_allowed(Some(&options(
            Some("optional"),
            Some("disabled")
        ))));
    }

    #[test]
    fn versions_resolve_by_default_latest_and_number() {
        let lt = template();
        assert_eq!(template_version(&lt, None).unwrap().version_number, 1);
        assert_eq!(
            template_version(&lt, Some("$Default"))
                .unwrap()
                .version_number,
            1
        );
        assert_eq!(
            template_version(&lt, Some("$Latest"))
                .unwrap()
                .version_number,
            2
        );
        assert_eq!(template_version(&lt, Some("2")).unwrap().version_number, 2);
        let missing = template_version(&lt, Some("7")).unwrap_err();
        assert!(
            missing.contains("version 7 is not in the snapshot"),
            "{missing}"
        );
        let unread = LaunchTemplate {
            versions: None,
            ..template()
        };
        assert!(template_version(&unread, None)
            .unwrap_err()
            .contains("not read"));
    }

    #[test]
    fn a_group_resolves_its_template_mixed_policy_or_configuration() {
        let ec2 = Ec2 {
            launch_templates: Some(vec![template()]),
            ..Ec2::default()
        };
        let asg = AutoScaling {
            launch_configurations: vec![LaunchConfiguration {
                name: "lc".into(),
                associate_public_ip_address: Some(true),
                ..LaunchConfiguration::default()
            }],
            ..AutoScaling::default()
        };
        let latest = AutoScalingGroup {
            mixed_instances_launch_template: Some(LaunchTemplateRef {
                launch_template_name: Some("web".into()),
                version: Some("$Latest".into()),
                ..LaunchTemplateRef::default()
            }),
            ..AutoScalingGroup::default()
        };
        let l = resolve(&latest, &ec2, &asg).unwrap();
        assert_eq!(
            (l.source, l.label.as_str()),
            ("mixed_instances_policy", "lt-1 version 2")
        );
        assert_eq!(l.public_ip, PublicIp::Explicit(true));
        assert!(imdsv1_allowed(l.metadata));
        let lc = AutoScalingGroup {
            launch_configuration_name: Some("lc".into()),
            ..AutoScalingGroup::default()
        };
        assert_eq!(
            resolve(&lc, &ec2, &asg).unwrap().source,
            "launch_configuration"
        );
        let gone = AutoScalingGroup {
            launch_configuration_name: Some("deleted".into()),
            ..AutoScalingGroup::default()
        };
        assert!(resolve(&gone, &ec2, &asg).unwrap_err().contains("deleted"));
        let unread = Ec2::default();
        assert!(resolve(&latest, &unread, &asg)
            .unwrap_err()
            .contains("not read"));
    }

    #[test]
    fn unset_public_ip_follows_the_subnets_any_public_subnet_counts() {
        let ec2 = Ec2 {
            subnets: vec![
                subnet_of("subnet-private", "us-east-1a", false, false),
                subnet_of("subnet-public", "us-east-1b", true, false),
                subnet_of("subnet-default", "us-east-1c", true, true),
            ],
            ..Ec2::default()
        };
        let launch = Launch {
            source: "launch_configuration",
            label: "lc".into(),
            public_ip: PublicIp::SubnetDecides(None),
            metadata: None,
        };
        let group = |subnets: &[&str], azs: &[&str]| AutoScalingGroup {
            subnet_ids: subnets.iter().map(|s| (*s).to_owned()).collect(),
            availability_zones: azs.iter().map(|s| (*s).to_owned()).collect(),
            ..AutoScalingGroup::default()
        };
        assert_eq!(
            group_public_ip(&group(&["subnet-private"], &[]), &launch, &ec2),
            Ok(false)
        );
        let mixed = group(&["subnet-private", "subnet-public"], &[]);
        assert_eq!(group_public_ip(&mixed, &launch, &ec2), Ok(true));
        assert_eq!(
            group_public_ip(&group(&[], &["us-east-1c"]), &launch, &ec2),
            Ok(true)
        );
        assert!(group_public_ip(&group(&["subnet-gone"], &[]), &launch, &ec2).is_err());
        assert!(group_public_ip(&group(&[], &["us-east-1a"]), &launch, &ec2).is_err());
        let explicit = Launch {
            public_ip: PublicIp::Explicit(false),
            ..launch
        };
        assert_eq!(group_public_ip(&mixed, &explicit, &ec2), Ok(false));
    }
}
