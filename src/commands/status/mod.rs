//! `ecs-ship status`: where each service stands — revision and images, counts, the deployment
//! in progress and its stage, pending pauses with the command that resumes them, auto scaling,
//! last events. It only reads, and its calls do not grow with history: DescribeServices 10 at a
//! time, one DescribeTaskDefinition per distinct revision, service deployments (20 a call) and
//! CodeDeploy deployments only for services with one in progress, DescribeScalableTargets 50
//! resource ids a call.

mod in_progress;
mod read;
mod service;

use std::time::Instant;

use crate::cli::StatusArgs;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::follow;
use crate::lookup;
use crate::output::{CommandResult, StatusResult};
use crate::report::Report;

pub async fn run(context: &Context, args: &StatusArgs) -> Result<Report> {
    let started = Instant::now();
    let named = lookup::named_services(context);
    if !args.all && named.is_empty() {
        return Err(Error::Usage(
            "status needs --service NAME (repeatable), --all, ECS_SHIP_SERVICE or `service = \"…\"` in ecs-ship.toml".into(),
        ));
    }
    let cluster = context.cluster()?;
    let aws = context.aws().await?;
    let names = if args.all {
        lookup::every_service(&aws, cluster).await?
    } else {
        named
    };
    let services = match names.is_empty() {
        true => vec![],
        false => lookup::services(&aws, cluster, &names).await?,
    };
    let found = read::Found::read(&aws, cluster, &services).await?;
    let services = services
        .iter()
        .map(|s| {
            let resume = follow::continue_command(context, cluster, &s.service_name);
            service::status(cluster, aws.region(), s, &found, &resume)
        })
        .collect();
    Ok(Report::of(CommandResult::Status(StatusResult {
        command: "status",
        result: "ok",
        exit_code: 0,
        reason: None,
        cluster: cluster.to_string(),
        region: aws.region().to_string(),
        services,
        api_calls: aws.calls(),
        duration_seconds: started.elapsed().as_secs_f64(),
    })))
}
