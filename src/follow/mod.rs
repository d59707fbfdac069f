//! The follow engine: how ecs-ship waits for a service deployment, whoever started it.
//!
//! - A [`Follower`] knows one way a service deploys (`rolling`, `native` for ECS-native
//!   blue/green / linear / canary, `codedeploy`, `express`): each poll it looks at AWS, asks its pure judge
//!   (`crate::judge`) and answers `Step::Pending(text)` or `Step::Done(Verdict)`; it also knows
//!   how to roll its own deployment back. A new deployment kind is one new file here (and its
//!   judge), plus its arm in `Way`.
//! - A [`Watch`] is one service being followed; the [`Waiter`] polls every watch of a command
//!   in one loop (`crate::poll`), knowing followers only through the trait.
//! - A follower gets what it needs — clients, cluster, progress — from a [`Scope`].
//!
//! `deploy`, `continue`, `rollback` and `wait` use this API, and nothing here knows those
//! commands. `current` builds the watch of a deployment ecs-ship did not start (`wait`).

mod codedeploy;
mod current;
mod daemon;
mod ended;
mod express;
mod native;
mod rolling;
mod waiter;
mod watch;
mod way;

use std::future::Future;
use std::pin::Pin;

pub use crate::judge::{Goal, Pause, Verdict};
pub use codedeploy::{active, appspec, deployment_group, latest as latest_codedeploy, CodeDeploy};
pub use current::{current, Found, Wanted};
pub use daemon::Daemon;
pub use ended::Ended;
pub use express::{started as express_started, Express};
pub use native::{in_progress, now, started_by_update, utc, Native};
pub use rolling::{update_service, Rolling};
pub use waiter::{WaitEnd, Waiter};
pub use watch::Watch;
pub use way::{check_controllers, Way};

use crate::aws::{Aws, DeploymentGroup};
use crate::context::Context;
use crate::daemon::DaemonDeployment;
use crate::ecs::{CodeDeployDeployment, Endpoint, ServiceDeployment, ServiceDescription, Task};
use crate::error::Result;
use crate::poll::Step;
use crate::render::progress::Progress;

/// A follower's answer, later: its methods that call AWS return one of these.
pub type Later<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + 'a>>;

/// One way of following a service deployment to its verdict.
pub trait Follower {
    /// One poll: `Pending(text)` while the deployment goes on, `Done(verdict)` once it ended;
    /// `Err` only for an error.
    fn step<'a>(&'a mut self, scope: &'a Scope<'a>, look: Look<'a>) -> Later<'a, Step<Verdict>>;

    /// Rolls back the failed deployment this follower followed, and the watch that follows
    /// the rollback; `None` when there is nothing to roll back.
    fn roll_back<'a>(&'a self, rollback: Rollback<'a>) -> Later<'a, Option<Watch>>;

    /// The id people know the deployment by, in "deployment … of … completed".
    fn followed(&self) -> &str;

    /// Where it stood at the last poll, for "still rolling after … (state)".
    fn state(&self, service: &ServiceDescription) -> String;

    /// What the results report about it.
    fn facts(&self) -> Facts<'_>;

    /// The service deployment the waiter describes before the next step (in one batch with
    /// every other follower's), if this follower reads one.
    fn service_deployment_to_describe(&self) -> Option<&str> {
        None
    }

    /// Whether the waiter describes the watch's service each poll (a daemon has none: its
    /// follower reads its own snapshot, and `Look::service` is the watch's placeholder).
    fn reads_service(&self) -> bool {
        true
    }
}

/// What a follower sees of one poll.
pub struct Look<'a> {
    /// The service as DescribeServices shows it now.
    pub service: &'a ServiceDescription,
    /// The service deployments the followers asked for.
    pub service_deployments: &'a [ServiceDeployment],
    /// The revision this deployment rolls to.
    pub task_definition: &'a str,
}

/// What a follower needs to roll back.
pub struct Rollback<'a> {
    pub scope: &'a Scope<'a>,
    /// The watch whose deployment failed (this follower's).
    pub failed: &'a Watch,
    /// The revision the service ran before.
    pub previous: &'a str,
}

/// What a follower knows that the results report.
#[derive(Default)]
pub struct Facts<'a> {
    /// The service deployment followed (ECS-native), or the one a rolling update started.
    pub service_deployment_arn: Option<&'a str>,
    /// The last snapshot of the service deployment followed.
    pub service_deployment: Option<&'a ServiceDeployment>,
    pub codedeploy: Option<CodeDeployFacts<'a>>,
    /// The command that continues a paused deployment.
    pub continue_command: Option<&'a str>,
    /// An Express service's endpoints.
    pub endpoints: &'a [Endpoint],
    /// A daemon deployment: what the results report instead of a service's.
    pub daemon: Option<DaemonFacts<'a>>,
}

pub struct DaemonFacts<'a> {
    pub deployment_arn: &'a str,
    pub last: Option<&'a DaemonDeployment>,
}

pub struct CodeDeployFacts<'a> {
    pub group: &'a DeploymentGroup,
    /// The deployment started (not the rollback deployment).
    pub deployment_id: &'a str,
    pub last: Option<&'a CodeDeployDeployment>,
}

/// What a follower works with: the clients, the cluster, progress.
pub struct Scope<'a> {
    pub aws: &'a Aws,
    pub cluster: &'a str,
    pub progress: &'a Progress,
}

impl Scope<'_> {
    /// Stopped tasks of `task_definition` created since `since`; `None` when AWS could not say
    /// (warned, and asked again next poll). Only asked for when ECS counts a new failed task,
    /// so the usual poll is one DescribeServices per 10 services.
    pub async fn stopped_tasks(
        &self,
        service: &ServiceDescription,
        task_definition: &str,
        since: Option<f64>,
    ) -> Option<Vec<Task>> {
        let name = &service.service_name;
        let arns = match self.aws.list_service_tasks(self.cluster, name, true).await {
            Ok(arns) => arns,
            Err(error) => {
                let text = format!("cannot list stopped tasks of {name}: {error}");
                self.progress.warn(text);
                return None;
            }
        };
        if arns.is_empty() {
            return Some(vec![]);
        }
        match self.aws.describe_tasks(self.cluster, &arns).await {
            Ok((tasks, _)) => Some(
                tasks
                    .into_iter()
                    .filter(|t| t.task_definition_arn == task_definition)
                    .filter(|t| match (t.created_at.or(t.started_at), since) {
                        (Some(task), Some(since)) => task + 1.0 >= since,
                        _ => true,
                    })
                    .collect(),
            ),
            Err(error) => {
                let text = format!("cannot describe stopped tasks of {name}: {error}");
                self.progress.warn(text);
                None
            }
        }
    }
}

/// The command that continues a paused deployment of `service`, as people type it.
pub fn continue_command(context: &Context, cluster: &str, service: &str) -> String {
    let start = context.command_line("continue", cluster);
    format!("{start} --service {service}")
}
