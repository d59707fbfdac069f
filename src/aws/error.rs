//! An AWS call that failed, and the one table that says what each AWS error code means to
//! ecs-ship: commands ask `error.kind()`, never compare code strings themselves.

use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Ecs,
    Logs,
    Ecr,
    Sts,
    CodeDeploy,
    Events,
    Scheduler,
    Iam,
    SecretsManager,
    Ssm,
    AutoScaling,
}

impl Service {
    /// Turns the SDK's error of `operation` into an `AwsError`, for `map_err`.
    pub fn failed<E>(
        self,
        operation: &'static str,
    ) -> impl FnOnce(SdkError<E, HttpResponse>) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        move |error| AwsError::from_sdk(self, operation, error)
    }

    pub fn name(self) -> &'static str {
        match self {
            Service::Ecs => "ecs",
            Service::Logs => "logs",
            Service::Ecr => "ecr",
            Service::Sts => "sts",
            Service::CodeDeploy => "codedeploy",
            Service::Events => "events",
            Service::Scheduler => "scheduler",
            Service::Iam => "iam",
            Service::SecretsManager => "secretsmanager",
            Service::Ssm => "ssm",
            Service::AutoScaling => "application-autoscaling",
        }
    }
}

/// What an error means, whatever the service that sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The cluster, service, repository, image or log stream named does not exist.
    NotFound,
    /// AWS refused the request as given (bad parameters; for ECS also "no such task definition").
    Refused,
    AccessDenied,
    /// Missing, invalid or expired credentials.
    Credentials,
    Throttled,
    /// 5xx, or an answer that could not be read.
    ServerError,
    /// The request did not get an answer: connection refused or reset, DNS, timeouts.
    Network,
    /// Nothing was sent: no region, a bad profile.
    Setup,
    /// `--timeout` ran out before AWS answered.
    Deadline,
    Other,
}

/// AWS error codes, as the services send them, and what they mean.
const CODES: &[(&str, ErrorKind)] = &[
    ("ClusterNotFoundException", ErrorKind::NotFound),
    ("ServiceNotFoundException", ErrorKind::NotFound),
    ("ServiceNotActiveException", ErrorKind::NotFound),
    ("ServiceDeploymentNotFoundException", ErrorKind::NotFound),
    ("ImageNotFoundException", ErrorKind::NotFound),
    ("RepositoryNotFoundException", ErrorKind::NotFound),
    ("ResourceNotFoundException", ErrorKind::NotFound),
    ("ApplicationDoesNotExistException", ErrorKind::NotFound),
    ("DeploymentGroupDoesNotExistException", ErrorKind::NotFound),
    ("DeploymentDoesNotExistException", ErrorKind::NotFound),
    ("DeploymentConfigDoesNotExistException", ErrorKind::NotFound),
    ("DeploymentTargetDoesNotExistException", ErrorKind::NotFound),
    // IAM (query protocol): GetRole of a role that does not exist.
    ("NoSuchEntity", ErrorKind::NotFound),
    // Application Auto Scaling: no such scalable target or policy.
    ("ObjectNotFoundException", ErrorKind::NotFound),
    ("ClientException", ErrorKind::Refused),
    ("InvalidParameterException", ErrorKind::Refused),
    ("InvalidParameterValueException", ErrorKind::Refused),
    ("ValidationException", ErrorKind::Refused),
    ("PlatformUnknownException", ErrorKind::Refused),
    (
        "PlatformTaskDefinitionIncompatibilityException",
        ErrorKind::Refused,
    ),
    ("UnsupportedFeatureException", ErrorKind::Refused),
    ("LimitExceededException", ErrorKind::Refused),
    ("ConflictException", ErrorKind::Refused),
    ("InvalidApplicationNameException", ErrorKind::Refused),
    ("InvalidDeploymentGroupNameException", ErrorKind::Refused),
    ("InvalidDeploymentConfigNameException", ErrorKind::Refused),
    ("InvalidRevisionException", ErrorKind::Refused),
    ("InvalidECSServiceException", ErrorKind::Refused),
    ("InvalidInputException", ErrorKind::Refused),
    ("DeploymentLimitExceededException", ErrorKind::Refused),
    ("DeploymentAlreadyCompletedException", ErrorKind::Refused),
    ("DeploymentIsNotInReadyStateException", ErrorKind::Refused),
    ("InvalidDeploymentStatusException", ErrorKind::Refused),
    ("InvalidDeploymentWaitTypeException", ErrorKind::Refused),
    // EventBridge: a rule another service manages; Scheduler: a conflicting change.
    ("ManagedRuleException", ErrorKind::Refused),
    ("AccessDeniedException", ErrorKind::AccessDenied),
    ("AccessDenied", ErrorKind::AccessDenied),
    ("UnauthorizedOperation", ErrorKind::AccessDenied),
    ("UnrecognizedClientException", ErrorKind::Credentials),
    ("InvalidClientTokenId", ErrorKind::Credentials),
    ("InvalidSignatureException", ErrorKind::Credentials),
    ("SignatureDoesNotMatch", ErrorKind::Credentials),
    ("ExpiredTokenException", ErrorKind::Credentials),
    ("ExpiredToken", ErrorKind::Credentials),
    ("InvalidIdentityToken", ErrorKind::Credentials),
    ("ThrottlingException", ErrorKind::Throttled),
    ("Throttling", ErrorKind::Throttled),
    ("TooManyRequestsException", ErrorKind::Throttled),
    ("RequestLimitExceeded", ErrorKind::Throttled),
    ("ServiceUnavailable", ErrorKind::ServerError),
    ("ServiceUnavailableException", ErrorKind::ServerError),
    ("ServerException", ErrorKind::ServerError),
    ("InternalFailure", ErrorKind::ServerError),
    ("InternalServerException", ErrorKind::ServerError),
    ("InternalServiceException", ErrorKind::ServerError),
];

