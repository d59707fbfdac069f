//! Waiting: one DescribeServices per 10 services per poll, a pure verdict per service.

use std::collections::HashSet;

use crate::aws::Aws;
use crate::context::Context;
use crate::ecs::{self, arn_name, Deployment, ServiceDescription, Task};
use crate::error::{Result, Signal};
use crate::poll::{self, Ended, Step};
use crate::rollout_verdict::{self, RolloutVerdict};

/// One service being rolled and watched.
pub struct Watch {
    pub name: String,
    pub arn: String,
    pub deployment_id: String,
    /// The revision this deployment rolls to.
    pub task_definition: String,
    pub seen_events: HashSet<String>,
    pub lines: Vec<String>,
    pub verdict: Option<RolloutVerdict>,
    pub last: ServiceDescription,
    /// The deployment's failedTasks when its stopped tasks were last looked at: they are listed
    /// again only when ECS counts a new failure, not on every poll.
    pub failed_tasks_checked: i64,
}

impl Watch {
    pub fn new(
        service: &ServiceDescription,
        deployment_id: String,
        task_definition: String,
    ) -> Self {
        Watch {
            name: service.service_name.clone(),
            arn: service.service_arn.clone(),
            deployment_id,
            task_definition,
            seen_events: service.events.iter().map(|e| e.id.clone()).collect(),
            lines: vec![],
            verdict: None,
            last: service.clone(),
            failed_tasks_checked: 0,
        }
    }

    fn key(&self) -> String {
        if self.arn.is_empty() {
            self.name.clone()
        } else {
            self.arn.clone()
        }
    }

    fn matches(&self, service: &ServiceDescription) -> bool {
        (!self.arn.is_empty() && service.service_arn == self.arn)
            || (self.arn.is_empty() && service.service_name == self.name)
    }

    pub fn deployment(&self) -> Option<&Deployment> {
        self.last
            .deployments
            .iter()
            .find(|d| d.id == self.deployment_id)
    }

    /// Prints new service events (oldest first) and deployment lines that changed.
    fn observe(
        &mut self,
        service: &ServiceDescription,
        context: &Context,
        events: &mut Vec<String>,
    ) {
        for event in service.events.iter().rev() {
            if self.seen_events.insert(event.id.clone()) {
                context.progress.say(format_args!("{}", event.message));
                events.push(event.message.clone());
            }
        }
        let lines = rollout_verdict::deployment_lines(service);
        if lines != self.lines {
            for line in &lines {
                context
                    .progress
                    .say(format_args!("{}: {line}", service.service_name));
            }
            self.lines = lines;
        }
    }
}

/// How a wait for a set of services ended.
pub enum WaitEnd {
    /// Every service has a verdict.
    Finished,
    TimedOut,
    Cancelled(Signal),
}

pub struct Waiter<'a> {
    pub context: &'a Context,
    pub aws: &'a Aws,
    pub cluster: &'a str,
    pub max_poll_attempts: Option<u32>,
}

impl Waiter<'_> {
    pub async fn wait(
        &self,
        watches: Vec<Watch>,
        events: &mut Vec<String>,
    ) -> Result<(Vec<Watch>, WaitEnd)> {
        let state = tokio::sync::Mutex::new((watches, std::mem::take(events)));
        let schedule = self.context.schedule(self.max_poll_attempts);
        let ended = poll::wait(
            &schedule,
            &self.context.cancel,
            &self.context.progress,
            || {
                let state = &state;
                async move {
                    let mut guard = state.lock().await;
                    let (watches, events) = &mut *guard;
                    self.poll(watches, events).await
                }
            },
        )
        .await;
        let (watches, collected) = state.into_inner();
        *events = collected;
        let end = match ended? {
            Ended::Done(()) => WaitEnd::Finished,
            Ended::TimedOut => WaitEnd::TimedOut,
            Ended::Cancelled(signal) => WaitEnd::Cancelled(signal),
        };
        Ok((watches, end))
    }

    async fn poll(&self, watches: &mut [Watch], events: &mut Vec<String>) -> Result<Step<()>> {
        let pending: Vec<String> = watches
            .iter()
            .filter(|w| w.verdict.is_none())
            .map(Watch::key)
            .collect();
        let services = ecs::describe_services(self.aws, self.cluster, &pending).await?;
        let mut texts = vec![];
        for service in services {
            let Some(watch) = watches
                .iter_mut()
                .find(|w| w.verdict.is_none() && w.matches(&service))
            else {
                continue;
            };
            watch.observe(&service, self.context, events);
            let stopped = match service
                .deployments
                .iter()
                .find(|d| d.id == watch.deployment_id)
            {
                Some(deployment) if deployment.failed_tasks > watch.failed_tasks_checked => {
                    match self.stopped_tasks(&service, deployment).await {
                        Some(stopped) => {
                            watch.failed_tasks_checked = deployment.failed_tasks;
                            stopped
                        }
                        None => vec![],
                    }
                }
                _ => vec![],
            };
            let verdict = rollout_verdict::judge(&service, &watch.deployment_id, &stopped);
            watch.last = service;
            match verdict {
                RolloutVerdict::InProgress(text) => texts.push(text),
                RolloutVerdict::Completed => {
                    self.context.progress.say(format_args!(
                        "✓ {}: deployment {} of {} completed",
                        watch.name,
                        watch.deployment_id,
                        arn_name(&watch.task_definition)
                    ));
                    watch.verdict = Some(RolloutVerdict::Completed);
                }
                RolloutVerdict::Failed(reason) => {
                    self.context
                        .progress
                        .say(format_args!("✗ {}: {reason}", watch.name));
                    watch.verdict = Some(RolloutVerdict::Failed(reason));
                }
            }
        }
        let open = watches.iter().filter(|w| w.verdict.is_none()).count();
        Ok(if open == 0 {
            Step::Done(())
        } else if watches.len() == 1 {
            Step::Pending(texts.join("; "))
        } else {
            Step::Pending(format!(
                "{}/{} services done; {}",
                watches.len() - open,
                watches.len(),
                texts.join("; ")
            ))
        })
    }

    /// Stopped tasks of the deployment's revision created since it began; `None` when AWS could
    /// not say (warned, and asked again next poll). Only asked for when ECS counts a new failed
    /// task, so the usual poll is one DescribeServices per 10 services.
    async fn stopped_tasks(
        &self,
        service: &ServiceDescription,
        deployment: &Deployment,
    ) -> Option<Vec<Task>> {
        let listed = self
            .aws
            .list_service_tasks(self.cluster, &service.service_name, true)
            .await;
        let arns = match listed {
            Ok(arns) => arns,
            Err(error) => {
                self.context.progress.warn(format_args!(
                    "cannot list stopped tasks of {}: {error}",
                    service.service_name
                ));
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
                self.context.progress.warn(format_args!(
                    "cannot describe stopped tasks of {}: {error}",
                    service.service_name
                ));
                None
            }
        }
    }
}
