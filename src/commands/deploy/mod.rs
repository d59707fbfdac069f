//! `ecs-ship deploy` (alias `update-service`): derive a task-definition revision from the live
//! one (or take one given), pin ECR images to their digests, register it unless the family's
//! latest is identical, point the service(s) at it, and wait for *this* deployment: done,
//! failed (circuit breaker, rollback, tasks of the new revision stopping) or timed out.
//! Optionally roll back to the previous revision on failure.

pub(crate) mod codedeploy;
mod dry_run;
mod outcome;
mod plan;
mod rolling;
mod scheduled;
mod service_deployment;
mod waiter;
mod way;

use std::sync::Arc;
use std::time::Instant;

pub(crate) use outcome::{result_of, Outcome, Status};
use plan::{Action, Plan, Revision, Source};
pub(crate) use service_deployment::{in_progress, now, started_by_update, Native};
pub(crate) use waiter::{Follow, Verdict, WaitEnd, Waiter, Watch};
use way::check_controllers;
pub(crate) use way::Way;

use crate::aws::{Aws, DeploymentGroup, ErrorKind, ServiceUpdate};
use crate::cli::{DeployArgs, WaitUntil};
use crate::context::Context;
use crate::duration::human;
use crate::ecr;
use crate::ecs::{self, arn_name, ServiceDescription};
use crate::error::{Error, Result};
use crate::lookup;
use crate::report::Report;
use crate::service_deployment_verdict::Goal;
use crate::task_definition::{self, TaskDefinition};

/// How many UpdateService calls run at once.
const UPDATE_CONCURRENCY: usize = 10;

/// `--service` names, each once; at least one.
pub(crate) fn service_names(context: &Context, command: &str) -> Result<Vec<String>> {
    let names = named_services(context);
    if names.is_empty() {
        return Err(Error::Usage(format!(
            "{command} needs --service NAME (repeatable), ECS_SHIP_SERVICE or `service = \"…\"` in ecs-ship.toml"
        )));
    }
    Ok(names)
}