pub(super) fn kind_of(code: &str, status: Option<u16>) -> ErrorKind {
    CODES
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, kind)| *kind)
        .unwrap_or(match status {
            Some(429) => ErrorKind::Throttled,
            Some(500..=599) => ErrorKind::ServerError,
            Some(403) => ErrorKind::AccessDenied,
            _ => ErrorKind::Other,
        })
}

/// An AWS call that failed after the SDK's retries.
#[derive(Debug, Clone)]
pub struct AwsError {
    /// `None` for an error found before any request was sent.
    pub service: Option<Service>,
    pub operation: &'static str,
    /// The AWS error code (`ClusterNotFoundException`); empty when AWS never answered.
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    kind: ErrorKind,
    hint: Option<&'static str>,
}

impl AwsError {
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Worth trying again at the next poll: throttling, 5xx, the network.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Throttled | ErrorKind::ServerError | ErrorKind::Network
        )
    }

    /// What the user can do about it, when the kind alone says.
    pub fn hint(&self) -> Option<&'static str> {
        self.hint.or(match self.kind {
            ErrorKind::AccessDenied => {
                Some("the credentials lack this permission: `ecs-ship iam-policy` prints what each command needs")
            }
            ErrorKind::Credentials => Some(
                "check the AWS credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, --profile, --role-arn) and that the session has not expired",
            ),
            _ => None,
        })
    }

    /// An answer from AWS, classified by the table.
    pub fn new(
        service: Service,
        operation: &'static str,
        code: &str,
        message: impl Into<String>,
        status: Option<u16>,
    ) -> Self {
        AwsError {
            service: Some(service),
            operation,
            code: code.to_string(),
            message: message.into(),
            request_id: None,
            kind: kind_of(code, status),
            hint: None,
        }
    }

    /// A successful answer whose body could not be read.
    pub fn unreadable(service: Service, operation: &'static str) -> Self {
        AwsError {
            kind: ErrorKind::ServerError,
            ..AwsError::new(
                service,
                operation,
                "",
                "AWS answered with something that is not JSON",
                None,
            )
        }
    }

    /// An error found before any request was sent.
    pub fn local(kind: ErrorKind, message: impl Into<String>, hint: &'static str) -> Self {
        AwsError {
            service: None,
            operation: "",
            code: String::new(),
            message: message.into(),
            request_id: None,
            kind,
            hint: Some(hint),
        }
    }

    pub fn from_sdk<E>(
        service: Service,
        operation: &'static str,
        error: SdkError<E, HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = error.raw_response().map(|r| r.status().as_u16());
        let request_id = error.raw_response().and_then(|r| {
            ["x-amzn-requestid", "x-amz-request-id"]
                .iter()
                .find_map(|h| r.headers().get(*h))
                .map(str::to_string)
        });
        let (code, message, kind) = match &error {
            SdkError::ServiceError(service_error) => {
                let err = service_error.err();
                let code = err.code().unwrap_or_default().to_string();
                let message = err
                    .message()
                    .map(str::to_string)
                    .unwrap_or_else(|| chain(err));
                let kind = kind_of(&code, status);
                (code, message, kind)
            }
            SdkError::TimeoutError(_) => {
                (String::new(), "timed out".to_string(), ErrorKind::Network)
            }
            SdkError::DispatchFailure(_) if past_deadline(&error) => (
                String::new(),
                DeadlineReached.to_string(),
                ErrorKind::Deadline,
            ),
            SdkError::DispatchFailure(failure) => {
                let kind = if failure.is_user() || failure.is_other() {
                    credentials_or(&error, ErrorKind::Other)
                } else {
                    ErrorKind::Network
                };
                (String::new(), chain(&error), kind)
            }
            SdkError::ResponseError(_) => (
                String::new(),
                format!("unreadable answer: {}", chain(&error)),
                ErrorKind::ServerError,
            ),
            _ => {
                let kind = credentials_or(&error, ErrorKind::Other);
                (String::new(), chain(&error), kind)
            }
        };
        AwsError {
            service: Some(service),
            operation,
            code,
            message,
            request_id,
            kind,
            hint: None,
        }
    }
}

