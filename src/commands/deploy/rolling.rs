//! Following a rolling update through DescribeServices `deployments[]`: the deployment
//! UpdateService created, its rollout state, and the stopped tasks of its revision (listed
//! only when ECS counts a new failed task).

use super::waiter::{Verdict, Waiter};
use crate::ecs::{Deployment, ServiceDescription, Task};
use crate::rollout_verdict::{self, RolloutVerdict};

pub struct Rolling {
    /// The deployment's failedTasks when its stopped tasks were last looked at: they are listed
    /// again only when ECS counts a new failure, not on every poll.
    pub failed_tasks_checked: i64,
}

impl Rolling {
    pub fn new() -> Self {
        Rolling {
            failed_tasks_checked: 0,
        }
    }

    /// One look at `service`: `Err(text)` while it rolls.
    pub async fn step(
        &mut self,
        waiter: &Waiter<'_>,
        service: &ServiceDescription,
        deployment_id: &str,
    ) -> Result<Verdict, String> {
        let stopped = match service.deployments.iter().find(|d| d.id == deployment_id) {
            Some(deployment) if deployment.failed_tasks > self.failed_tasks_checked => {
                match stopped_tasks(waiter, service, deployment).await {
                    Some(stopped) => {
                        self.failed_tasks_checked = deployment.failed_tasks;
                        stopped
                    }
                    None => vec![],
                }
            }
            _ => vec![],
        };
        match rollout_verdict::judge(service, deployment_id, &stopped) {
            RolloutVerdict::InProgress(text) => Err(text),
            RolloutVerdict::Completed => Ok(Verdict::Completed),
            RolloutVerdict::Failed(reason) => Ok(Verdict::Failed(reason)),
        }
    }
}

/// Stopped tasks of the deployment's revision created since it began; `None` when AWS could
/// not say (warned, and asked again next poll). Only asked for when ECS counts a new failed
/// task, so the usual poll is one DescribeServices per 10 services.
pub async fn stopped_tasks(
    waiter: &Waiter<'_>,
    service: &ServiceDescription,
    deployment: &Deployment,
) -> Option<Vec<Task>> {
    let listed = waiter
        .aws
        .list_service_tasks(waiter.cluster, &service.service_name, true)
        .await;
    let arns = match listed {
        Ok(arns) => arns,
        Err(error) => {
            waiter.context.progress.warn(format_args!(
                "cannot list stopped tasks of {}: {error}",
                service.service_name
            ));
            return None;
        }
    };
    if arns.is_empty() {
        return Some(vec![]);
    }
    match waiter.aws.describe_tasks(waiter.cluster, &arns).await {
        Ok((tasks, _)) => Some(
            tasks
                .into_iter()
                .filter(|t| t.task_definition_arn == deployment.task_definition)
                .filter(
                    |t| match (t.created_at.or(t.started_at), deployment.created_at) {
                        (Some(task), Some(since)) => task + 1.0 >= since,
                        _ => true,
                    },
                )
                .collect(),
        ),
        Err(error) => {
            waiter.context.progress.warn(format_args!(
                "cannot describe stopped tasks of {}: {error}",
                service.service_name
            ));
            None
        }
    }
}
