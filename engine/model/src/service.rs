//! The AWS services Palisade collects ([`Service`]) and the catalogue of every
//! API operation the collectors call ([`Operation`], [`OPERATIONS`]).
//!
//! This is the single list: coverage records, rule metadata (`service`,
//! `depends_on`), the collector dispatch and the shipped least-privilege IAM
//! policy are all checked against it.

use std::fmt;
use std::str::FromStr;

/// An AWS service the collectors read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    /// AWS Identity and Access Management (global).
    Iam,
    /// Amazon EC2 networking (regional).
    Ec2,
    /// AWS WAFv2 (regional; CLOUDFRONT web ACLs are listed under us-east-1).
    Wafv2,
    /// AWS Backup (regional).
    Backup,
    /// AWS Config (regional).
    Config,
    /// AWS Artifact (global, served from us-east-1).
    Artifact,
}

impl Service {
    /// Every service, in collection order.
    pub const ALL: [Service; 6] = [
        Service::Iam,
        Service::Ec2,
        Service::Wafv2,
        Service::Backup,
        Service::Config,
        Service::Artifact,
    ];

    /// The name used in coverage records, rule metadata and IAM actions
    /// (`iam`, `ec2`, `wafv2`, `backup`, `config`, `artifact`).
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Iam => "iam",
            Service::Ec2 => "ec2",
            Service::Wafv2 => "wafv2",
            Service::Backup => "backup",
            Service::Config => "config",
            Service::Artifact => "artifact",
        }
    }

    /// True for a global service: collected once per account, its coverage
    /// recorded under [`crate::GLOBAL_REGION`].
    pub fn is_global(self) -> bool {
        match self {
            Service::Iam | Service::Artifact => true,
            Service::Ec2 | Service::Wafv2 | Service::Backup | Service::Config => false,
        }
    }

    /// The operations of this service the collectors call.
    pub fn operations(self) -> impl Iterator<Item = &'static Operation> {
        OPERATIONS.iter().filter(move |o| o.service == self)
    }

    /// The operation `api` of this service, if the collectors call it.
    pub fn operation(self, api: &str) -> Option<&'static Operation> {
        self.operations().find(|o| o.api == api)
    }

    /// The names of every service, comma-separated (for error messages).
    pub fn names() -> String {
        Self::ALL.map(Service::as_str).join(", ")
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A service name that is not one of [`Service::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown service {0:?} (known: {names})", names = Service::names())]
pub struct UnknownService(pub String);

impl FromStr for Service {
    type Err = UnknownService;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownService(s.to_owned()))
    }
}

/// One AWS API operation the collectors call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Operation {
    /// The service.
    pub service: Service,
    /// API operation name, e.g. `DescribeSecurityGroups`.
    pub api: &'static str,
}

impl Operation {
    /// The IAM action that authorises the call, e.g. `ec2:DescribeSecurityGroups`.
    pub fn iam_action(&self) -> String {
        format!("{}:{}", self.service, self.api)
    }
}

macro_rules! operations {
    ($($name:ident = $service:ident : $api:literal;)*) => {
        /// One constant per operation, named `SERVICE_API`.
        pub mod ops {
            use super::{Operation, Service};
            $(
                #[doc = concat!("`", stringify!($service), ":", $api, "`.")]
                pub const $name: Operation = Operation { service: Service::$service, api: $api };
            )*
        }
        /// Every operation the collectors call.
        pub const OPERATIONS: &[Operation] = &[$(ops::$name),*];
    };
}

operations! {
    IAM_GET_ACCOUNT_AUTHORIZATION_DETAILS = Iam: "GetAccountAuthorizationDetails";
    IAM_GENERATE_CREDENTIAL_REPORT = Iam: "GenerateCredentialReport";
    IAM_GET_CREDENTIAL_REPORT = Iam: "GetCredentialReport";
    IAM_GET_ACCOUNT_PASSWORD_POLICY = Iam: "GetAccountPasswordPolicy";
    IAM_GET_ACCOUNT_SUMMARY = Iam: "GetAccountSummary";
    IAM_LIST_VIRTUAL_MFA_DEVICES = Iam: "ListVirtualMFADevices";
    IAM_LIST_MFA_DEVICES = Iam: "ListMFADevices";
    IAM_LIST_ACCESS_KEYS = Iam: "ListAccessKeys";
    IAM_GET_ACCESS_KEY_LAST_USED = Iam: "GetAccessKeyLastUsed";
    IAM_GET_LOGIN_PROFILE = Iam: "GetLoginProfile";
    EC2_DESCRIBE_REGIONS = Ec2: "DescribeRegions";
    EC2_DESCRIBE_VPCS = Ec2: "DescribeVpcs";
    EC2_DESCRIBE_SUBNETS = Ec2: "DescribeSubnets";
    EC2_DESCRIBE_SECURITY_GROUPS = Ec2: "DescribeSecurityGroups";
    EC2_DESCRIBE_SECURITY_GROUP_RULES = Ec2: "DescribeSecurityGroupRules";
    EC2_DESCRIBE_NETWORK_ACLS = Ec2: "DescribeNetworkAcls";
    EC2_DESCRIBE_NETWORK_INTERFACES = Ec2: "DescribeNetworkInterfaces";
    EC2_GET_MANAGED_PREFIX_LIST_ENTRIES = Ec2: "GetManagedPrefixListEntries";
    WAFV2_LIST_WEB_ACLS = Wafv2: "ListWebACLs";
    WAFV2_GET_WEB_ACL = Wafv2: "GetWebACL";
    WAFV2_GET_LOGGING_CONFIGURATION = Wafv2: "GetLoggingConfiguration";
    WAFV2_LIST_RESOURCES_FOR_WEB_ACL = Wafv2: "ListResourcesForWebACL";
    BACKUP_LIST_BACKUP_VAULTS = Backup: "ListBackupVaults";
    BACKUP_GET_BACKUP_VAULT_ACCESS_POLICY = Backup: "GetBackupVaultAccessPolicy";
    BACKUP_LIST_RECOVERY_POINTS_BY_BACKUP_VAULT = Backup: "ListRecoveryPointsByBackupVault";
    BACKUP_LIST_BACKUP_PLANS = Backup: "ListBackupPlans";
    BACKUP_GET_BACKUP_PLAN = Backup: "GetBackupPlan";
    BACKUP_LIST_BACKUP_SELECTIONS = Backup: "ListBackupSelections";
    BACKUP_GET_BACKUP_SELECTION = Backup: "GetBackupSelection";
    BACKUP_LIST_PROTECTED_RESOURCES = Backup: "ListProtectedResources";
    CONFIG_DESCRIBE_CONFIGURATION_RECORDERS = Config: "DescribeConfigurationRecorders";
    CONFIG_DESCRIBE_CONFIGURATION_RECORDER_STATUS = Config: "DescribeConfigurationRecorderStatus";
    CONFIG_DESCRIBE_DELIVERY_CHANNELS = Config: "DescribeDeliveryChannels";
    ARTIFACT_LIST_REPORTS = Artifact: "ListReports";
    ARTIFACT_LIST_CUSTOMER_AGREEMENTS = Artifact: "ListCustomerAgreements";
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for s in Service::ALL {
            assert_eq!(s.as_str().parse::<Service>(), Ok(s));
            assert_eq!(s.to_string(), s.as_str());
        }
        let err = "s3".parse::<Service>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown service \"s3\" (known: iam, ec2, wafv2, backup, config, artifact)"
        );
        assert!("IAM".parse::<Service>().is_err());
    }

    #[test]
    fn iam_and_artifact_are_the_global_services() {
        let global: Vec<_> = Service::ALL.into_iter().filter(|s| s.is_global()).collect();
        assert_eq!(global, [Service::Iam, Service::Artifact]);
    }

    #[test]
    fn every_service_has_operations_and_each_is_listed_once() {
        for s in Service::ALL {
            assert!(s.operations().next().is_some(), "{s} has no operation");
        }
        let unique: BTreeSet<_> = OPERATIONS.iter().collect();
        assert_eq!(unique.len(), OPERATIONS.len(), "duplicate operation");
        assert_eq!(
            Service::Backup.operation("ListBackupVaults"),
            Some(&ops::BACKUP_LIST_BACKUP_VAULTS)
        );
        assert_eq!(Service::Backup.operation("ListWebACLs"), None);
        assert_eq!(ops::WAFV2_LIST_WEB_ACLS.iam_action(), "wafv2:ListWebACLs");
    }
}
