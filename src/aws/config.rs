//! One `SdkConfig` for every client: the standard chain for region, credentials, profiles and
//! endpoints (`AWS_ENDPOINT_URL[_<SERVICE>]`, profile `endpoint_url` / `services`, FIPS and
//! dual-stack settings), retries suited to long waits, and `--role-arn` as a web-identity
//! credentials provider behind the SDK's identity cache, so a session that expires during a
//! long deploy is renewed before the next call. `--assume-role-arn` chains an AssumeRole after
//! whichever of these gave the base credentials (`assume_role.rs`).

use std::time::{Duration, Instant, SystemTime};

use aws_config::identity::IdentityCache;
use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{AppName, BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_smithy_types::retry::ReconnectMode;

use super::assume_role::{Assume, AssumeRole, Assumed, Chained};
use super::error::{chain, AwsError, ErrorKind, Service};
use super::pacing::{Pacing, RetryPolicy};

pub struct AwsOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub role_arn: Option<String>,
    /// `--assume-role-arn`: a role assumed with the credentials above.
    pub assume_role: Option<AssumeRole>,
    /// When `--timeout` runs out: every call is bounded by it (and a grace to clean up).
    pub deadline: Option<Instant>,
}
/// Credentials are renewed this long before they expire (clock skew, a slow call in between).
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(60);

/// The SDK configuration, the region, and the pacing every client shares.
pub async fn load(options: &AwsOptions) -> Result<(SdkConfig, String, Pacing), AwsError> {
    let pacing = Pacing::new(
        RetryPolicy::from_env(|name| std::env::var(name).ok()),
        options.deadline,
    );
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(pacing.http_client(http_client))
        // The pacer holds a request before its body is sent: that is not a stalled upload.
        .stalled_stream_protection(
            StalledStreamProtectionConfig::enabled()
                .upload_enabled(false)
                .build(),
        )
        .app_name(AppName::new("ecs-ship").expect("a valid app name"))
        // Standard retries, never adaptive: the pacer does the rate limiting (`pacing.rs`).
        .retry_config(
            RetryConfig::standard().with_reconnect_mode(ReconnectMode::ReconnectOnTransientError),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        )
        .identity_cache(
            IdentityCache::lazy()
                .buffer_time(REFRESH_BEFORE_EXPIRY)
                .build(),
        );
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    let sdk = loader.load().await;
    let region = sdk.region().map(|r| r.to_string()).ok_or_else(|| {
        AwsError::local(
            ErrorKind::Setup,
            "no AWS region configured",
            "pass --region, set AWS_REGION, or put `region = \"…\"` in ecs-ship.toml",
        )
    })?;
    let credentials: SharedCredentialsProvider = match &options.role_arn {
        Some(role_arn) => SharedCredentialsProvider::new(Assumed(WebIdentity {
            role_arn: role_arn.clone(),
            sts: aws_sdk_sts::Client::new(&sdk),
        })),
        None => match sdk.credentials_provider() {
            Some(chain) => SharedCredentialsProvider::new(Explained(chain)),
            None => {
                return Err(AwsError::local(
                    ErrorKind::Credentials,
                    "no AWS credentials found (no credential provider is configured)",
                    CREDENTIALS_HINT,
                ))
            }
        },
    };
    let sdk = sdk.into_builder().credentials_provider(credentials).build();
    let sdk = match &options.assume_role {
        Some(role) => {
            let chained = Chained {
                role: role.clone(),
                sts: aws_sdk_sts::Client::new(&sdk),
            };
            sdk.into_builder()
                .credentials_provider(SharedCredentialsProvider::new(Assumed(chained)))
                .build()
        }
        None => sdk,
    };
    Ok((sdk, region, pacing))
}

const CREDENTIALS_HINT: &str =
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, use --profile, or --role-arn with \
     CircleCI OIDC (CIRCLE_OIDC_TOKEN_V2) or AWS_WEB_IDENTITY_TOKEN_FILE";

/// The default chain, with errors that say what to do about them.
#[derive(Debug)]
struct Explained(SharedCredentialsProvider);

impl ProvideCredentials for Explained {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(async move {
            self.0.provide_credentials().await.map_err(|e| {
                CredentialsError::not_loaded(format!(
                    "no AWS credentials found ({}); {CREDENTIALS_HINT}",
                    chain(&e)
                ))
            })
        })
    }
}

/// `--role-arn`: AssumeRoleWithWebIdentity with the CI's OIDC token. The identity cache calls
/// this again shortly before the session expires, reading the token anew each time.
#[derive(Debug)]
struct WebIdentity {
    role_arn: String,
    sts: aws_sdk_sts::Client,
}

impl Assume for WebIdentity {
    async fn assume(&self) -> Result<Credentials, String> {
        let role_arn = &self.role_arn;
        let token = oidc_token(role_arn)?;
        let session = std::env::var("CIRCLE_BUILD_NUM")
            .map(|n| format!("ecs-ship-circleci-{n}"))
            .unwrap_or_else(|_| format!("ecs-ship-{}", std::process::id()));
        let output = self
            .sts
            .assume_role_with_web_identity()
            .role_arn(role_arn)
            .role_session_name(session)
            .web_identity_token(token)
            .send()
            .await
            .map_err(|e| {
                let error = AwsError::from_sdk(Service::Sts, "AssumeRoleWithWebIdentity", e);
                format!("cannot assume role {role_arn} with the OIDC token: {error}")
            })?;
        let credentials = output
            .credentials()
            .ok_or_else(|| format!("STS returned no credentials for {role_arn}"))?;
        Ok(Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token().to_string()),
            SystemTime::try_from(*credentials.expiration()).ok(),
            "ecs-ship-web-identity",
        ))
    }
}

/// CircleCI's `CIRCLE_OIDC_TOKEN_V2`, else the file `AWS_WEB_IDENTITY_TOKEN_FILE` names (read
/// each time: runners rotate it).
fn oidc_token(role_arn: &str) -> Result<String, String> {
    if let Some(token) = std::env::var("CIRCLE_OIDC_TOKEN_V2")
        .ok()
        .filter(|t| !t.is_empty())
    {
        return Ok(token);
    }
    let path = std::env::var("AWS_WEB_IDENTITY_TOKEN_FILE").map_err(|_| {
        format!(
            "--role-arn {role_arn} needs an OIDC token: none in CIRCLE_OIDC_TOKEN_V2 (enable OIDC for the \
             CircleCI project/context) and AWS_WEB_IDENTITY_TOKEN_FILE is not set"
        )
    })?;
    Ok(crate::read_file::to_string(&path)
        .map_err(|e| format!("cannot read AWS_WEB_IDENTITY_TOKEN_FILE {path}: {e}"))?
        .trim()
        .to_string())
}
