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
    /// AWS CloudTrail (regional): trails, status, event selectors.
    Cloudtrail,
    /// Amazon CloudWatch (regional): metric alarms.
    Cloudwatch,
    /// Amazon CloudWatch Logs (regional): metric filters.
    Logs,
    /// Amazon SNS (regional): alarm topics and their subscriptions.
    Sns,
    /// Amazon GuardDuty (regional): detectors and features.
    Guardduty,
    /// AWS Security Hub (regional): hub and enabled standards.
    Securityhub,
    /// IAM Access Analyzer (regional): analyzers.
    AccessAnalyzer,
    /// AWS KMS (regional): keys, rotation, key policies.
    Kms,
    /// Amazon S3 (global listing; each bucket read in its own region).
    S3,
    /// Amazon RDS (regional): DB instances, clusters, snapshots.
    Rds,
    /// Amazon EFS (regional): file systems.
    Efs,
    /// Elastic Load Balancing (regional): v2 and classic load balancers,
    /// listeners, target groups (both APIs share the IAM prefix).
    Elb,
    /// Amazon EC2 Auto Scaling (regional): groups, launch configurations.
    Autoscaling,
    /// AWS Organizations (global): the organisation's structure and service
    /// control policies, read once per collection from the management
    /// account or a delegated administrator (`collect --org`) into
    /// [`crate::Snapshot::organization`], never per account (see
    /// [`Service::is_per_account`]).
    Organizations,
}

impl Service {
    /// Every service, in collection order.
    pub const ALL: [Service; 20] = [
        Service::Iam,
        Service::Ec2,
        Service::Wafv2,
        Service::Backup,
        Service::Config,
        Service::Artifact,
        Service::Cloudtrail,
        Service::Cloudwatch,
        Service::Logs,
        Service::Sns,
        Service::Guardduty,
        Service::Securityhub,
        Service::AccessAnalyzer,
        Service::Kms,
        Service::S3,
        Service::Rds,
        Service::Efs,
        Service::Elb,
        Service::Autoscaling,
        Service::Organizations,
    ];

    /// The name used in coverage records, rule metadata and IAM actions
    /// (the service's IAM prefix: `iam`, `ec2`, ..., `access-analyzer`,
    /// `elasticfilesystem`).
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Iam => "iam",
            Service::Ec2 => "ec2",
            Service::Wafv2 => "wafv2",
            Service::Backup => "backup",
            Service::Config => "config",
            Service::Artifact => "artifact",
            Service::Cloudtrail => "cloudtrail",
            Service::Cloudwatch => "cloudwatch",
            Service::Logs => "logs",
            Service::Sns => "sns",
            Service::Guardduty => "guardduty",
            Service::Securityhub => "securityhub",
            Service::AccessAnalyzer => "access-analyzer",
            Service::Kms => "kms",
            Service::S3 => "s3",
            Service::Rds => "rds",
            Service::Efs => "elasticfilesystem",
            Service::Elb => "elasticloadbalancing",
            Service::Autoscaling => "autoscaling",
            Service::Organizations => "organizations",
        }
    }

    /// True for a global service: collected once per account, its coverage
    /// recorded under [`crate::GLOBAL_REGION`].
    pub fn is_global(self) -> bool {
        matches!(
            self,
            Service::Iam | Service::Artifact | Service::S3 | Service::Organizations
        )
    }

    /// True for a service read in every collected account, whose coverage
    /// records are the account's. False for AWS Organizations: it is read
    /// once per organisation and its coverage records are the
    /// organisation's ([`crate::organization::Organization::coverage`]), so
    /// an account (or a snapshot without an organisation) never has an
    /// `organizations` gap.
    pub fn is_per_account(self) -> bool {
        !matches!(self, Service::Organizations)
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
    /// The IAM action's name where it differs from the API's (S3's
    /// `ListBuckets` is authorised by `s3:ListAllMyBuckets`).
    pub action: Option<&'static str>,
}

impl Operation {
    /// The IAM action that authorises the call, e.g. `ec2:DescribeSecurityGroups`.
    pub fn iam_action(&self) -> String {
        format!("{}:{}", self.service, self.action.unwrap_or(self.api))
    }
}

