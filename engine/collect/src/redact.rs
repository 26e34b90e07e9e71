//! `Debug` for [`CollectOptions`] that never shows a secret: the static
//! credentials appear as `Some(("AKIA…", "** redacted **"))` with the access
//! key id shortened too, so a panic message or a debug log line that
//! formats the options cannot leak them. (The SDK's own `Credentials` type
//! redacts its secret and session token the same way.)

use crate::CollectOptions;

/// What `Debug` shows in place of a secret.
pub const REDACTED: &str = "** redacted **";

impl std::fmt::Debug for CollectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Destructured so that a new field cannot be forgotten here.
        let Self {
            profile,
            regions,
            role_arn,
            accounts,
            org,
            role_name,
            org_units,
            exclude_accounts,
            external_id,
            endpoint_url,
            static_credentials,
            concurrency,
            max_attempts,
            retry_mode,
            initial_backoff,
            max_backoff,
            connect_timeout,
            read_timeout,
            attempt_timeout,
            progress,
            shard,
        } = self;
        let credentials = static_credentials.as_ref().map(|(key, _)| {
            let shown: String = key.chars().take(4).collect();
            (format!("{shown}…"), REDACTED)
        });
        f.debug_struct("CollectOptions")
            .field("profile", profile)
            .field("regions", regions)
            .field("role_arn", role_arn)
            .field("accounts", accounts)
            .field("org", org)
            .field("role_name", role_name)
            .field("org_units", org_units)
            .field("exclude_accounts", exclude_accounts)
            .field("external_id", &external_id.as_ref().map(|_| REDACTED))
            .field("endpoint_url", endpoint_url)
            .field("static_credentials", &credentials)
            .field("concurrency", concurrency)
            .field("max_attempts", max_attempts)
            .field("retry_mode", retry_mode)
            .field("initial_backoff", initial_backoff)
            .field("max_backoff", max_backoff)
            .field("connect_timeout", connect_timeout)
            .field("read_timeout", read_timeout)
            .field("attempt_timeout", attempt_timeout)
            .field("progress", progress)
            .field("shard", shard)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AKIAPALISADECANARY01";
    const SECRET: &str = "SecretCanary0123456789abcdefPALISADEsecret";

    fn options() -> CollectOptions {
        CollectOptions {
            static_credentials: Some((KEY.into(), SECRET.into())),
            external_id: Some("ExternalIdCanary42".into()),
            regions: vec!["eu-west-1".into()],
            ..CollectOptions::default()
        }
    }

    #[test]
    fn debug_output_never_shows_the_credentials() {
        for text in [format!("{:?}", options()), format!("{:#?}", options())] {
            assert!(!text.contains(SECRET), "{text}");
            assert!(!text.contains(KEY), "{text}");
            assert!(!text.contains("ExternalIdCanary42"), "{text}");
            assert!(text.contains(REDACTED), "{text}");
            assert!(text.contains("eu-west-1"), "the rest is shown: {text}");
        }
    }

    #[test]
    fn the_sdk_configuration_debug_output_hides_the_secret_and_token() {
        use aws_config::SdkConfig;
        use aws_sdk_ec2::config::{Credentials, SharedCredentialsProvider};
        let token = "SessionTokenCanary0123456789PALISADEtoken";
        let config = SdkConfig::builder()
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                KEY,
                SECRET,
                Some(token.into()),
                None,
                "static",
            )))
            .build();
        // The session collectors hold, and the configuration itself.
        let session = crate::session::Session::new(config.clone());
        for text in [format!("{config:?}"), format!("{session:#?}")] {
            assert!(!text.contains(SECRET), "{text}");
            assert!(!text.contains(token), "{text}");
        }
    }
}
