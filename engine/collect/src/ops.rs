//! Every AWS API operation the collectors call, in one list. Coverage records
//! name these operations, and the shipped least-privilege IAM policy
//! (`engine/collect/iam-policy.json`) is tested to allow exactly these.

/// One AWS API operation the collectors call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Operation {
    /// Service name as used in coverage records and rule metadata (`iam`, `ec2`, ...).
    pub service: &'static str,
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
    ($($name:ident = $service:literal : $api:literal;)*) => {
        $(
            #[doc = concat!("`", $service, ":", $api, "`.")]
            pub const $name: Operation = Operation { service: $service, api: $api };
        )*
        /// All operations the collectors call.
        pub const ALL: &[Operation] = &[$($name),*];
    };
}

operations! {
    IAM_GET_ACCOUNT_AUTHORIZATION_DETAILS = "iam": "GetAccountAuthorizationDetails";
    IAM_GENERATE_CREDENTIAL_REPORT = "iam": "GenerateCredentialReport";
    IAM_GET_CREDENTIAL_REPORT = "iam": "GetCredentialReport";
    IAM_GET_ACCOUNT_PASSWORD_POLICY = "iam": "GetAccountPasswordPolicy";
    IAM_GET_ACCOUNT_SUMMARY = "iam": "GetAccountSummary";
    IAM_LIST_VIRTUAL_MFA_DEVICES = "iam": "ListVirtualMFADevices";
    IAM_LIST_MFA_DEVICES = "iam": "ListMFADevices";
    IAM_LIST_ACCESS_KEYS = "iam": "ListAccessKeys";
    IAM_GET_ACCESS_KEY_LAST_USED = "iam": "GetAccessKeyLastUsed";
    IAM_GET_LOGIN_PROFILE = "iam": "GetLoginProfile";
    EC2_DESCRIBE_REGIONS = "ec2": "DescribeRegions";
    EC2_DESCRIBE_VPCS = "ec2": "DescribeVpcs";
    EC2_DESCRIBE_SUBNETS = "ec2": "DescribeSubnets";
    EC2_DESCRIBE_SECURITY_GROUPS = "ec2": "DescribeSecurityGroups";
    EC2_DESCRIBE_SECURITY_GROUP_RULES = "ec2": "DescribeSecurityGroupRules";
    EC2_DESCRIBE_NETWORK_ACLS = "ec2": "DescribeNetworkAcls";
    EC2_DESCRIBE_NETWORK_INTERFACES = "ec2": "DescribeNetworkInterfaces";
    WAFV2_LIST_WEB_ACLS = "wafv2": "ListWebACLs";
    WAFV2_GET_WEB_ACL = "wafv2": "GetWebACL";
    WAFV2_GET_LOGGING_CONFIGURATION = "wafv2": "GetLoggingConfiguration";
    WAFV2_LIST_RESOURCES_FOR_WEB_ACL = "wafv2": "ListResourcesForWebACL";
    BACKUP_LIST_BACKUP_VAULTS = "backup": "ListBackupVaults";
    BACKUP_GET_BACKUP_VAULT_ACCESS_POLICY = "backup": "GetBackupVaultAccessPolicy";
    BACKUP_LIST_RECOVERY_POINTS_BY_BACKUP_VAULT = "backup": "ListRecoveryPointsByBackupVault";
    BACKUP_LIST_BACKUP_PLANS = "backup": "ListBackupPlans";
    BACKUP_GET_BACKUP_PLAN = "backup": "GetBackupPlan";
    BACKUP_LIST_BACKUP_SELECTIONS = "backup": "ListBackupSelections";
    BACKUP_GET_BACKUP_SELECTION = "backup": "GetBackupSelection";
    BACKUP_LIST_PROTECTED_RESOURCES = "backup": "ListProtectedResources";
    CONFIG_DESCRIBE_CONFIGURATION_RECORDERS = "config": "DescribeConfigurationRecorders";
    CONFIG_DESCRIBE_CONFIGURATION_RECORDER_STATUS = "config": "DescribeConfigurationRecorderStatus";
    CONFIG_DESCRIBE_DELIVERY_CHANNELS = "config": "DescribeDeliveryChannels";
    ARTIFACT_LIST_REPORTS = "artifact": "ListReports";
}

/// The operations of one service.
pub fn of_service(service: &str) -> impl Iterator<Item = &'static Operation> + '_ {
    ALL.iter().filter(move |o| o.service == service)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeSet;

    use palisade_model::policy::PolicyDocument;

    use super::*;

    #[test]
    fn shipped_iam_policy_allows_exactly_the_operations_called() {
        let doc = PolicyDocument::parse_text(crate::IAM_POLICY).expect("iam-policy.json parses");
        let allowed: BTreeSet<String> = doc
            .statements
            .iter()
            .inspect(|s| assert_eq!(s.effect.as_str(), "Allow"))
            .flat_map(|s| s.action.iter().cloned())
            .collect();
        let called: BTreeSet<String> = ALL.iter().map(Operation::iam_action).collect();
        let missing: Vec<_> = called.difference(&allowed).collect();
        let extra: Vec<_> = allowed.difference(&called).collect();
        assert!(missing.is_empty(), "called but not allowed: {missing:?}");
        assert!(extra.is_empty(), "allowed but never called: {extra:?}");
    }

    #[test]
    fn shipped_iam_policy_is_read_only() {
        for op in ALL {
            let read = ["Get", "List", "Describe", "GenerateCredentialReport"]
                .iter()
                .any(|p| op.api.starts_with(p));
            assert!(read, "{} is not a read operation", op.iam_action());
            assert!(!op.api.contains('*'));
        }
        let unique: BTreeSet<_> = ALL.iter().collect();
        assert_eq!(unique.len(), ALL.len(), "duplicate operation");
    }
}
