//! Following a rolling update through DescribeServices `deployments[]`: the deployment
//! UpdateService created, its rollout state, and the stopped tasks of its revision (listed
//! only when ECS counts a new failed task). Rolled back by UpdateService to the previous
//! revision.

use super::{Facts, Follower, Later, Look, Rollback, Scope, Verdict, Watch};
use crate::aws::{Aws, ErrorKind, ServiceUpdate};
use crate::ecs::{arn_name, DeploymentStatus, ServiceDescription};
use crate::error::{Error, Result};
use crate::judge::rollout;
use crate::poll::Step;

pub struct Rolling {
    /// The deployment UpdateService created.
    deployment_id: String,
    /// The service deployment UpdateService named, when it named a new one (reported; the
    /// rollout itself is judged from `deployments[]`, which shows stopped tasks at once).
    service_deployment_arn: Option<String>,
    /// The deployment's failedTasks when its stopped tasks were last looked at: they are listed
    /// again only when ECS counts a new failure, not on every poll.
    failed_tasks_checked: i64,
}

impl Rolling {
    pub fn new(deployment_id: String, service_deployment_arn: Option<String>) -> Self {
        Rolling {
            deployment_id,
            service_deployment_arn,
            failed_tasks_checked: 0,
        }
    }

    async fn step(&mut self, scope: &Scope<'_>, service: &ServiceDescription) -> Step<Verdict> {
        let ours = service
            .deployments
            .iter()
            .find(|d| d.id == self.deployment_id);
        let stopped = match ours {
            Some(deployment) if deployment.failed_tasks > self.failed_tasks_checked => {
                let since = deployment.created_at;
                match scope
                    .stopped_tasks(service, &deployment.task_definition, since)
                    .await
                {
                    Some(stopped) => {
                        self.failed_tasks_checked = deployment.failed_tasks;
                        stopped
                    }
                    None => vec![],
                }
            }
            _ => vec![],
        };
        rollout::judge(service, &self.deployment_id, &stopped)
    }

    async fn roll_back(&self, rollback: Rollback<'_>) -> Result<Option<Watch>> {
        let (scope, failed, previous) = (rollback.scope, rollback.failed, rollback.previous);
        let (name, progress) = (&failed.name, scope.progress);
        if previous == failed.task_definition {
            progress.warn(format_args!(
                "{name}: nothing to roll back to (it ran {} before this deploy too)",
                arn_name(previous)
            ));
            return Ok(None);
        }
        let already = failed
            .last
            .deployments
            .iter()
            .find(|d| d.status == DeploymentStatus::Primary && d.task_definition == previous);
        let (service, deployment_id) = match already {
            Some(deployment) => {
                progress.say(format_args!(
                    "{name}: ECS is already rolling back to {} (deployment {}); waiting for it",
                    arn_name(previous),
                    deployment.id
                ));
                (failed.last.clone(), deployment.id.clone())
            }
            None => {
                progress.say(format_args!(
                    "{name}: rolling back to {}",
                    arn_name(previous)
                ));
                let update = ServiceUpdate::to_revision(scope.cluster, name, previous);
                update_service(scope.aws, &update).await?
            }
        };
        let follower = Box::new(Rolling::new(deployment_id.clone(), None));
        let mut rollback = failed.successor(Some(deployment_id), previous.to_string(), follower);
        rollback.last = service;
        Ok(Some(rollback))
    }
}

impl Follower for Rolling {
    fn step<'a>(&'a mut self, scope: &'a Scope<'a>, look: Look<'a>) -> Later<'a, Step<Verdict>> {
        Box::pin(async move { Ok(Rolling::step(self, scope, look.service).await) })
    }

    fn roll_back<'a>(&'a self, rollback: Rollback<'a>) -> Later<'a, Option<Watch>> {
        Box::pin(Rolling::roll_back(self, rollback))
    }

    fn followed(&self) -> &str {
        &self.deployment_id
    }

    fn state(&self, service: &ServiceDescription) -> String {
        service
            .deployments
            .iter()
            .find(|d| d.id == self.deployment_id)
            .map(|d| format!("{}/{} running", d.running_count, d.desired_count))
            .unwrap_or_default()
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            service_deployment_arn: self.service_deployment_arn.as_deref(),
            ..Facts::default()
        }
    }
}

/// UpdateService, and the id of the deployment it started (the PRIMARY one running its
/// task definition).
pub async fn update_service(
    aws: &Aws,
    update: &ServiceUpdate,
) -> Result<(ServiceDescription, String)> {
    let name = &update.service;
    let service = aws
        .update_service(update)
        .await
        .map_err(|e| match e.kind() {
            ErrorKind::NotFound => Error::input_with_hint(
                format!("service `{name}` cannot be updated: {}", e.message),
                "check --service, --cluster and --region",
            ),
            ErrorKind::Refused => Error::input(format!(
                "ECS refused to update service `{name}`: {}",
                e.message
            )),
            _ => e.into(),
        })?;
    let arn = &update.task_definition;
    let primary = |d: &&crate::ecs::Deployment| d.status == DeploymentStatus::Primary;
    let id = service
        .deployments
        .iter()
        .filter(primary)
        .find(|d| &d.task_definition == arn)
        .or_else(|| service.deployments.iter().find(primary))
        .map(|d| d.id.clone())
        .ok_or_else(|| {
            Error::Other(format!(
                "UpdateService of `{name}` answered without a PRIMARY deployment"
            ))
        })?;
    Ok((service, id))
}
