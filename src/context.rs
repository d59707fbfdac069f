//! What every command gets: the checked global settings, progress output, cancellation, and
//! the AWS client built from them.

use std::time::{Duration, Instant};

use crate::aws::{default_session_name, AssumeRole, Aws, AwsOptions};
use crate::ci_context::CiContext;
use crate::cli::GlobalArgs;
use crate::error::Error;
use crate::poll::{Cancel, Schedule};
use crate::render::progress::Progress;

pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

pub struct Context {
    pub global: GlobalArgs,
    pub progress: Progress,
    pub cancel: Cancel,
}

impl Context {
    /// `ecs-ship COMMAND [--env ENV] --cluster CLUSTER`: the start of a command people are told
    /// to run next, in the same environment (region, profile, role) as this one.
    pub fn command_line(&self, command: &str, cluster: &str) -> String {
        let env = match &self.global.env {
            Some(env) => format!(" --env {env}"),
            None => String::new(),
        };
        format!("ecs-ship {command}{env} --cluster {cluster}")
    }

    pub fn cluster(&self) -> Result<&str, Error> {
        self.global.cluster.as_deref().filter(|c| !c.is_empty()).ok_or_else(|| {
            Error::Usage(
                "no cluster given: pass --cluster, set ECS_SHIP_CLUSTER, or put `cluster = \"…\"` in ecs-ship.toml \
                 (under [env.NAME] with --env NAME)"
                    .into(),
            )
        })
    }

    pub async fn aws(&self) -> Result<Aws, Error> {
        let options = AwsOptions {
            region: self.global.region.clone(),
            profile: self.global.profile.clone(),
            role_arn: self.global.role_arn.clone(),
            assume_role: self.assume_role(),
            deadline: self.deadline(),
        };
        Ok(Aws::connect(options, self.progress.clone()).await?)
    }

    /// `--assume-role-arn` with its external id and session name.
    fn assume_role(&self) -> Option<AssumeRole> {
        let global = &self.global;
        let role_arn = global.assume_role_arn.clone()?;
        let session_name = global.role_session_name.clone().unwrap_or_else(|| {
            let ci = CiContext::from_env(|name| std::env::var(name).ok());
            default_session_name(ci.build_number.as_deref())
        });
        Some(AssumeRole {
            role_arn,
            external_id: global.external_id.clone(),
            session_name,
        })
    }

    /// When `--timeout` (default 30 minutes, 0 = no limit) runs out, counted from the start of
    /// the command: it bounds the whole command, not each wait.
    pub fn deadline(&self) -> Option<Instant> {
        let timeout = match self.global.timeout {
            Some(timeout) if timeout.is_zero() => return None,
            timeout => timeout.unwrap_or(DEFAULT_TIMEOUT),
        };
        let now = Instant::now();
        let started = now.checked_sub(self.progress.elapsed()).unwrap_or(now);
        // A timeout too long to add is no limit at all.
        started.checked_add(timeout)
    }

    /// Nothing runs past this: the deadline, and the grace to stop the task and report.
    pub fn hard_stop(&self) -> Option<Instant> {
        self.deadline()
            .and_then(|deadline| deadline.checked_add(crate::aws::REPORT_GRACE))
    }

    /// `--poll-interval` and what is left of `--timeout`, or `max_attempts` polls.
    pub fn schedule(&self, max_attempts: Option<u32>) -> Schedule {
        let interval = self
            .global
            .poll_interval
            .unwrap_or(DEFAULT_POLL_INTERVAL)
            .max(Duration::from_millis(100));
        let timeout = match (max_attempts, self.global.timeout) {
            (Some(_), None) => None,
            _ => self
                .deadline()
                .map(|deadline| deadline.saturating_duration_since(Instant::now())),
        };
        Schedule {
            interval,
            timeout,
            max_attempts,
        }
    }
}