macro_rules! operations {
    ($($name:ident = $service:ident : $api:literal $(as $action:literal)?;)*) => {
        /// One constant per operation, named `SERVICE_API`.
        pub mod ops {
            use super::{Operation, Service};
            $(
                #[doc = concat!("`", stringify!($service), ":", $api, "`.")]
                pub const $name: Operation = Operation {
                    service: Service::$service,
                    api: $api,
                    action: operations!(@action $($action)?),
                };
            )*
        }
        /// Every operation the collectors call.
        pub const OPERATIONS: &[Operation] = &[$(ops::$name),*];
    };
    (@action) => { None };
    (@action $action:literal) => { Some($action) };
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
    // -- EC2 additions (flow logs, EBS default encryption) --
    EC2_DESCRIBE_FLOW_LOGS = Ec2: "DescribeFlowLogs";
    EC2_GET_EBS_ENCRYPTION_BY_DEFAULT = Ec2: "GetEbsEncryptionByDefault";
    // -- CloudTrail --
    CLOUDTRAIL_DESCRIBE_TRAILS = Cloudtrail: "DescribeTrails";
    CLOUDTRAIL_GET_TRAIL_STATUS = Cloudtrail: "GetTrailStatus";
    CLOUDTRAIL_GET_EVENT_SELECTORS = Cloudtrail: "GetEventSelectors";
    // -- CloudWatch, CloudWatch Logs, SNS --
    LOGS_DESCRIBE_METRIC_FILTERS = Logs: "DescribeMetricFilters";
    CLOUDWATCH_DESCRIBE_ALARMS = Cloudwatch: "DescribeAlarms";
    SNS_LIST_SUBSCRIPTIONS_BY_TOPIC = Sns: "ListSubscriptionsByTopic";
    // -- GuardDuty, Security Hub, Access Analyzer --
    GUARDDUTY_LIST_DETECTORS = Guardduty: "ListDetectors";
    GUARDDUTY_GET_DETECTOR = Guardduty: "GetDetector";
    GUARDDUTY_LIST_MEMBERS = Guardduty: "ListMembers";
    GUARDDUTY_GET_FINDINGS_STATISTICS = Guardduty: "GetFindingsStatistics";
    GUARDDUTY_LIST_ORGANIZATION_ADMIN_ACCOUNTS = Guardduty: "ListOrganizationAdminAccounts";
    SECURITYHUB_DESCRIBE_HUB = Securityhub: "DescribeHub";
    SECURITYHUB_GET_ENABLED_STANDARDS = Securityhub: "GetEnabledStandards";
    ACCESS_ANALYZER_LIST_ANALYZERS = AccessAnalyzer: "ListAnalyzers";
    // -- KMS --
    KMS_LIST_KEYS = Kms: "ListKeys";
    KMS_DESCRIBE_KEY = Kms: "DescribeKey";
    KMS_GET_KEY_ROTATION_STATUS = Kms: "GetKeyRotationStatus";
    KMS_GET_KEY_POLICY = Kms: "GetKeyPolicy";
    // -- S3 --
    S3_LIST_BUCKETS = S3: "ListBuckets" as "ListAllMyBuckets";
    S3_GET_ACCOUNT_PUBLIC_ACCESS_BLOCK = S3: "GetPublicAccessBlock" as "GetAccountPublicAccessBlock";
    S3_GET_BUCKET_LOCATION = S3: "GetBucketLocation";
    S3_GET_BUCKET_PUBLIC_ACCESS_BLOCK = S3: "GetBucketPublicAccessBlock";
    S3_GET_BUCKET_POLICY = S3: "GetBucketPolicy";
    S3_GET_BUCKET_VERSIONING = S3: "GetBucketVersioning";
    S3_GET_BUCKET_ENCRYPTION = S3: "GetBucketEncryption" as "GetEncryptionConfiguration";
    S3_GET_BUCKET_LOGGING = S3: "GetBucketLogging";
    S3_GET_BUCKET_REPLICATION = S3: "GetBucketReplication" as "GetReplicationConfiguration";
    S3_GET_OBJECT_LOCK_CONFIGURATION = S3: "GetObjectLockConfiguration" as "GetBucketObjectLockConfiguration";
    S3_GET_BUCKET_ACL = S3: "GetBucketAcl";
    // -- RDS, EFS --
    RDS_DESCRIBE_DB_INSTANCES = Rds: "DescribeDBInstances";
    RDS_DESCRIBE_DB_CLUSTERS = Rds: "DescribeDBClusters";
    RDS_DESCRIBE_DB_SNAPSHOTS = Rds: "DescribeDBSnapshots";
    RDS_DESCRIBE_DB_SNAPSHOT_ATTRIBUTES = Rds: "DescribeDBSnapshotAttributes";
    EFS_DESCRIBE_FILE_SYSTEMS = Efs: "DescribeFileSystems";
    EFS_DESCRIBE_BACKUP_POLICY = Efs: "DescribeBackupPolicy";
    // -- issue 14: compute, routing, addressing (EC2) --
    EC2_DESCRIBE_INSTANCES = Ec2: "DescribeInstances";
    EC2_DESCRIBE_LAUNCH_TEMPLATES = Ec2: "DescribeLaunchTemplates";
    EC2_DESCRIBE_LAUNCH_TEMPLATE_VERSIONS = Ec2: "DescribeLaunchTemplateVersions";
    EC2_DESCRIBE_ADDRESSES = Ec2: "DescribeAddresses";
    EC2_DESCRIBE_INTERNET_GATEWAYS = Ec2: "DescribeInternetGateways";
    EC2_DESCRIBE_EGRESS_ONLY_INTERNET_GATEWAYS = Ec2: "DescribeEgressOnlyInternetGateways";
    EC2_DESCRIBE_NAT_GATEWAYS = Ec2: "DescribeNatGateways";
    EC2_DESCRIBE_ROUTE_TABLES = Ec2: "DescribeRouteTables";
    EC2_DESCRIBE_VPC_PEERING_CONNECTIONS = Ec2: "DescribeVpcPeeringConnections";
    EC2_DESCRIBE_VPC_ENDPOINTS = Ec2: "DescribeVpcEndpoints";
    EC2_DESCRIBE_TRANSIT_GATEWAY_ATTACHMENTS = Ec2: "DescribeTransitGatewayAttachments";
    // -- issue 14: Elastic Load Balancing (v2, then classic: same IAM actions) --
    ELB_DESCRIBE_LOAD_BALANCERS = Elb: "DescribeLoadBalancers";
    ELB_DESCRIBE_LISTENERS = Elb: "DescribeListeners";
    ELB_DESCRIBE_RULES = Elb: "DescribeRules";
    ELB_DESCRIBE_TARGET_GROUPS = Elb: "DescribeTargetGroups";
    ELB_DESCRIBE_TARGET_HEALTH = Elb: "DescribeTargetHealth";
    ELB_DESCRIBE_TAGS = Elb: "DescribeTags";
    ELB_DESCRIBE_CLASSIC_LOAD_BALANCERS = Elb: "DescribeLoadBalancers (classic)" as "DescribeLoadBalancers";
    ELB_DESCRIBE_CLASSIC_TAGS = Elb: "DescribeTags (classic)" as "DescribeTags";
    WAFV2_GET_WEB_ACL_FOR_RESOURCE = Wafv2: "GetWebACLForResource";
    // -- issue 14: Auto Scaling --
    AUTOSCALING_DESCRIBE_AUTO_SCALING_GROUPS = Autoscaling: "DescribeAutoScalingGroups";
    AUTOSCALING_DESCRIBE_LAUNCH_CONFIGURATIONS = Autoscaling: "DescribeLaunchConfigurations";
    // -- issue 15: AWS Organizations (management account or delegated administrator) --
    ORGANIZATIONS_DESCRIBE_ORGANIZATION = Organizations: "DescribeOrganization";
    ORGANIZATIONS_LIST_ROOTS = Organizations: "ListRoots";
    ORGANIZATIONS_LIST_ORGANIZATIONAL_UNITS_FOR_PARENT = Organizations: "ListOrganizationalUnitsForParent";
    ORGANIZATIONS_LIST_ACCOUNTS = Organizations: "ListAccounts";
    ORGANIZATIONS_LIST_ACCOUNTS_FOR_PARENT = Organizations: "ListAccountsForParent";
    ORGANIZATIONS_LIST_POLICIES = Organizations: "ListPolicies";
    ORGANIZATIONS_DESCRIBE_POLICY = Organizations: "DescribePolicy";
    ORGANIZATIONS_LIST_TARGETS_FOR_POLICY = Organizations: "ListTargetsForPolicy";
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
        let err = "lambda".parse::<Service>().unwrap_err();
        assert!(
            err.to_string().starts_with(
                "unknown service \"lambda\" (known: iam, ec2, wafv2, backup, config, artifact, cloudtrail,"
            ),
            "{err}"
        );
        assert!("IAM".parse::<Service>().is_err());
    }

    #[test]
    fn iam_artifact_s3_and_organizations_are_the_global_services() {
        let global: Vec<_> = Service::ALL.into_iter().filter(|s| s.is_global()).collect();
        assert_eq!(
            global,
            [
                Service::Iam,
                Service::Artifact,
                Service::S3,
                Service::Organizations
            ]
        );
    }

    #[test]
    fn only_organizations_is_not_read_per_account() {
        let not: Vec<_> = Service::ALL
            .into_iter()
            .filter(|s| !s.is_per_account())
            .collect();
        assert_eq!(not, [Service::Organizations]);
        assert_eq!(
            "organizations".parse::<Service>(),
            Ok(Service::Organizations)
        );
        assert_eq!(
            ops::ORGANIZATIONS_LIST_ACCOUNTS.iam_action(),
            "organizations:ListAccounts"
        );
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
        // The IAM action differs from the API name for some S3 calls.
        assert_eq!(ops::S3_LIST_BUCKETS.iam_action(), "s3:ListAllMyBuckets");
        assert_eq!(ops::S3_LIST_BUCKETS.api, "ListBuckets");
    }
}