/// The command's deadline came before AWS answered: the paced HTTP client (`pacing.rs`)
/// refuses to wait past it.
#[derive(Debug)]
pub struct DeadlineReached;

impl std::fmt::Display for DeadlineReached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no answer before the --timeout deadline")
    }
}

impl std::error::Error for DeadlineReached {}

/// The HTTP client refused to wait past the command's deadline.
fn past_deadline(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(cause) = source {
        if cause.is::<DeadlineReached>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// A request that failed before it was sent because no identity could be resolved.
fn credentials_or(error: &dyn std::error::Error, otherwise: ErrorKind) -> ErrorKind {
    let text = chain(error);
    if text.contains("no AWS credentials") || text.contains("failed to resolve identity") {
        ErrorKind::Credentials
    } else {
        otherwise
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(service) = self.service.map(Service::name) else {
            return f.write_str(&self.message);
        };
        let operation = self.operation;
        match self.kind {
            ErrorKind::Network => write!(
                f,
                "{service} {operation}: cannot reach AWS: {}",
                self.message
            )?,
            ErrorKind::Credentials if self.code.is_empty() => f.write_str(&self.message)?,
            _ if self.code.is_empty() => write!(f, "{service} {operation}: {}", self.message)?,
            _ => write!(f, "{service} {operation}: {}: {}", self.code, self.message)?,
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// An error and its causes, one line: the SDK's top-level messages ("dispatch failure") say
/// little on their own.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_knows_throttling_not_found_and_refusals() {
        assert_eq!(
            kind_of("ThrottlingException", Some(400)),
            ErrorKind::Throttled
        );
        assert_eq!(
            kind_of("ClusterNotFoundException", Some(400)),
            ErrorKind::NotFound
        );
        assert_eq!(kind_of("ClientException", Some(400)), ErrorKind::Refused);
        assert_eq!(
            kind_of("AccessDeniedException", Some(400)),
            ErrorKind::AccessDenied
        );
    }

    #[test]
    fn unknown_codes_fall_back_on_the_status() {
        assert_eq!(kind_of("", Some(503)), ErrorKind::ServerError);
        assert_eq!(kind_of("SomethingNew", Some(429)), ErrorKind::Throttled);
        assert_eq!(kind_of("SomethingNew", Some(400)), ErrorKind::Other);
    }

    #[test]
    fn transient_errors_are_throttling_5xx_and_network() {
        let error = |kind| AwsError {
            kind,
            ..AwsError::local(kind, "x", "")
        };
        assert!(error(ErrorKind::Throttled).is_transient());
        assert!(error(ErrorKind::ServerError).is_transient());
        assert!(error(ErrorKind::Network).is_transient());
        assert!(!error(ErrorKind::NotFound).is_transient());
        assert!(!error(ErrorKind::AccessDenied).is_transient());
    }

    #[test]
    fn the_message_names_operation_code_and_request_id() {
        let error = AwsError {
            request_id: Some("abc-123".into()),
            ..AwsError::new(
                Service::Ecs,
                "DescribeServices",
                "AccessDeniedException",
                "not allowed",
                Some(400),
            )
        };
        assert_eq!(error.kind(), ErrorKind::AccessDenied);
        assert_eq!(
            error.to_string(),
            "ecs DescribeServices: AccessDeniedException: not allowed (request id abc-123)"
        );
    }
}
