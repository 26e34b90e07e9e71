//! Cedar entity type names of the resource graph (`AWS::IAM::Role`, ...),
//! parsed once per builder.

use std::str::FromStr;

use cedar_policy::EntityTypeName;

/// Entity type names, parsed once.
#[derive(Debug, Clone)]
pub(crate) struct Types {
    pub(super) account: EntityTypeName,
    pub(super) region: EntityTypeName,
    pub(super) user: EntityTypeName,
    pub(super) access_key: EntityTypeName,
    pub(super) group: EntityTypeName,
    pub(super) role: EntityTypeName,
    pub(super) trust_statement: EntityTypeName,
    pub(super) managed_policy: EntityTypeName,
    pub(super) inline_policy: EntityTypeName,
    pub(super) policy_statement: EntityTypeName,
    pub(super) vpc: EntityTypeName,
    pub(super) subnet: EntityTypeName,
    pub(super) security_group: EntityTypeName,
    pub(super) sg_rule: EntityTypeName,
    pub(super) nacl: EntityTypeName,
    pub(super) nacl_entry: EntityTypeName,
    pub(super) web_acl: EntityTypeName,
    pub(super) web_acl_rule: EntityTypeName,
    pub(super) vault: EntityTypeName,
    pub(super) plan: EntityTypeName,
    pub(super) backup_rule: EntityTypeName,
    pub(super) selection: EntityTypeName,
    pub(super) protected: EntityTypeName,
    pub(super) recorder: EntityTypeName,
    pub(super) logging: super::logging::LoggingTypes,
    pub(super) storage: super::storage::StorageTypes,
    pub(super) detection: super::detection::DetectionTypes,
    pub(super) exposure: super::exposure::ExposureTypes,
    pub(super) fleet: super::fleet::FleetTypes,
}

pub(super) fn ty(name: &str) -> EntityTypeName {
    // The names below are literals of valid Cedar type names.
    #[allow(clippy::expect_used)]
    EntityTypeName::from_str(name).expect("valid entity type name literal")
}

impl Default for Types {
    fn default() -> Self {
        Self {
            account: ty("AWS::Account"),
            region: ty("AWS::Region"),
            user: ty("AWS::IAM::User"),
            access_key: ty("AWS::IAM::AccessKey"),
            group: ty("AWS::IAM::Group"),
            role: ty("AWS::IAM::Role"),
            trust_statement: ty("AWS::IAM::TrustStatement"),
            managed_policy: ty("AWS::IAM::ManagedPolicy"),
            inline_policy: ty("AWS::IAM::InlinePolicy"),
            policy_statement: ty("AWS::IAM::PolicyStatement"),
            vpc: ty("AWS::EC2::Vpc"),
            subnet: ty("AWS::EC2::Subnet"),
            security_group: ty("AWS::EC2::SecurityGroup"),
            sg_rule: ty("AWS::EC2::SecurityGroupRule"),
            nacl: ty("AWS::EC2::NetworkAcl"),
            nacl_entry: ty("AWS::EC2::NetworkAclEntry"),
            web_acl: ty("AWS::WAFv2::WebACL"),
            web_acl_rule: ty("AWS::WAFv2::WebACLRule"),
            vault: ty("AWS::Backup::BackupVault"),
            plan: ty("AWS::Backup::BackupPlan"),
            backup_rule: ty("AWS::Backup::BackupRule"),
            selection: ty("AWS::Backup::BackupSelection"),
            protected: ty("AWS::Backup::ProtectedResource"),
            recorder: ty("AWS::Config::ConfigurationRecorder"),
            logging: Default::default(),
            storage: Default::default(),
            detection: Default::default(),
            exposure: Default::default(),
            fleet: Default::default(),
        }
    }
}
