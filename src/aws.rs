//! A small AWS JSON-protocol client for ECS, CloudWatch Logs and ECR.
//!
//! Requests and responses stay `serde_json::Value`s, so a task definition read from ECS is
//! registered again with every field it had, including fields added to ECS after this was
//! written (a typed SDK drops what it does not know). Credentials, region and profiles come
//! from aws-config's standard chain; calls are SigV4-signed and retried with jittered backoff.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4::SigningParams;
use bytes::Bytes;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::backoff;
use crate::error::Error;
use crate::progress::Progress;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Ecs,
    Logs,
    Ecr,
}

impl Service {
    fn signing_name(self) -> &'static str {
        match self {
            Service::Ecs => "ecs",
            Service::Logs => "logs",
            Service::Ecr => "ecr",
        }
    }

    fn target_prefix(self) -> &'static str {
        match self {
            Service::Ecs => "AmazonEC2ContainerServiceV20141113",
            Service::Logs => "Logs_20140328",
            Service::Ecr => "AmazonEC2ContainerRegistry_V20150921",
        }
    }

    fn endpoint_env(self) -> &'static str {
        match self {
            Service::Ecs => "AWS_ENDPOINT_URL_ECS",
            Service::Logs => "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
            Service::Ecr => "AWS_ENDPOINT_URL_ECR",
        }
    }

    fn host_prefix(self) -> &'static str {
        match self {
            Service::Ecs => "ecs",
            Service::Logs => "logs",
            Service::Ecr => "api.ecr",
        }
    }
}

/// An AWS call that failed after retries.
#[derive(Debug, Clone)]
pub struct AwsError {
    pub service: Service,
    pub action: String,
    /// The AWS error code (`ClusterNotFoundException`), or a local kind (`Network`, `Credentials`).
    pub code: String,
    pub message: String,
    pub status: Option<u16>,
}

impl AwsError {
    /// Worth trying again later: throttling, 5xx, the network.
    pub fn is_transient(&self) -> bool {
        matches!(self.status, Some(429) | Some(500..=599))
            || matches!(
                self.code.as_str(),
                "Network"
                    | "ThrottlingException"
                    | "Throttling"
                    | "TooManyRequestsException"
                    | "RequestLimitExceeded"
                    | "ServiceUnavailable"
                    | "ServiceUnavailableException"
                    | "ServerException"
                    | "InternalFailure"
            )
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let service = self.service.signing_name();
        match self.code.as_str() {
            "Credentials" => write!(f, "{}", self.message),
            "Network" => write!(
                f,
                "{service} {}: cannot reach AWS: {}",
                self.action, self.message
            ),
            _ => write!(
                f,
                "{service} {}: {}: {}",
                self.action, self.code, self.message
            ),
        }
    }
}

pub struct AwsOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub role_arn: Option<String>,
}

#[derive(Clone)]
pub struct Aws {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    region: String,
    credentials: CredentialCache,
    progress: Progress,
    calls: AtomicUsize,
}

const MAX_ATTEMPTS: u32 = 6;
const FIRST_RETRY: Duration = Duration::from_millis(500);
const MAX_RETRY_WAIT: Duration = Duration::from_secs(20);

impl Aws {
    /// Builds the client: resolves region and the credential source, but makes no call yet.
    pub async fn connect(options: AwsOptions, progress: Progress) -> Result<Self, Error> {
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http_client);
        if let Some(region) = &options.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        let sdk = loader.load().await;
        let region = sdk.region().map(|r| r.to_string()).ok_or_else(|| {
            Error::input_with_hint(
                "no AWS region configured",
                "pass --region, set AWS_REGION, or put `region = \"…\"` in ecs-ship.toml",
            )
        })?;
        let source = match &options.role_arn {
            Some(role_arn) => CredentialSource::WebIdentity {
                role_arn: role_arn.clone(),
                sts: aws_sdk_sts::Client::new(&sdk),
            },
            None => CredentialSource::Chain(sdk.credentials_provider()),
        };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("ecs-ship/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Other(format!("cannot build the HTTP client: {e}")))?;
        Ok(Aws {
            inner: Arc::new(Inner {
                http,
                region,
                credentials: CredentialCache {
                    source,
                    cached: Mutex::new(None),
                },
                progress,
                calls: AtomicUsize::new(0),
            }),
        })
    }

    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// How many HTTP requests went to AWS so far (retries included).
    pub fn calls(&self) -> usize {
        self.inner.calls.load(Ordering::Relaxed)
    }

    /// Calls `action` in this client's region, retrying throttling, 5xx and network errors.
    pub async fn call(
        &self,
        service: Service,
        action: &str,
        body: Value,
    ) -> Result<Value, AwsError> {
        self.call_in(service, action, body, None).await
    }

