//! `ecs-ship prune`: deregister (with `--delete`, then delete) the ACTIVE revisions of each
//! family beyond the newest `--keep N`, never one in use, whatever its age. `deploy --prune N`
//! runs the same `prune` on the families it deployed.
//!
//! `run` tells the story: check the flags (before AWS), resolve the families, list their
//! revisions (every page), read what uses them (`in_use`), decide (`plan`, pure), then change:
//! deregister one by one (paced by the pacer's RegisterTaskDefinition/DeregisterTaskDefinition
//! bucket, retried on throttling), delete 10 at a time. A refusal is reported by name and the
//! rest goes on.

mod in_use;
mod plan;

use std::time::Instant;

use crate::aws::{Aws, DELETE_TASK_DEFINITIONS_MAX};
use crate::cli::PruneArgs;
use crate::context::Context;
use crate::ecs::arn_name;
use crate::error::{Error, Result};
use crate::lookup;
use crate::output::{CommandResult, FamilyPrune, PruneAction, PruneFailure, PruneResult};
use crate::render::progress::Progress;
use crate::report::Report;
use crate::scheduled::{self, family_of, Reference};

/// What to prune, checked before any AWS call.
#[derive(Debug, Clone)]
pub struct Request {
    pub keep: u32,
    /// Services whose families are pruned.
    pub services: Vec<String>,
    pub families: Vec<String>,
    /// Rules and schedules whose targets' revisions are in use.
    pub references: Vec<Reference>,
    pub delete: bool,
    pub dry_run: bool,
}

pub async fn run(context: &Context, args: &PruneArgs) -> Result<Report> {
    let started = Instant::now();
    let request = check(context, args)?;
    let cluster = context.cluster()?;
    let aws = context.aws().await?;
    let result = prune(context, &aws, cluster, &request, started).await?;
    let failure =
        (result.exit_code != 0).then(|| Error::Other(result.reason.clone().unwrap_or_default()));
    let mut report = Report::of(CommandResult::Prune(result));
    report.failure = failure;
    Ok(report)
}

fn check(context: &Context, args: &PruneArgs) -> Result<Request> {
    let references =
        scheduled::references(&args.rules, &args.schedules).map_err(Error::invalid_value)?;
    let mut families: Vec<String> = vec![];
    for family in args
        .families
        .iter()
        .map(|f| f.trim())
        .filter(|f| !f.is_empty())
    {
        if family.contains(':') || family.contains('/') {
            return Err(Error::input_with_hint(
                format!("--family `{family}` is not a family name"),
                "name the family alone (web, not web:7 or an ARN)",
            )
            .invalid_value());
        }
        if !families.iter().any(|f| f == family) {
            families.push(family.to_string());
        }
    }
    let services = lookup::named_services(context);
    if services.is_empty() && families.is_empty() {
        return Err(Error::Usage(
            "prune needs a family: --service NAME (its family), --family FAMILY, ECS_SHIP_SERVICE / ECS_SHIP_FAMILY or `service = \"…\"` in ecs-ship.toml".into(),
        ));
    }
    context.cluster()?;
    Ok(Request {
        keep: args.keep,
        services,
        families,
        references,
        delete: args.delete,
        dry_run: args.dry_run,
    })
}

/// Prunes the families of `request` in `cluster`; the result says what went and why the rest
/// stays. `Err` when nothing was changed (a read failed, a family has no revision); a refused
/// deregistration or deletion is in the result (`failed`, exit code 1).
pub async fn prune(
    context: &Context,
    aws: &Aws,
    cluster: &str,
    request: &Request,
    started: Instant,
) -> Result<PruneResult> {
    let progress = &context.progress;
    let families = families(aws, cluster, request).await?;
    let mut listed = vec![];
    for family in &families {
        let arns = aws.list_active_revisions(family).await?;
        if arns.is_empty() {
            return Err(Error::input_with_hint(
                format!(
                    "task-definition family `{family}` has no ACTIVE revision in {}",
                    aws.region()
                ),
                "check --family and --region",
            ));
        }
        listed.push(arns);
    }
    // Read after listing, right before changing: a use that starts meanwhile is still seen.
    let in_use = in_use::read(aws, cluster, &families, &request.references, progress).await?;
    let mut result = PruneResult {
        command: "prune",
        result: "succeeded",
        exit_code: 0,
        reason: None,
        cluster: cluster.to_string(),
        region: aws.region().to_string(),
        keep: request.keep,
        delete: request.delete,
        dry_run: request.dry_run,
        families: families
            .iter()
            .zip(&listed)
            .map(|(family, arns)| FamilyPrune {
                family: family.clone(),
                revisions: plan::decide(family, arns, request.keep, &in_use),
            })
            .collect(),
        deregistered: 0,
        deleted: 0,
        failures: vec![],
        api_calls: 0,
        duration_seconds: 0.0,
    };
    announce(&result, progress);
    if request.dry_run {
        if request.delete {
            set_all(
                &mut result,
                PruneAction::WouldDeregister,
                PruneAction::WouldDelete,
            );
        }
    } else {
        deregister(aws, &mut result, progress).await;
        if request.delete {
            delete(aws, &mut result, progress).await;
        }
    }
    Ok(finish(result, aws, started, progress))
}

