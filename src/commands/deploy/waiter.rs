//! Waiting: one DescribeServices per 10 services per poll (plus one DescribeServiceDeployments
//! per 20 ECS-native deployments), and a verdict per service from the follower that fits the
//! way it deploys.

use std::collections::HashSet;

use super::codedeploy::CodeDeploy;
use super::rolling::{self, Rolling};
use super::service_deployment::Native;
use crate::aws::Aws;
use crate::context::Context;
use crate::ecs::{arn_name, Deployment, ServiceDescription};
use crate::error::{Result, Signal};
use crate::lookup;
use crate::poll::{self, Ended, Step};
use crate::rollout_verdict;
use crate::service_deployment_verdict::Pause;

/// How one service's deployment ended, whoever followed it.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Completed,
    /// Production traffic is on the new revision; what was not waited for.
    TrafficShifted(String),
    /// Waiting at a lifecycle hook (`--on-pause exit`).
    Paused(Pause),
    Failed(String),
    /// A newer deployment took over; the reason names it.
    Superseded(String),
}

/// The way a service's deployment is followed.
pub enum Follow {
    /// DescribeServices `deployments[]` (rolling updates).
    Rolling(Rolling),
    /// The service deployments API (ECS-native blue/green, linear, canary).
    ServiceDeployment(Box<Native>),
    /// GetDeployment (the CODE_DEPLOY controller).
    CodeDeploy(Box<CodeDeploy>),
}

impl Follow {
    pub fn native(&self) -> Option<&Native> {
        match self {
            Follow::ServiceDeployment(native) => Some(native),
            _ => None,
        }
    }

    pub fn codedeploy(&self) -> Option<&CodeDeploy> {
        match self {
            Follow::CodeDeploy(codedeploy) => Some(codedeploy),
            _ => None,
        }
    }
}

/// One service being rolled and watched.
pub struct Watch {
    pub name: String,
    pub arn: String,
    pub deployment_id: String,
    /// The revision this deployment rolls to.
    pub task_definition: String,
    pub seen_events: HashSet<String>,
    pub lines: Vec<String>,
    pub verdict: Option<Verdict>,
    pub last: ServiceDescription,
    pub follow: Follow,
    /// A rolling update's service deployment, when UpdateService named a new one (reported;
    /// the rollout itself is judged from `deployments[]`, which shows stopped tasks at once).
    pub service_deployment_arn: Option<String>,
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
            follow: Follow::Rolling(Rolling::new()),
            service_deployment_arn: None,
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
        let services = lookup::services(self.aws, self.cluster, &pending).await?;
        let arns: Vec<String> = watches
            .iter()
            .filter(|w| w.verdict.is_none())
            .filter_map(|w| w.follow.native().map(|n| n.arn.clone()))
            .collect();
        let snapshots = if arns.is_empty() {
            vec![]
        } else {
            self.aws.describe_service_deployments(&arns).await?.0
        };
        let mut texts = vec![];
        for service in services {
            let Some(watch) = watches
                .iter_mut()
                .find(|w| w.verdict.is_none() && w.matches(&service))
            else {
                continue;
            };
            watch.observe(&service, self.context, events);
            let verdict = match &mut watch.follow {
                Follow::Rolling(rolling) => {
                    rolling.step(self, &service, &watch.deployment_id).await
                }
                Follow::ServiceDeployment(native) => {
                    let snapshot = snapshots.iter().find(|d| d.arn == native.arn);
                    match native.step(self.context, &service, snapshot) {
                        // Why tasks of the new revision stopped, when ECS gave up on it.
                        Ok(Verdict::Failed(reason)) => {
                            let since = Deployment {
                                task_definition: watch.task_definition.clone(),
                                created_at: snapshot.and_then(|d| d.created_at),
                                ..Deployment::default()
                            };
                            let stopped = rolling::stopped_tasks(self, &service, &since)
                                .await
                                .unwrap_or_default();
                            Ok(Verdict::Failed(rollout_verdict::with_stopped(
                                &reason, &stopped,
                            )))
                        }
                        other => other,
                    }
                }
                Follow::CodeDeploy(codedeploy) => codedeploy.step(self, &service).await?,
            };
            watch.last = service;
            match verdict {
                Err(text) => texts.push(text),
                Ok(verdict) => {
                    self.announce(watch, &verdict);
                    watch.verdict = Some(verdict);
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

    fn announce(&self, watch: &Watch, verdict: &Verdict) {
        let progress = &self.context.progress;
        match verdict {
            Verdict::Completed => progress.say(format_args!(
                "✓ {}: deployment {} of {} completed",
                watch.name,
                match (watch.follow.native(), watch.follow.codedeploy()) {
                    (Some(native), _) => arn_name(&native.arn),
                    (_, Some(codedeploy)) => codedeploy.deployment_id.as_str(),
                    _ => watch.deployment_id.as_str(),
                },
                arn_name(&watch.task_definition)
            )),
            Verdict::TrafficShifted(text) => progress.say(format_args!("✓ {}: {text}", watch.name)),
            Verdict::Paused(_) => {}
            Verdict::Failed(reason) | Verdict::Superseded(reason) => {
                progress.say(format_args!("✗ {}: {reason}", watch.name))
            }
        }
    }
}