    /// Like `call`, in another region (a log group configured elsewhere).
    pub async fn call_in(
        &self,
        service: Service,
        action: &str,
        body: Value,
        region: Option<&str>,
    ) -> Result<Value, AwsError> {
        let bytes = self.call_raw(service, action, body, region).await?;
        serde_json::from_slice(&bytes).map_err(|_| AwsError {
            service,
            action: action.to_string(),
            code: "InvalidResponse".into(),
            message: "AWS answered with something that is not JSON".into(),
            status: None,
        })
    }

    /// The response body as it came, for large answers a caller parses into borrowed types
    /// instead of a `Value` (a page of 10,000 log events).
    pub async fn call_raw(
        &self,
        service: Service,
        action: &str,
        body: Value,
        region: Option<&str>,
    ) -> Result<Bytes, AwsError> {
        let region = region.unwrap_or(&self.inner.region);
        let body = serde_json::to_vec(&body).expect("JSON values serialize");
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(service, action, &body, region).await {
                Err(error) if error.is_transient() && attempt < MAX_ATTEMPTS => {
                    let delay = backoff::jittered(FIRST_RETRY, attempt, MAX_RETRY_WAIT);
                    self.inner.progress.debug(format_args!(
                        "{} {action}: {} ({}); retry {attempt} in {}ms",
                        service.signing_name(),
                        error.code,
                        error.message,
                        delay.as_millis()
                    ));
                    tokio::time::sleep(delay).await;
                }
                result => return result,
            }
        }
    }

    async fn attempt(
        &self,
        service: Service,
        action: &str,
        body: &[u8],
        region: &str,
    ) -> Result<Bytes, AwsError> {
        let fail = |code: &str, message: String, status: Option<u16>| AwsError {
            service,
            action: action.to_string(),
            code: code.to_string(),
            message,
            status,
        };
        let credentials = self
            .inner
            .credentials
            .get()
            .await
            .map_err(|message| fail("Credentials", message, None))?;
        let url = endpoint(service, region);
        let target = format!("{}.{action}", service.target_prefix());
        let headers = [
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", target.as_str()),
        ];
        let identity = credentials.into();
        let params = SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name(service.signing_name())
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| fail("Signing", e.to_string(), None))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            &url,
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| fail("Signing", format!("bad endpoint {url}: {e}"), None))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| fail("Signing", e.to_string(), None))?
            .into_parts();
        let mut request = self.inner.http.post(&url).body(body.to_vec());
        for (name, value) in headers.iter().copied().chain(instructions.headers()) {
            request = request.header(name, value);
        }
        self.inner.calls.fetch_add(1, Ordering::Relaxed);
        let started = std::time::Instant::now();
        let response = request
            .send()
            .await
            .map_err(|e| fail("Network", network_reason(&e, &url), None))?;
        let status = response.status().as_u16();
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = response
            .bytes()
            .await
            .map_err(|e| fail("Network", e.to_string(), Some(status)))?;
        self.inner.progress.debug(format_args!(
            "{} {action} → {status} ({}ms)",
            service.signing_name(),
            started.elapsed().as_millis()
        ));
        if (200..300).contains(&status) {
            return Ok(if bytes.is_empty() {
                Bytes::from_static(b"{}")
            } else {
                bytes
            });
        }
        let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let code = json
            .get("__type")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(error_type)
            .map(|t| {
                t.rsplit('#')
                    .next()
                    .unwrap_or_default()
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| format!("HTTP{status}"));
        let message = ["message", "Message", "errorMessage"]
            .iter()
            .find_map(|k| json.get(*k).and_then(Value::as_str))
            .map(str::to_string)
            .unwrap_or_else(|| String::from_utf8_lossy(&bytes).chars().take(200).collect());
        Err(fail(&code, message, Some(status)))
    }
}

/// `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then the public endpoint.
fn endpoint(service: Service, region: &str) -> String {
    endpoint_from(service, region, |name| std::env::var(name).ok())
}

fn endpoint_from(service: Service, region: &str, env: impl Fn(&str) -> Option<String>) -> String {
    let configured = |name: &str| env(name).filter(|v| !v.is_empty());
    let ignore = configured("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if !ignore {
        if let Some(url) =
            configured(service.endpoint_env()).or_else(|| configured("AWS_ENDPOINT_URL"))
        {
            return url;
        }
    }
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://{}.{region}.{suffix}/", service.host_prefix())
}

fn network_reason(error: &reqwest::Error, url: &str) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    let mut detail = String::new();
    while let Some(cause) = source {
        detail = cause.to_string();
        source = cause.source();
    }
    let host = url.split('/').nth(2).unwrap_or(url);
    if detail.is_empty() {
        format!("{kind} ({host})")
    } else {
        format!("{kind} ({host}): {detail}")
    }
}

