//! Waiting: one DescribeServices per 10 services per poll (plus one DescribeServiceDeployments
//! per 20 service deployments the followers read), and a verdict per service from its follower.

use super::{Look, Scope, Verdict, Watch};
use crate::aws::Aws;
use crate::context::Context;
use crate::ecs::{arn_name, ServiceDeployment, ServiceDescription};
use crate::error::{Result, Signal};
use crate::lookup;
use crate::poll::{self, Ended, Schedule, Step};

/// How a wait for a set of services ended.
pub enum WaitEnd {
    /// Every service has a verdict.
    Finished,
    TimedOut,
    Cancelled(Signal),
}

pub struct Waiter<'a> {
    context: &'a Context,
    scope: Scope<'a>,
    schedule: Schedule,
}

impl<'a> Waiter<'a> {
    /// Polls at `--poll-interval` until `--timeout`, or `max_poll_attempts` polls.
    pub fn new(
        context: &'a Context,
        aws: &'a Aws,
        cluster: &'a str,
        max_poll_attempts: Option<u32>,
    ) -> Self {
        Waiter {
            context,
            scope: Scope {
                aws,
                cluster,
                progress: &context.progress,
            },
            schedule: context.schedule(max_poll_attempts),
        }
    }

    /// What the followers work with.
    pub fn scope(&self) -> &Scope<'a> {
        &self.scope
    }

    /// Follows every watch until each has a verdict, time runs out or a signal arrives; new
    /// service events are added to `events`.
    pub async fn wait(
        &self,
        watches: Vec<Watch>,
        events: &mut Vec<String>,
    ) -> Result<(Vec<Watch>, WaitEnd)> {
        let state = tokio::sync::Mutex::new((watches, std::mem::take(events)));
        let ended = poll::wait(
            &self.schedule,
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
        let scope = &self.scope;
        let pending: Vec<String> = watches
            .iter()
            .filter(|w| w.verdict.is_none() && w.follower.reads_service())
            .map(Watch::key)
            .collect();
        let services = lookup::services(scope.aws, scope.cluster, &pending).await?;
        let arns: Vec<String> = watches
            .iter()
            .filter(|w| w.verdict.is_none())
            .filter_map(|w| {
                w.follower
                    .service_deployment_to_describe()
                    .map(String::from)
            })
            .collect();
        let snapshots = if arns.is_empty() {
            vec![]
        } else {
            scope.aws.describe_service_deployments(&arns).await?.0
        };
        let mut texts = vec![];
        for service in services {
            let Some(watch) = watches
                .iter_mut()
                .find(|w| w.verdict.is_none() && w.matches(&service))
            else {
                continue;
            };
            watch.observe(&service, scope.progress, events);
            self.step(watch, service, &snapshots, &mut texts).await?;
        }
        // Followers of something other than a service (daemons) read their own snapshots.
        for watch in watches
            .iter_mut()
            .filter(|w| w.verdict.is_none() && !w.follower.reads_service())
        {
            let last = watch.last.clone();
            self.step(watch, last, &snapshots, &mut texts).await?;
        }
        let open = watches.iter().filter(|w| w.verdict.is_none()).count();
        Ok(if open == 0 {
            Step::Done(())
        } else if watches.len() == 1 {
            Step::Pending(texts.join("; "))
        } else {
            let daemons = watches.iter().filter(|w| !w.follower.reads_service());
            Step::Pending(format!(
                "{}/{} {} done; {}",
                watches.len() - open,
                watches.len(),
                followed_kinds(watches.len(), daemons.count()),
                texts.join("; ")
            ))
        })
    }

    /// One follower's step with what this poll saw; its verdict announced once it has one.
    async fn step(
        &self,
        watch: &mut Watch,
        service: ServiceDescription,
        snapshots: &[ServiceDeployment],
        texts: &mut Vec<String>,
    ) -> Result<()> {
        let look = Look {
            service: &service,
            service_deployments: snapshots,
            task_definition: &watch.task_definition,
        };
        let step = watch.follower.step(&self.scope, look).await?;
        watch.last = service;
        match step {
            Step::Pending(text) => texts.push(text),
            Step::Done(verdict) => {
                self.announce(watch, &verdict);
                watch.verdict = Some(verdict);
            }
        }
        Ok(())
    }

    fn announce(&self, watch: &Watch, verdict: &Verdict) {
        let progress = &self.context.progress;
        match verdict {
            Verdict::Completed => progress.say(format_args!(
                "✓ {}: deployment {} of {} completed",
                watch.name,
                watch.follower.followed(),
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

/// What a wait follows, for its progress line: `services`, `daemons` or both.
fn followed_kinds(watches: usize, daemons: usize) -> &'static str {
    match (daemons, watches - daemons) {
        (0, _) => "services",
        (_, 0) => "daemons",
        _ => "services and daemons",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_line_names_what_is_followed() {
        assert_eq!(followed_kinds(3, 0), "services");
        assert_eq!(followed_kinds(2, 2), "daemons");
        assert_eq!(followed_kinds(3, 1), "services and daemons");
    }
}
