//! Following a daemon deployment (UpdateDaemon) through DescribeDaemonDeployments: each poll
//! judges one snapshot (`judge::daemon`) and prints, when they change, the status and the
//! instances running / draining / without the daemon per capacity provider. A daemon is no
//! service: this follower reads no DescribeServices (`reads_service` is false). ECS rolls a
//! failed daemon deployment back itself (circuit breaker, alarms), so there is nothing for
//! `--rollback-on-failure` to do here.

use super::{DaemonFacts, Facts, Follower, Later, Look, Rollback, Scope, Verdict, Watch};
use crate::daemon::DaemonDeployment;
use crate::ecs::{arn_name, ServiceDescription};
use crate::error::Result;
use crate::judge::daemon as judge;
use crate::poll::Step;

pub struct Daemon {
    /// The daemon's name, for progress lines.
    name: String,
    /// The daemon deployment UpdateDaemon started.
    arn: String,
    last: Option<DaemonDeployment>,
    status: String,
    lines: Vec<String>,
}

impl Daemon {
    pub fn new(name: String, deployment_arn: String) -> Self {
        Daemon {
            name,
            arn: deployment_arn,
            last: None,
            status: String::new(),
            lines: vec![],
        }
    }

    async fn step(&mut self, scope: &Scope<'_>) -> Result<Step<Verdict>> {
        let found = scope
            .aws
            .describe_daemon_deployments(std::slice::from_ref(&self.arn))
            .await?;
        let name = &self.name;
        let Some(deployment) = found.into_iter().find(|d| d.arn == self.arn) else {
            return Ok(Step::Pending(format!(
                "{name}: waiting for daemon deployment {} to show up",
                arn_name(&self.arn)
            )));
        };
        let status = deployment.status.as_str().to_string();
        if status != self.status {
            scope.progress.say(format_args!(
                "{name}: daemon deployment {} {status}",
                arn_name(&self.arn)
            ));
            self.status = status;
        }
        let lines = judge::progress_lines(&deployment);
        if lines != self.lines {
            for line in &lines {
                scope.progress.say(format_args!("{name}: {line}"));
            }
            self.lines = lines;
        }
        let step = match judge::judge(&deployment) {
            Step::Pending(text) => Step::Pending(format!("{name}: {text}")),
            done => done,
        };
        self.last = Some(deployment);
        Ok(step)
    }
}

impl Follower for Daemon {
    fn step<'a>(&'a mut self, scope: &'a Scope<'a>, _look: Look<'a>) -> Later<'a, Step<Verdict>> {
        Box::pin(Daemon::step(self, scope))
    }

    fn roll_back<'a>(&'a self, rollback: Rollback<'a>) -> Later<'a, Option<Watch>> {
        Box::pin(async move {
            rollback.scope.progress.say(format_args!(
                "{}: ECS rolls a failed daemon deployment back itself; nothing more to roll back",
                rollback.failed.name
            ));
            Ok(None)
        })
    }

    fn followed(&self) -> &str {
        arn_name(&self.arn)
    }

    fn state(&self, _service: &ServiceDescription) -> String {
        self.last
            .as_ref()
            .map(|d| match judge::judge(d) {
                Step::Pending(text) => text,
                Step::Done(_) => d.status.as_str().to_string(),
            })
            .unwrap_or_default()
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            daemon: Some(DaemonFacts {
                deployment_arn: &self.arn,
                last: self.last.as_ref(),
            }),
            ..Facts::default()
        }
    }

    fn reads_service(&self) -> bool {
        false
    }
}