enum CredentialSource {
    Chain(Option<SharedCredentialsProvider>),
    /// `--role-arn`: AssumeRoleWithWebIdentity with the CI's OIDC token, refreshed before expiry.
    WebIdentity {
        role_arn: String,
        sts: aws_sdk_sts::Client,
    },
}

struct CredentialCache {
    source: CredentialSource,
    cached: Mutex<Option<Credentials>>,
}

const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

impl CredentialCache {
    async fn get(&self) -> Result<Credentials, String> {
        let mut cached = self.cached.lock().await;
        if let Some(credentials) = cached.as_ref() {
            let fresh = credentials.expiry().is_none_or(|expiry| {
                expiry
                    .duration_since(SystemTime::now())
                    .is_ok_and(|left| left > REFRESH_BEFORE_EXPIRY)
            });
            if fresh {
                return Ok(credentials.clone());
            }
        }
        let credentials = match &self.source {
            CredentialSource::Chain(None) => {
                return Err(no_credentials("no credential provider is configured"))
            }
            CredentialSource::Chain(Some(provider)) => provider
                .provide_credentials()
                .await
                .map_err(|e| no_credentials(&error_chain(&e)))?,
            CredentialSource::WebIdentity { role_arn, sts } => {
                assume_role_with_web_identity(sts, role_arn).await?
            }
        };
        *cached = Some(credentials.clone());
        Ok(credentials)
    }
}

fn no_credentials(detail: &str) -> String {
    format!(
        "no AWS credentials found ({detail}); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, use --profile, \
         or --role-arn with CircleCI OIDC (CIRCLE_OIDC_TOKEN_V2) or AWS_WEB_IDENTITY_TOKEN_FILE"
    )
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

async fn assume_role_with_web_identity(
    sts: &aws_sdk_sts::Client,
    role_arn: &str,
) -> Result<Credentials, String> {
    let token = match std::env::var("CIRCLE_OIDC_TOKEN_V2")
        .ok()
        .filter(|t| !t.is_empty())
    {
        Some(token) => token,
        None => {
            let path = std::env::var("AWS_WEB_IDENTITY_TOKEN_FILE").map_err(|_| {
                format!(
                    "--role-arn {role_arn} needs an OIDC token: none in CIRCLE_OIDC_TOKEN_V2 (enable OIDC for the \
                     CircleCI project/context) and AWS_WEB_IDENTITY_TOKEN_FILE is not set"
                )
            })?;
            std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read AWS_WEB_IDENTITY_TOKEN_FILE {path}: {e}"))?
                .trim()
                .to_string()
        }
    };
    let session = std::env::var("CIRCLE_BUILD_NUM")
        .map(|n| format!("ecs-ship-circleci-{n}"))
        .unwrap_or_else(|_| format!("ecs-ship-{}", std::process::id()));
    let output = sts
        .assume_role_with_web_identity()
        .role_arn(role_arn)
        .role_session_name(session)
        .web_identity_token(token)
        .send()
        .await
        .map_err(|e| {
            format!(
                "cannot assume role {role_arn} with the OIDC token: {}",
                error_chain(&e)
            )
        })?;
    let credentials = output
        .credentials()
        .ok_or_else(|| format!("STS returned no credentials for {role_arn}"))?;
    let expiry = SystemTime::try_from(*credentials.expiration()).ok();
    Ok(Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_string()),
        expiry,
        "ecs-ship-web-identity",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors_are_throttling_5xx_and_network() {
        let error = |code: &str, status: Option<u16>| AwsError {
            service: Service::Ecs,
            action: "DescribeTasks".into(),
            code: code.into(),
            message: String::new(),
            status,
        };
        assert!(error("ThrottlingException", Some(400)).is_transient());
        assert!(error("HTTP503", Some(503)).is_transient());
        assert!(error("Network", None).is_transient());
        assert!(!error("ClusterNotFoundException", Some(400)).is_transient());
        assert!(!error("AccessDeniedException", Some(400)).is_transient());
    }

    #[test]
    fn public_endpoints_by_partition() {
        let none = |_: &str| None;
        assert_eq!(
            endpoint_from(Service::Ecr, "cn-north-1", none),
            "https://api.ecr.cn-north-1.amazonaws.com.cn/"
        );
        assert_eq!(
            endpoint_from(Service::Ecs, "eu-west-1", none),
            "https://ecs.eu-west-1.amazonaws.com/"
        );
    }

    #[test]
    fn service_endpoint_beats_the_general_one() {
        let env = |name: &str| match name {
            "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:1".to_string()),
            "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS" => Some("http://127.0.0.1:2".to_string()),
            _ => None,
        };
        assert_eq!(
            endpoint_from(Service::Logs, "us-east-1", env),
            "http://127.0.0.1:2"
        );
        assert_eq!(
            endpoint_from(Service::Ecs, "us-east-1", env),
            "http://127.0.0.1:1"
        );
    }
}
