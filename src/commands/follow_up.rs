//! The skeleton `continue` and `rollback` share: look up the services named, let the command
//! act on each (it returns the watches), then follow every deployment and report like deploy.

use std::time::Instant;

use crate::aws::Aws;
use crate::commands::deploy::{result_of, Status, Tally};
use crate::context::Context;
use crate::duration::human;
use crate::ecs::ServiceDescription;
use crate::error::Result;
use crate::follow::{Verdict, WaitEnd, Waiter, Watch};
use crate::lookup;
use crate::report::Report;

pub struct Session<'a> {
    pub context: &'a Context,
    pub aws: Aws,
    pub cluster: &'a str,
    /// The services named, as they are now.
    pub services: Vec<ServiceDescription>,
    /// `continue` or `rollback`.
    command: &'static str,
    started: Instant,
}

impl<'a> Session<'a> {
    /// The `--service`s of `command`, looked up (a missing one is an error naming it).
    pub async fn open(context: &'a Context, command: &'static str) -> Result<Self> {
        let started = Instant::now();
        let names = lookup::service_names(context, command)?;
        let cluster = context.cluster()?;
        let aws = context.aws().await?;
        let services = lookup::services(&aws, cluster, &names).await?;
        Ok(Session {
            context,
            aws,
            cluster,
            services,
            command,
            started,
        })
    }

    /// Waits for every watch (unless --no-wait) and reports like deploy.
    pub async fn follow(
        &self,
        watches: Vec<Watch>,
        max_poll_attempts: Option<u32>,
    ) -> Result<Report> {
        let (context, command, started) = (self.context, self.command, self.started);
        let previous = watches
            .iter()
            .map(|w| w.last.task_definition.clone())
            .collect();
        let count = watches.len();
        let (aws, cluster) = (&self.aws, self.cluster);
        let mut tally = Tally::new(command, context, aws, cluster, started, &[], previous);
        if context.global.no_wait {
            tally.results = vec![Some((Status::Started, None)); count];
            return Ok(tally.report(&watches, None));
        }
        let waiter = Waiter::new(context, &self.aws, self.cluster, max_poll_attempts);
        let (watches, end) = waiter.wait(watches, &mut tally.events).await?;
        let mut cancelled = None;
        for (i, watch) in watches.iter().enumerate() {
            if let (None, WaitEnd::Cancelled(signal)) = (&watch.verdict, &end) {
                cancelled = Some(*signal);
            }
            tally.results[i] = Some(match result_of(watch.verdict.as_ref(), &end) {
                (Status::TimedOut, None) => (
                    Status::TimedOut,
                    Some(format!("still going after {}", human(started.elapsed()))),
                ),
                other => other,
            });
        }
        let failure = tally.failure(&watches, cancelled);
        let paused = watches
            .iter()
            .any(|w| matches!(w.verdict, Some(Verdict::Paused(_))));
        if failure.is_none() && !paused {
            context.progress.say(format_args!(
                "✓ {command} done in {}",
                human(started.elapsed())
            ));
        }
        Ok(tally.report(&watches, failure))
    }
}