/// `--service` names, each once.
fn named_services(context: &Context) -> Vec<String> {
    let mut names: Vec<String> = vec![];
    for name in context
        .global
        .services
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// The command that continues a paused deployment of `service`, as people type it.
pub(crate) fn continue_command(context: &Context, cluster: &str, service: &str) -> String {
    let env = match &context.global.env {
        Some(env) => format!(" --env {env}"),
        None => String::new(),
    };
    format!("ecs-ship continue{env} --cluster {cluster} --service {service}")
}

/// Service events kept for notifications.
pub(crate) const EVENTS_KEPT: usize = 10;

/// UpdateService, and the id of the deployment it started (the PRIMARY one running its
/// task definition).
pub(crate) async fn update_service(
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
    let primary = service
        .deployments
        .iter()
        .find(|d| d.status == "PRIMARY" && &d.task_definition == arn)
        .or_else(|| service.deployments.iter().find(|d| d.status == "PRIMARY"))
        .map(|d| d.id.clone())
        .ok_or_else(|| {
            Error::Other(format!(
                "UpdateService of `{name}` answered without a PRIMARY deployment"
            ))
        })?;
    Ok((service, primary))
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
            (index, update_service(&aws, &update).await)
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

// ---------------------------------------------------------------------------------------------

pub async fn run(context: &Context, args: &DeployArgs) -> Result<Report> {
    let started = Instant::now();
    let plan = Plan::from_args(args)?;
    // --rule / --schedule, checked before anything touches AWS.
    let scheduled_refs = scheduled::references(&args.rules, &args.schedules)?;
    let names = named_services(context);
    if names.is_empty() && scheduled_refs.is_empty() {
        return Err(Error::Usage(
            "deploy needs --service NAME (repeatable), ECS_SHIP_SERVICE or `service = \"…\"` in ecs-ship.toml \
             (or only --rule / --schedule for scheduled tasks)".into(),
        ));
    }
    let hooks = codedeploy::parse_hooks(&args.codedeploy_hooks)?;
    if args.rollback_on_failure && context.global.no_wait {
        return Err(Error::Usage(
            "--rollback-on-failure needs to wait for the deployment; drop --no-wait".into(),
        ));
    }
    // Scheduled targets name their own cluster: a batch-only deploy needs none.
    let cluster = match names.is_empty() {
        true => context.global.cluster.as_deref().unwrap_or_default(),
        false => context.cluster()?,
    };
    let aws = context.aws().await?;
    let progress = &context.progress;

    // 1. The services as they are (a missing one is an error now, not after a long wait).
    let services = match names.is_empty() {
        true => vec![],
        false => lookup::services(&aws, cluster, &names).await?,
    };
    check_controllers(&services)?;
    // Every rule's targets and every schedule, read before anything changes.
    let targets = scheduled::read(&aws, &scheduled_refs, progress).await?;
    let mut groups: Vec<Option<DeploymentGroup>> = vec![];
    for service in &services {
        groups.push(match Way::of(service) {
            Way::CodeDeploy => {
                let group = codedeploy::deployment_group(
                    &aws,
                    &args.codedeploy,
                    cluster,
                    &service.service_name,
                )
                .await?;
                progress.say(format_args!(
                    "{}: CODE_DEPLOY controller; CodeDeploy application {}, deployment group {}",
                    service.service_name, group.application, group.name
                ));
                Some(group)
            }
            _ => None,
        });
    }

    // 2. The task definitions each service will run, derived and pinned; nothing registered yet.
    let mut keys: Vec<String> = vec![];
    let service_keys: Vec<String> = services
        .iter()
        .map(|service| match &plan.source {
            Source::Live => service.task_definition.clone(),
            Source::Reference(reference) => reference.clone(),
            Source::File { path, .. } => format!("file:{path}"),
        })
        .collect();
    for key in &service_keys {
        if !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    // One revision per family, shared with the services: each target's key.
    let given = match &plan.source {
        Source::Live => None,
        Source::Reference(reference) => Some((
            reference.clone(),
            scheduled::family_of(reference).to_string(),
        )),
        Source::File { path, definition } => {
            Some((format!("file:{path}"), definition.family().to_string()))
        }
    };
    let target_keys = scheduled::keys(&targets, &mut keys, given)?;
    let mut bases = vec![];
    for key in &keys {
        bases.push(match &plan.source {
            Source::File { definition, .. } => definition.clone(),
            _ => task_definition::describe(&aws, key).await?,
        });
    }
    // A target the changes would not touch is an error, naming the target.
    let target_bases: Vec<&TaskDefinition> = target_keys
        .iter()
        .map(|key| &bases[keys.iter().position(|k| k == key).expect("keyed")])
        .collect();
    scheduled::check_containers(&targets, &target_bases, &plan.containers_named())?;
    plan.check_containers(&bases)?;
    let mut revisions = vec![];
    for (key, base) in keys.iter().zip(&bases) {
        let (mut derived, imaged) = plan.derive(base)?;
        let pinned = if args.no_pin_digest {
            vec![]
        } else {
            ecr::pin_images(&aws, &mut derived, &imaged, progress).await?
        };
        let is_file = matches!(plan.source, Source::File { .. });
        let (action, target, before) = if !is_file && derived.registration() == base.registration()
        {
            (Action::Unchanged, Some(base.clone()), Some(base.clone()))
        } else {
            let latest = task_definition::latest(&aws, derived.family()).await?;
            let before = if is_file {
                latest.clone()
            } else {
                Some(base.clone())
            };
            match latest {
                Some(latest) if latest.same_registration(&derived) => {
                    (Action::Reuse, Some(latest), before)
                }
                _ => (Action::Register, None, before),
            }
        };
        revisions.push(Revision {
            label: if is_file {
                key.trim_start_matches("file:").to_string()
            } else {
                base.name()
            },
            before,
            derived,
            action,
            target,
            pinned,
        });
    }
    let revision_of = |service_index: usize| -> usize {
        keys.iter()
            .position(|k| *k == service_keys[service_index])
            .expect("every service has a revision")
    };

    // The revision each scheduled target moves to.
    let target_arns = |revisions: &[Revision]| -> Vec<String> {
        target_keys
            .iter()
            .map(|key| revisions[keys.iter().position(|k| k == key).expect("keyed")].arn())
            .collect()
    };

    if args.dry_run {
        let mut report = dry_run::report(dry_run::DryRun {
            context,
            args,
            cluster,
            services: &services,
            revisions: &revisions,
            revision_of: &revision_of,
            groups: &groups,
            hooks: &hooks,
            started,
        });
        scheduled::Moves::new(targets, target_arns(&revisions)).dry_run(&mut report);
        return Ok(report);
    }

    // 3. Register what is new.
    for revision in &mut revisions {
        match revision.action {
            Action::Register => {
                let registered = task_definition::register(&aws, &revision.derived).await?;
                progress.say(format_args!(
                    "registered task definition {}",
                    registered.name()
                ));
                revision.target = Some(registered);
            }
            Action::Reuse => {
                let target = revision.target.as_ref().expect("reused revision is known");
                progress.say(format_args!(
                    "task definition {} already has these settings; reusing it",
                    target.name()
                ));
            }
            Action::Unchanged => {}
        }
    }

    // Moved after the services succeeded, unless --schedules-first (or there
    // is no service).
    let mut moves = scheduled::Moves::new(targets, target_arns(&revisions));
    if args.schedules_first || services.is_empty() {
        if let Some(error) = moves.apply(&aws, progress).await {
            return Err(error);
        }
    }

    // 4. Point every service at its revision.
    //    CODE_DEPLOY services get a CodeDeploy deployment instead: UpdateService would refuse.
    let requests: Vec<ServiceUpdate> = services
        .iter()
        .enumerate()
        .filter(|(i, _)| groups[*i].is_none())
        .map(|(i, service)| {
            update_request(args, cluster, service, &revisions[revision_of(i)].arn())
        })
        .collect();
    for (service, arn) in services
        .iter()
        .zip(&groups)
        .filter(|(_, group)| group.is_none())
        .map(|(service, _)| service)
        .zip(requests.iter().map(|r| &r.task_definition))
    {
        if *arn == service.task_definition
            && !args.force_new_deployment
            && args.desired_count.is_none()
        {
            progress.say(format_args!(
                "{} already runs {}; no new deployment (--force-new-deployment starts one)",
                service.service_name,
                arn_name(arn)
            ));
        } else {
            progress.say(format_args!(
                "updating service {} to {} ({})",
                service.service_name,
                arn_name(arn),
                ecs::console_url(
                    aws.region(),
                    cluster,
                    &format!("services/{}/deployments", service.service_name)
                )
            ));
        }
    }
    let requested_at = service_deployment::now();
    let mut updated = update_all(&aws, requests.clone())
        .await?
        .into_iter()
        .zip(&requests);
    let goal = Goal::Forward {
        traffic_shifted: args.follow.wait_until == WaitUntil::TrafficShifted,
    };
    let mut watches: Vec<Watch> = vec![];
    for (i, before) in services.iter().enumerate() {
        if let Some(group) = &groups[i] {
            let arn = revisions[revision_of(i)].arn();
            watches.push(
                codedeploy::start(context, &aws, args, cluster, before, group, &arn, &hooks)
                    .await?,
            );
            continue;
        }
        let ((after, deployment_id), update) = updated.next().expect("one answer per update");
        let mut watch = Watch::new(before, deployment_id, update.task_definition.clone());
        if Way::of(before) == Way::Native {
            match service_deployment::started_by_update(&aws, cluster, before, &after, requested_at)
                .await?
            {
                Some(arn) => {
                    progress.say(format_args!(
                        "{}: {} deployment; following service deployment {arn}",
                        before.service_name,
                        before.strategy.as_deref().unwrap_or_default()
                    ));
                    watch.follow = Follow::ServiceDeployment(Box::new(Native::new(
                        arn,
                        goal,
                        args.follow.on_pause,
                        continue_command(context, cluster, &before.service_name),
                    )));
                }
                None => progress.warn(format_args!(
                    "{}: no service deployment found for this update; following DescribeServices deployments instead",
                    before.service_name
                )),
            }
        }
        if let Follow::Rolling(_) = watch.follow {
            watch.service_deployment_arn = after
                .current_service_deployment
                .clone()
                .filter(|arn| before.current_service_deployment.as_ref() != Some(arn));
        }
        watch.last = after;
        watches.push(watch);
    }
    let mut outcome = Outcome {
        command: "deploy",
        context,
        aws: &aws,
        cluster,
        started,
        revisions: &revisions,
        previous: services.iter().map(|s| s.task_definition.clone()).collect(),
        events: vec![],
        results: vec![None; services.len()],
        rollbacks: vec![None; services.len()],
    };
    if context.global.no_wait {
        for watch in &watches {
            progress.say(format_args!(
                "{}: started deployment {}",
                watch.name, watch.deployment_id
            ));
        }
        outcome.results = vec![Some((Status::Started, None)); services.len()];
        // With --no-wait, once UpdateService accepted the new revision.
        let failure = moves.after_deploy(&aws, progress, None).await;
        let mut report = outcome.report(&watches, failure);
        moves.annotate(&mut report);
        return Ok(report);
    }

    // 5. Wait for this deployment of every service.
    let waiter = Waiter {
        context,
        aws: &aws,
        cluster,
        max_poll_attempts: args.max_poll_attempts,
    };
    let (finished, end) = waiter
        .wait(std::mem::take(&mut watches), &mut outcome.events)
        .await?;
    watches = finished;
    let mut cancelled = None;
    for (i, watch) in watches.iter().enumerate() {
        if let (None, WaitEnd::Cancelled(signal)) = (&watch.verdict, &end) {
            cancelled = Some(*signal);
        }
        outcome.results[i] = Some(match result_of(watch.verdict.as_ref(), &end) {
            (Status::TimedOut, None) => {
                let state = match (watch.follow.native(), watch.deployment()) {
                    (Some(native), _) => native
                        .last
                        .as_ref()
                        .map(|d| {
                            format!(
                                "{} {}",
                                d.status,
                                d.lifecycle_stage.as_deref().unwrap_or_default()
                            )
                        })
                        .unwrap_or_default(),
                    (None, Some(d)) => format!("{}/{} running", d.running_count, d.desired_count),
                    (None, None) => String::new(),
                };
                (
                    Status::TimedOut,
                    Some(format!(
                        "still rolling after {} ({})",
                        human(started.elapsed()),
                        state.trim()
                    )),
                )
            }
            other => other,
        });
    }

    // 6. Roll back what failed, when asked to.
    if args.rollback_on_failure && cancelled.is_none() {
        outcome.roll_back(&waiter, &watches).await?;
    }
    let failure = outcome.failure(&watches, cancelled);
    let paused = watches
        .iter()
        .any(|w| matches!(w.verdict, Some(Verdict::Paused(_))));
    // Only after the services succeeded: a failed deploy leaves them be; a
    // paused one has not succeeded yet either.
    let failure = match (paused, failure) {
        (true, None) if !moves.is_empty() => {
            progress.warn(
                "the deployment is paused: scheduled tasks stay where they are (deploy them with --rule / --schedule once it completed)",
            );
            None
        }
        (_, failure) => moves.after_deploy(&aws, progress, failure).await,
    };
    if failure.is_none() && paused {
        progress.say(format_args!(
            "⏸ paused after {}: the deployment waits at a lifecycle hook (--on-pause wait keeps waiting)",
            human(started.elapsed())
        ));
    } else if failure.is_none() {
        progress.say(format_args!("✓ deployed in {}", human(started.elapsed())));
    }
    let mut report = outcome.report(&watches, failure);
    moves.annotate(&mut report);
    Ok(report)
}

pub(crate) fn update_request(
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
