//! `ecs-ship rollback`: a deployment in progress (or paused) is stopped with rollback
//! (StopServiceDeployment `stopType=ROLLBACK`) and followed until ECS has rolled it back; with
//! none in progress, the service is pointed back at the revision it ran before (the source of
//! its last service deployment, or `--task-definition`) and that deployment is followed. Exit 0
//! when the rollback completed.

use std::time::Instant;

use crate::aws::{Aws, NewDeployment, ServiceUpdate};
use crate::cli::{OnPause, RollbackArgs};
use crate::commands::continue_::follow;
use crate::commands::deploy::codedeploy::{self, CodeDeploy};
use crate::commands::deploy::{self, Follow, Native, Watch, Way};
use crate::context::Context;
use crate::ecs::{arn_name, ServiceDescription};
use crate::error::{Error, Result};
use crate::lookup;
use crate::report::Report;
use crate::service_deployment_verdict::Goal;

pub async fn run(context: &Context, args: &RollbackArgs) -> Result<Report> {
    let started = Instant::now();
    let names = deploy::service_names(context, "rollback")?;
    let cluster = context.cluster()?;
    let aws = context.aws().await?;
    let progress = &context.progress;
    let services = lookup::services(&aws, cluster, &names).await?;
    for service in &services {
        if Way::of(service) == Way::External {
            return Err(Error::input(format!(
                "service `{}` deploys with the {}: ecs-ship cannot roll it back",
                service.service_name,
                Way::describe(service)
            )));
        }
    }
    let mut watches = vec![];
    for service in &services {
        let command = deploy::continue_command(context, cluster, &service.service_name);
        if Way::of(service) == Way::CodeDeploy {
            watches
                .push(codedeploy_rollback(context, &aws, args, cluster, service, command).await?);
            continue;
        }
        if let Some(deployment) = deploy::in_progress(&aws, cluster, service).await? {
            if deployment.status.starts_with("ROLLBACK") {
                progress.say(format_args!(
                    "{}: service deployment {} is already rolling back; waiting for it",
                    service.service_name,
                    arn_name(&deployment.arn)
                ));
            } else {
                progress.say(format_args!(
                    "{}: stopping service deployment {} ({}) with rollback",
                    service.service_name,
                    arn_name(&deployment.arn),
                    deployment.status
                ));
                aws.stop_service_deployment(&deployment.arn).await?;
            }
            let mut watch = Watch::new(service, String::new(), service.task_definition.clone());
            watch.follow = Follow::ServiceDeployment(Box::new(Native::new(
                deployment.arn,
                Goal::RolledBack,
                OnPause::Wait,
                command,
            )));
            watches.push(watch);
            continue;
        }
        let target = match &args.task_definition {
            Some(reference) => reference.clone(),
            None => previous_revision(&aws, service).await?,
        };
        if arn_name(&target) == arn_name(&service.task_definition) {
            return Err(Error::input(format!(
                "service `{}` already runs {}: nothing to roll back to",
                service.service_name,
                arn_name(&target)
            )));
        }
        progress.say(format_args!(
            "{}: no deployment in progress; rolling back from {} to {}",
            service.service_name,
            arn_name(&service.task_definition),
            arn_name(&target)
        ));
        let update = ServiceUpdate {
            cluster: cluster.to_string(),
            service: service.service_name.clone(),
            task_definition: target.clone(),
            desired_count: None,
            force_new_deployment: false,
        };
        let requested_at = deploy::now();
        let (after, deployment_id) = deploy::update_service(&aws, &update).await?;
        let mut watch = Watch::new(service, deployment_id, target);
        if Way::of(service) == Way::Native {
            if let Some(arn) =
                deploy::started_by_update(&aws, cluster, service, &after, requested_at).await?
            {
                watch.follow = Follow::ServiceDeployment(Box::new(Native::new(
                    arn,
                    Goal::Forward {
                        traffic_shifted: false,
                    },
                    OnPause::Wait,
                    command,
                )));
            }
        }
        watch.last = after;
        watch.last.task_definition = service.task_definition.clone();
        watches.push(watch);
    }
    follow(
        context,
        &aws,
        cluster,
        watches,
        args.max_poll_attempts,
        "rollback",
        started,
    )
    .await
}

/// A CODE_DEPLOY service: stop the deployment in progress with rollback, or deploy the
/// revision named with --task-definition.
async fn codedeploy_rollback(
    context: &Context,
    aws: &Aws,
    args: &RollbackArgs,
    cluster: &str,
    service: &ServiceDescription,
    command: String,
) -> Result<Watch> {
    let name = &service.service_name;
    let group = codedeploy::deployment_group(aws, &args.codedeploy, cluster, name).await?;
    let (id, goal, task_definition) = match codedeploy::active(aws, &group).await? {
        Some(deployment) => {
            context.progress.say(format_args!(
                "{name}: stopping CodeDeploy deployment {} ({}) with rollback",
                deployment.id, deployment.status
            ));
            aws.stop_codedeploy_deployment(&deployment.id).await?;
            (
                deployment.id,
                Goal::RolledBack,
                service.task_definition.clone(),
            )
        }
        None => {
            let Some(target) = &args.task_definition else {
                return Err(Error::input_with_hint(
                    format!(
                        "service `{name}` has no CodeDeploy deployment in progress to roll back"
                    ),
                    "to deploy an earlier revision, name it with --task-definition FAMILY:REVISION",
                ));
            };
            let request = NewDeployment {
                application: group.application.clone(),
                group: group.name.clone(),
                config: None,
                appspec: codedeploy::appspec(service, target, &[]).to_string(),
                auto_rollback: false,
            };
            let id = aws.create_deployment(&request).await?;
            context.progress.say(format_args!(
                "{name}: no deployment in progress; CodeDeploy deployment {id} rolls back to {}",
                arn_name(target)
            ));
            (
                id,
                Goal::Forward {
                    traffic_shifted: false,
                },
                target.clone(),
            )
        }
    };
    let mut watch = Watch::new(service, id.clone(), task_definition);
    watch.follow = Follow::CodeDeploy(Box::new(CodeDeploy::new(
        group,
        id,
        cluster,
        name,
        goal,
        OnPause::Wait,
        command,
    )));
    Ok(watch)
}

/// The task definition the service ran before its last deployment: the source revision of its
/// current service deployment.
async fn previous_revision(aws: &Aws, service: &ServiceDescription) -> Result<String> {
    let unknown = || {
        Error::input_with_hint(
            format!(
                "cannot tell which revision service `{}` ran before {}",
                service.service_name,
                arn_name(&service.task_definition)
            ),
            "name it with --task-definition FAMILY:REVISION",
        )
    };
    let Some(current) = &service.current_service_deployment else {
        return Err(unknown());
    };
    let (deployments, _) = aws
        .describe_service_deployments(std::slice::from_ref(current))
        .await?;
    let Some(source) = deployments
        .first()
        .and_then(|d| d.sources.first())
        .map(|s| s.arn.clone())
    else {
        return Err(unknown());
    };
    aws.service_revision_task_definition(&source)
        .await?
        .ok_or_else(unknown)
}
