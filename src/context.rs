//! What every command gets: the checked global settings, progress output, cancellation, and
//! the AWS client built from them.

use std::time::Duration;

use crate::aws::{Aws, AwsOptions};
use crate::cli::GlobalArgs;
use crate::error::Error;
use crate::poll::{Cancel, Schedule};
use crate::progress::Progress;

pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

pub struct Context {
    pub global: GlobalArgs,
    pub progress: Progress,
    pub cancel: Cancel,
}

impl Context {
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
        };
        Ok(Aws::connect(options, self.progress.clone()).await?)
    }

    /// `--poll-interval` and `--timeout` (0 = no limit), or `max_attempts` polls.
    pub fn schedule(&self, max_attempts: Option<u32>) -> Schedule {
        let interval = self
            .global
            .poll_interval
            .unwrap_or(DEFAULT_POLL_INTERVAL)
            .max(Duration::from_millis(100));
        let timeout = match (max_attempts, self.global.timeout) {
            (Some(_), None) => None,
            (_, Some(timeout)) if timeout.is_zero() => None,
            (_, timeout) => Some(timeout.unwrap_or(DEFAULT_TIMEOUT)),
        };
        Schedule {
            interval,
            timeout,
            max_attempts,
        }
    }
}
