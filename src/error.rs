//! Every way ecs-ship can fail, and the exit code each one maps to (README.md's table of exit codes).

use std::fmt;

use crate::aws::AwsError;

#[derive(Debug)]
pub enum Error {
    /// Unknown flag, missing value, conflicting flags.
    Usage(String),
    /// Bad input the user can fix: a malformed file, an unknown container, a bad duration.
    Input {
        message: String,
        hint: Option<String>,
    },
    /// An `ecs-ship.toml` that cannot be used.
    Config {
        path: String,
        line: Option<usize>,
        key: Option<String>,
        message: String,
    },
    /// AWS said no, after retries.
    Aws(AwsError),
    /// The deployment failed: circuit breaker, rollback, tasks that keep stopping.
    DeploymentFailed(String),
    /// A watched container exited non-zero.
    TaskFailed { code: i32, reason: String },
    /// The task never ran its command.
    TaskFailedToStart(String),
    /// Waited `--timeout` and gave up.
    TimedOut(String),
    /// SIGHUP, SIGINT or SIGTERM.
    Interrupted(Signal),
    /// Anything else that stopped the run (Slack down with `notify`, a local I/O error).
    Other(String),
    /// A flag's value that does not parse, from the command line, an `ECS_SHIP_*` variable or
    /// `ecs-ship.toml`: a usage error, shown as the error it wraps (which names the source).
    InvalidValue(Box<Error>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Hangup,
    Interrupt,
    Terminate,
}

impl Signal {
    pub fn exit_code(self) -> i32 {
        match self {
            Signal::Hangup => 129,
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Hangup => "SIGHUP",
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn input(message: impl Into<String>) -> Self {
        Error::Input {
            message: message.into(),
            hint: None,
        }
    }

    pub fn input_with_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Input {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// The same error, as a usage error: for the parse errors of a flag's value.
    pub fn invalid_value(self) -> Self {
        match self {
            Error::InvalidValue(_) | Error::Usage(_) => self,
            other => Error::InvalidValue(Box::new(other)),
        }
    }

    pub fn code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::InvalidValue(_) => 2,
            Error::Input { .. } | Error::Config { .. } | Error::Aws(_) | Error::Other(_) => 1,
            Error::DeploymentFailed(_) => 3,
            Error::TaskFailed { code, .. } => *code,
            Error::TaskFailedToStart(_) => 125,
            Error::TimedOut(_) => 124,
            Error::Interrupted(signal) => signal.exit_code(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(message) | Error::Other(message) => f.write_str(message),
            Error::Input { message, hint } => {
                f.write_str(message)?;
                if let Some(hint) = hint {
                    write!(f, "\n  hint: {hint}")?;
                }
                Ok(())
            }
            Error::Config {
                path,
                line,
                key,
                message,
            } => {
                write!(f, "{path}")?;
                if let Some(line) = line {
                    write!(f, ":{line}")?;
                }
                if let Some(key) = key {
                    write!(f, ": key `{key}`")?;
                }
                write!(f, ": {message}")
            }
            Error::Aws(error) => {
                write!(f, "{error}")?;
                if let Some(hint) = error.hint() {
                    write!(f, "\n  hint: {hint}")?;
                }
                Ok(())
            }
            Error::DeploymentFailed(reason) => write!(f, "deployment failed: {reason}"),
            Error::TaskFailed { code, reason } => {
                write!(f, "task failed with exit code {code}: {reason}")
            }
            Error::TaskFailedToStart(reason) => write!(f, "task failed to start: {reason}"),
            Error::TimedOut(what) => write!(f, "timed out {what}"),
            Error::Interrupted(signal) => write!(f, "interrupted by {}", signal.name()),
            Error::InvalidValue(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<AwsError> for Error {
    fn from(error: AwsError) -> Self {
        if error.kind() == crate::aws::ErrorKind::Deadline {
            let call = error.service.map(|s| s.name()).unwrap_or("aws");
            return Error::TimedOut(format!("waiting for AWS ({call} {})", error.operation));
        }
        Error::Aws(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_design_table() {
        assert_eq!(Error::Usage("x".into()).code(), 2);
        assert_eq!(Error::input("x").code(), 1);
        assert_eq!(Error::input("x").invalid_value().code(), 2);
        assert_eq!(Error::input("x").invalid_value().to_string(), "x");
        assert_eq!(Error::DeploymentFailed("x".into()).code(), 3);
        assert_eq!(
            Error::TaskFailed {
                code: 7,
                reason: "x".into()
            }
            .code(),
            7
        );
        assert_eq!(Error::TimedOut("x".into()).code(), 124);
        assert_eq!(Error::TaskFailedToStart("x".into()).code(), 125);
        assert_eq!(Error::Interrupted(Signal::Hangup).code(), 129);
        assert_eq!(Error::Interrupted(Signal::Interrupt).code(), 130);
        assert_eq!(Error::Interrupted(Signal::Terminate).code(), 143);
    }
}
