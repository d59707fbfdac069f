//! `--assume-role-arn`: an STS AssumeRole chained after the base credentials, whatever they are
//! (environment keys, profile, SSO, `--role-arn` web identity), for deploying into another
//! account. The SDK's identity cache asks again shortly before the session expires, so a long
//! wait renews it; every call after the first is signed by the assumed session.

use std::future::Future;
use std::time::SystemTime;

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, ProvideCredentials};
use aws_credential_types::Credentials;

use super::error::{AwsError, ErrorKind, Service};

/// What `--assume-role-arn`, `--external-id` and `--role-session-name` ask for.
#[derive(Debug, Clone)]
pub struct AssumeRole {
    pub role_arn: String,
    pub external_id: Option<String>,
    pub session_name: String,
}

/// The assumed role's credentials, from STS called with the base credentials.
#[derive(Debug)]
pub struct Chained {
    pub role: AssumeRole,
    /// Signs with the base credentials.
    pub sts: aws_sdk_sts::Client,
}

/// A role assumed through STS (`--role-arn`, `--assume-role-arn`): `Assumed` makes it a
/// credentials provider, its error the provider's.
pub trait Assume: std::fmt::Debug + Send + Sync {
    fn assume(&self) -> impl Future<Output = Result<Credentials, String>> + Send;
}

/// The credentials provider of an `Assume`.
#[derive(Debug)]
pub struct Assumed<T>(pub T);

impl<T: Assume> ProvideCredentials for Assumed<T> {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(async move {
            self.0
                .assume()
                .await
                .map_err(CredentialsError::provider_error)
        })
    }
}

impl Assume for Chained {
    async fn assume(&self) -> Result<Credentials, String> {
        let role = &self.role;
        let output = self
            .sts
            .assume_role()
            .role_arn(&role.role_arn)
            .role_session_name(&role.session_name)
            .set_external_id(role.external_id.clone())
            .send()
            .await
            .map_err(|e| refusal(role, &AwsError::from_sdk(Service::Sts, "AssumeRole", e)))?;
        let credentials = output
            .credentials()
            .ok_or_else(|| format!("STS returned no credentials for {}", role.role_arn))?;
        Ok(Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token().to_string()),
            SystemTime::try_from(*credentials.expiration()).ok(),
            "ecs-ship-assume-role",
        ))
    }
}

/// Why the role could not be assumed, and what to check: STS's reason, then which session is
/// at fault or what the target role's trust policy must allow.
fn refusal(role: &AssumeRole, error: &AwsError) -> String {
    let arn = &role.role_arn;
    let why = match error.kind() {
        ErrorKind::Credentials => format!(
            "the base credentials (used to call AssumeRole) are invalid or their session expired; \
             renew them (--role-arn, the profile or the keys) — the session of {arn} was never issued"
        ),
        ErrorKind::AccessDenied => {
            let condition = match &role.external_id {
                Some(_) => " with a condition `sts:ExternalId` equal to --external-id",
                None => "",
            };
            format!(
                "the trust policy of {arn} must allow `sts:AssumeRole` for the base identity \
                 (Principal: its role or account ARN){condition}, and the base identity needs \
                 `sts:AssumeRole` on {arn}; `ecs-ship iam-policy` shows both"
            )
        }
        _ => "check the role ARN and the region's STS endpoint".to_string(),
    };
    format!("cannot assume role {arn}: {error}\n  hint: {why}")
}

/// `ecs-ship-<CI build number>` where the CI gives one, else `ecs-ship-<process id>`; only the
/// characters STS takes, at most 64 of them.
pub fn default_session_name(build_number: Option<&str>) -> String {
    let id = build_number.map_or_else(|| std::process::id().to_string(), str::to_string);
    let name: String = format!("ecs-ship-{id}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    name
}

/// `--assume-role-arn`: an IAM role ARN (`arn:PARTITION:iam::ACCOUNT:role/NAME`).
pub fn parse_role_arn(value: &str) -> Result<String, String> {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let valid = matches!(
        parts.as_slice(),
        ["arn", partition, "iam", "", account, resource]
            if partition.starts_with("aws")
                && account.len() == 12
                && account.chars().all(|c| c.is_ascii_digit())
                && resource.strip_prefix("role/").is_some_and(|name| !name.is_empty())
    );
    if valid {
        Ok(value.to_string())
    } else {
        Err("expected an IAM role ARN like arn:aws:iam::123456789012:role/deploy".into())
    }
}

/// `--external-id`: 2 to 1224 of the characters STS takes.
pub fn parse_external_id(value: &str) -> Result<String, String> {
    sts_name(value, 2, 1224, "+=,.@:/-_")
}

/// `--role-session-name`: 2 to 64 of the characters STS takes.
pub fn parse_session_name(value: &str) -> Result<String, String> {
    sts_name(value, 2, 64, "+=,.@-_")
}

fn sts_name(value: &str, min: usize, max: usize, extra: &str) -> Result<String, String> {
    let length = value.chars().count();
    if !(min..=max).contains(&length) {
        return Err(format!("must be {min} to {max} characters long"));
    }
    match value
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !extra.contains(*c))
    {
        Some(c) => Err(format!(
            "{c:?} is not allowed (letters, digits and {extra})"
        )),
        None => Ok(value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_are_checked() {
        assert!(parse_role_arn("arn:aws:iam::123456789012:role/deploy").is_ok());
        assert!(parse_role_arn("arn:aws-cn:iam::123456789012:role/path/deploy").is_ok());
        for bad in [
            "",
            "deploy",
            "arn:aws:iam::12345:role/deploy",
            "arn:aws:iam::123456789012:user/deploy",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:sts::123456789012:role/deploy",
        ] {
            assert!(parse_role_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn external_ids_and_session_names_take_what_sts_takes() {
        assert!(parse_external_id("team-a/prod:42").is_ok());
        assert!(parse_external_id("x").is_err());
        assert!(parse_external_id("has space").is_err());
        assert!(parse_session_name("ecs-ship-123").is_ok());
        assert!(parse_session_name(&"a".repeat(65)).is_err());
        assert!(parse_session_name("a/b").is_err());
    }

    #[test]
    fn the_default_session_name_carries_the_build_number() {
        assert_eq!(default_session_name(Some("4711")), "ecs-ship-4711");
        assert_eq!(default_session_name(Some("gh run/7")), "ecs-ship-gh-run-7");
        assert_eq!(default_session_name(Some(&"9".repeat(80))).len(), 64);
        assert!(default_session_name(None).starts_with("ecs-ship-"));
    }

    #[test]
    fn a_refusal_names_the_role_sts_reason_and_the_trust_policy() {
        let role = AssumeRole {
            role_arn: "arn:aws:iam::210987654321:role/deploy".into(),
            external_id: Some("x-1".into()),
            session_name: "ecs-ship-1".into(),
        };
        let denied = AwsError::new(
            Service::Sts,
            "AssumeRole",
            "AccessDenied",
            "User: arn:aws:iam::123456789012:role/ci is not authorized to perform: sts:AssumeRole",
            Some(403),
        );
        let text = refusal(&role, &denied);
        assert!(text.contains("cannot assume role arn:aws:iam::210987654321:role/deploy"));
        assert!(text.contains("is not authorized to perform: sts:AssumeRole"));
        assert!(text.contains("trust policy"));
        assert!(text.contains("sts:ExternalId"));
        let expired = AwsError::new(
            Service::Sts,
            "AssumeRole",
            "ExpiredToken",
            "expired",
            Some(400),
        );
        assert!(refusal(&role, &expired).contains("base credentials"));
    }
}
