//! `ecs-ship wait`: follow the deployment in progress on each service — whoever started it:
//! Terraform, the console, another pipeline, ECS itself — or the one `--deployment` names, to
//! the same verdicts and exit codes as deploy (0 done, 3 failed or rolled back, 124 timed out;
//! a pause as `--on-pause` says). With nothing in progress the latest deployment's verdict is
//! the answer, at once. It changes nothing: a failure is reported, never rolled back.

use crate::cli::{WaitArgs, WaitUntil};
use crate::commands::follow_up::Session;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::follow::{self, Found, Goal, Scope, Wanted};
use crate::output::{CommandResult, Followed, WaitResult};
use crate::report::Report;

pub async fn run(context: &Context, args: &WaitArgs) -> Result<Report> {
    check(context, args)?;
    let session = Session::open(context, "wait").await?;
    let scope = Scope {
        aws: &session.aws,
        cluster: session.cluster,
        progress: &context.progress,
    };
    let goal = Goal::Forward {
        traffic_shifted: args.follow.wait_until == WaitUntil::TrafficShifted,
    };
    let mut watches = vec![];
    let mut found = vec![];
    for service in &session.services {
        let name = &service.service_name;
        let wanted = Wanted {
            deployment: args.deployment.as_deref(),
            goal,
            on_pause: args.follow.on_pause,
            continue_command: follow::continue_command(context, session.cluster, name),
            codedeploy: &args.codedeploy,
        };
        let (watch, how) = follow::current(&scope, service, wanted).await?;
        watches.push(watch);
        found.push(match how {
            Found::InProgress => Followed::InProgress,
            Found::Latest => Followed::Latest,
            Found::Named => Followed::Named,
        });
    }
    // Followed as deploy follows its own, with no rollback: wait only reports.
    let mut report = session.follow(watches, args.max_poll_attempts).await?;
    report.result = match report.result {
        CommandResult::Deploy(followed) => CommandResult::Wait(WaitResult::new(followed, &found)),
        other => other,
    };
    Ok(report)
}

/// Flags that make no sense for wait, before any AWS call.
fn check(context: &Context, args: &WaitArgs) -> Result<()> {
    if context.global.no_wait {
        return Err(Error::Usage(
            "wait with --no-wait would do nothing; drop --no-wait".into(),
        ));
    }
    if args.deployment.is_some() && crate::lookup::named_services(context).len() > 1 {
        return Err(Error::Usage(
            "--deployment names one deployment of one service; give a single --service with it"
                .into(),
        ));
    }
    Ok(())
}
