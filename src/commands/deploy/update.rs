//! Starting the services' deployments: UpdateService for many services at once (a CodeDeploy
//! deployment for CODE_DEPLOY services), the request deploy sends for each, and the watch that
//! follows what each update started.

use std::sync::Arc;

use super::{codedeploy, Deploy, Found};
use crate::aws::{Aws, ServiceUpdate};
use crate::cli::{DeployArgs, WaitUntil};
use crate::ecs::{self, arn_name, ServiceDescription, Strategy};
use crate::error::{Error, Result};
use crate::follow::{self, Follower, Goal, Native, Rolling, Watch, Way};

/// How many UpdateService calls run at once.
const UPDATE_CONCURRENCY: usize = 10;

impl Deploy<'_> {
    /// Points every service at its revision (`arns[i]`) and the watch that follows each.
    /// CODE_DEPLOY services get a CodeDeploy deployment instead: UpdateService would refuse.
    pub(super) async fn start(
        &self,
        found: &Found,
        arns: &[&str],
        hooks: &[(String, String)],
    ) -> Result<Vec<Watch>> {
        let updated: Vec<usize> = (0..found.services.len())
            .filter(|i| found.groups[*i].is_none())
            .collect();
        let requests: Vec<ServiceUpdate> = updated
            .iter()
            .map(|&i| update_request(self.args, self.cluster, &found.services[i], arns[i]))
            .collect();
        for (&i, request) in updated.iter().zip(&requests) {
            self.announce_update(&found.services[i], &request.task_definition);
        }
        let requested_at = follow::now();
        let mut answers = update_all(self.aws, requests).await?.into_iter();
        let mut watches: Vec<Watch> = vec![];
        for (i, before) in found.services.iter().enumerate() {
            if let Some(group) = &found.groups[i] {
                let (context, args, aws) = (self.context, self.args, self.aws);
                let cluster = self.cluster;
                let watch =
                    codedeploy::start(context, aws, args, cluster, before, group, arns[i], hooks);
                watches.push(watch.await?);
                continue;
            }
            let answer = answers.next().expect("one answer per update");
            watches.push(
                self.follow_update(before, answer, arns[i], requested_at)
                    .await?,
            );
        }
        Ok(watches)
    }

    fn announce_update(&self, service: &ServiceDescription, arn: &str) {
        let (args, progress) = (self.args, &self.context.progress);
        let name = &service.service_name;
        if arn == service.task_definition
            && !args.force_new_deployment
            && args.desired_count.is_none()
        {
            progress.say(format_args!(
                "{name} already runs {}; no new deployment (--force-new-deployment starts one)",
                arn_name(arn)
            ));
        } else {
            let page = format!("services/{name}/deployments");
            progress.say(format_args!(
                "updating service {name} to {} ({})",
                arn_name(arn),
                ecs::console_url(self.aws.region(), self.cluster, &page)
            ));
        }
    }

    /// The watch of an UpdateService: the service deployment it started, for an ECS-native
    /// service, else its DescribeServices deployment.
    async fn follow_update(
        &self,
        before: &ServiceDescription,
        (after, deployment_id): (ServiceDescription, String),
        arn: &str,
        requested_at: f64,
    ) -> Result<Watch> {
        let name = &before.service_name;
        let progress = &self.context.progress;
        let mut native: Option<Box<dyn Follower>> = None;
        if Way::of(before) == Way::Native {
            let started =
                follow::started_by_update(self.aws, self.cluster, before, &after, requested_at);
            match started.await? {
                Some(arn) => {
                    progress.say(format_args!(
                        "{name}: {} deployment; following service deployment {arn}",
                        before.strategy.as_ref().map_or("", Strategy::as_str)
                    ));
                    let goal = Goal::Forward {
                        traffic_shifted: self.args.follow.wait_until == WaitUntil::TrafficShifted,
                    };
                    let command = follow::continue_command(self.context, self.cluster, name);
                    let on_pause = self.args.follow.on_pause;
                    native = Some(Box::new(Native::new(arn, goal, on_pause, command)));
                }
                None => progress.warn(format_args!(
                    "{name}: no service deployment found for this update; following DescribeServices deployments instead",
                )),
            }
        }
        let follower = native.unwrap_or_else(|| {
            let started = after
                .current_service_deployment
                .clone()
                .filter(|arn| before.current_service_deployment.as_ref() != Some(arn));
            Box::new(Rolling::new(deployment_id.clone(), started))
        });
        let mut watch = Watch::new(before, Some(deployment_id), arn.to_string(), follower);
        watch.last = after;
        Ok(watch)
    }
}

/// UpdateService for every request, up to UPDATE_CONCURRENCY at once, in request order.
async fn update_all(
    aws: &Aws,
    updates: Vec<ServiceUpdate>,
) -> Result<Vec<(ServiceDescription, String)>> {
    let limit = Arc::new(tokio::sync::Semaphore::new(UPDATE_CONCURRENCY));
    let mut set = tokio::task::JoinSet::new();
    for (index, update) in updates.into_iter().enumerate() {
        let (aws, limit) = (aws.clone(), limit.clone());
        set.spawn(async move {
            let _permit = limit.acquire_owned().await.expect("semaphore open");
            (index, follow::update_service(&aws, &update).await)
        });
    }
    let mut results: Vec<Option<(ServiceDescription, String)>> = vec![];
    let mut first_error = None;
    while let Some(joined) = set.join_next().await {
        let (index, result) =
            joined.map_err(|e| Error::Other(format!("UpdateService task failed: {e}")))?;
        if results.len() <= index {
            results.resize_with(index + 1, || None);
        }
        match result {
            Ok(updated) => results[index] = Some(updated),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    if let Some(error) = first_error {
        return Err(error);
    }
    Ok(results
        .into_iter()
        .map(|r| r.expect("every update answered"))
        .collect())
}

pub(super) fn update_request(
    args: &DeployArgs,
    cluster: &str,
    service: &ServiceDescription,
    arn: &str,
) -> ServiceUpdate {
    ServiceUpdate {
        cluster: cluster.to_string(),
        service: service.service_name.clone(),
        task_definition: arn.to_string(),
        desired_count: args.desired_count.map(|n| n.try_into().unwrap_or(i32::MAX)),
        force_new_deployment: args.force_new_deployment,
    }
}