/// The families of the services named (from their current task definition), then every
/// `--family`, each once.
async fn families(aws: &Aws, cluster: &str, request: &Request) -> Result<Vec<String>> {
    let mut families: Vec<String> = vec![];
    let services = match request.services.is_empty() {
        true => vec![],
        false => lookup::services(aws, cluster, &request.services).await?,
    };
    let of_services = services.iter().map(|s| family_of(&s.task_definition));
    for family in of_services.chain(request.families.iter().map(String::as_str)) {
        if !family.is_empty() && !families.iter().any(|f| f == family) {
            families.push(family.to_string());
        }
    }
    Ok(families)
}

fn announce(result: &PruneResult, progress: &Progress) {
    for family in &result.families {
        let going = family
            .revisions
            .iter()
            .filter(|r| r.action != PruneAction::Kept)
            .count();
        progress.say(format_args!(
            "{}: {} ACTIVE revision(s); keeping {} (newest {} and those in use), {} {going}",
            family.family,
            family.revisions.len(),
            family.revisions.len() - going,
            result.keep,
            if result.dry_run {
                "would deregister"
            } else {
                "deregistering"
            },
        ));
    }
}

fn set_all(result: &mut PruneResult, from: PruneAction, to: PruneAction) {
    for revision in result.families.iter_mut().flat_map(|f| &mut f.revisions) {
        if revision.action == from {
            revision.action = to;
        }
    }
}

/// DeregisterTaskDefinition of every revision that goes, one at a time: the pacer spaces them
/// to ECS's bucket and the SDK retries throttles; a refusal is noted and the rest goes on.
async fn deregister(aws: &Aws, result: &mut PruneResult, progress: &Progress) {
    for revision in result.families.iter_mut().flat_map(|f| &mut f.revisions) {
        if revision.action != PruneAction::WouldDeregister {
            continue;
        }
        let name = arn_name(&revision.task_definition).to_string();
        match aws
            .deregister_task_definition(&revision.task_definition)
            .await
        {
            Ok(()) => {
                revision.action = PruneAction::Deregistered;
                progress.debug(format_args!("deregistered {name}"));
            }
            Err(error) => {
                progress.warn(format_args!("✗ {name} not deregistered: {error}"));
                revision.action = PruneAction::Failed;
                revision.reason = Some(error.to_string());
                result.failures.push(PruneFailure {
                    task_definition: revision.task_definition.clone(),
                    operation: "DeregisterTaskDefinition",
                    reason: error.to_string(),
                });
            }
        }
    }
}

/// DeleteTaskDefinitions of what was deregistered, 10 a call; each revision ECS refused is
/// reported by name (it stays deregistered).
async fn delete(aws: &Aws, result: &mut PruneResult, progress: &Progress) {
    let deregistered: Vec<String> = result
        .families
        .iter()
        .flat_map(|f| &f.revisions)
        .filter(|r| r.action == PruneAction::Deregistered)
        .map(|r| r.task_definition.clone())
        .collect();
    let mut refused: Vec<(String, String)> = vec![];
    for batch in deregistered.chunks(DELETE_TASK_DEFINITIONS_MAX) {
        match aws.delete_task_definitions(batch).await {
            Ok(failures) => refused.extend(failures.into_iter().map(|f| {
                let reason = match (f.reason, f.detail) {
                    (Some(reason), Some(detail)) => format!("{reason}: {detail}"),
                    (reason, detail) => reason.or(detail).unwrap_or_else(|| "refused".into()),
                };
                (f.arn.unwrap_or_default(), reason)
            })),
            Err(error) => refused.extend(batch.iter().map(|arn| (arn.clone(), error.to_string()))),
        }
    }
    for revision in result.families.iter_mut().flat_map(|f| &mut f.revisions) {
        if revision.action != PruneAction::Deregistered {
            continue;
        }
        let name = arn_name(&revision.task_definition);
        match refused.iter().find(|(arn, _)| arn_name(arn) == name) {
            Some((_, reason)) => {
                progress.warn(format_args!(
                    "✗ {name} deregistered but not deleted: {reason}"
                ));
                revision.reason = Some(format!("not deleted: {reason}"));
                result.failures.push(PruneFailure {
                    task_definition: revision.task_definition.clone(),
                    operation: "DeleteTaskDefinitions",
                    reason: reason.clone(),
                });
            }
            None => revision.action = PruneAction::Deleted,
        }
    }
}

/// Counts, verdict and figures.
fn finish(
    mut result: PruneResult,
    aws: &Aws,
    started: Instant,
    progress: &Progress,
) -> PruneResult {
    let count = |actions: &[PruneAction]| {
        result
            .families
            .iter()
            .flat_map(|f| &f.revisions)
            .filter(|r| actions.contains(&r.action))
            .count()
    };
    use PruneAction::*;
    result.deregistered = count(&[Deregistered, Deleted, WouldDeregister, WouldDelete]);
    result.deleted = count(&[Deleted, WouldDelete]);
    result.api_calls = aws.calls();
    result.duration_seconds = started.elapsed().as_secs_f64();
    if result.dry_run {
        result.result = "dry_run";
        progress.say(format_args!("{}", result.headline()));
    } else if !result.failures.is_empty() {
        let names: Vec<String> = result
            .failures
            .iter()
            .map(|f| {
                format!(
                    "{} ({}: {})",
                    arn_name(&f.task_definition),
                    f.operation,
                    f.reason
                )
            })
            .collect();
        result.result = "failed";
        result.exit_code = 1;
        result.reason = Some(format!(
            "{} revision(s) not pruned: {}",
            names.len(),
            names.join("; ")
        ));
    } else {
        progress.say(format_args!("✓ {}", result.headline()));
    }
    result
}
