//! `ecs-ship verify`, and `--verify` on `deploy` and `run-task`: a read-only preflight of the
//! revision that *would* be deployed, catching what otherwise fails tasks after the deploy
//! started (a missing image or platform, a role ECS cannot assume, a secret or log group that
//! does not exist, a Fargate size that does not exist, a load balancer pointing at a container
//! that is gone).
//!
//! The story:
//! 1. The command derives its revisions as it would to deploy (every `--image`, `--set-env`,
//!    `--secret`, `--task-definition-file` applied) and hands one [`Subject`] per service,
//!    scheduled target or task to [`before_changes`], before anything is registered or updated.
//!    `ecs-ship verify` itself is deploy's derivation stopped here (`deploy::run_verify`).
//! 2. Each check family says which AWS resources it needs (`answers::Needs`); they are asked
//!    about concurrently, each once per run (`answers.rs`).
//! 3. Each family then judges from those answers alone (pure functions: `images`, `roles`,
//!    `secrets`, `logs`, `fargate`, `load_balancers`), one [`Check`] per line.
//! 4. Any ✗: exit 1 listing every failed check, and nothing was changed. A permission verify
//!    lacks makes its check "skipped", never ✗.

mod answers;
mod check;
mod fargate;
mod images;
mod load_balancers;
mod logs;
mod roles;
mod secrets;

use std::time::Instant;

use check::{Checklist, State};

use crate::aws::Aws;
use crate::context::Context;
use crate::ecs::ServiceDescription;
use crate::error::{Error, Result};
use crate::output::{CommandResult, VerifyResult};
use crate::report::Report;
use crate::task_definition::TaskDefinition;

/// What one service, scheduled target, daemon or task would run.
pub struct Subject<'a> {
    pub label: String,
    /// The revision's ARN, or `FAMILY (new revision)`.
    pub task_definition: String,
    pub revision: &'a TaskDefinition,
    /// The service, for its load balancers, Service Connect and launch type.
    pub service: Option<&'a ServiceDescription>,
}

/// The checks of every subject; AWS is asked about each resource once.
pub async fn check(aws: &Aws, subjects: &[Subject<'_>]) -> Vec<Checklist> {
    let region = aws.region().to_string();
    let mut needs = answers::Needs::default();
    for subject in subjects {
        images::needs(subject, &mut needs);
        roles::needs(subject, &mut needs);
        secrets::needs(subject, &region, &mut needs);
        logs::needs(subject, &region, &mut needs);
    }
    let answers = needs.ask(aws).await;
    subjects
        .iter()
        .map(|subject| {
            let mut checks = images::checks(subject, &answers);
            checks.extend(roles::checks(subject, &answers));
            checks.extend(secrets::checks(subject, &region, &answers));
            checks.extend(logs::checks(subject, &region, &answers));
            checks.extend(fargate::checks(subject));
            checks.extend(load_balancers::checks(subject));
            Checklist {
                name: subject.label.clone(),
                task_definition: subject.task_definition.clone(),
                checks,
            }
        })
        .collect()
}

/// Runs the checks where deploy / run-task stand once their revisions are derived. With
/// `verify_only` (the `verify` command) the result is the command's report; otherwise the
/// checklist goes to stderr and any ✗ is an error that stops the command before it changes
/// anything.
pub async fn before_changes(
    context: &Context,
    aws: &Aws,
    cluster: &str,
    subjects: &[Subject<'_>],
    verify_only: bool,
) -> Result<Option<Report>> {
    let started = Instant::now();
    let checklists = check(aws, subjects).await;
    let failure = failure(&checklists);
    warn_skipped(context, &checklists);
    if !verify_only {
        for line in checklists.iter().flat_map(Checklist::lines) {
            context.progress.say(line);
        }
        return match failure {
            Some(error) => Err(error),
            None => Ok(None),
        };
    }
    let document = VerifyResult {
        command: "verify",
        result: if failure.is_some() {
            "failed"
        } else {
            "passed"
        },
        exit_code: failure.as_ref().map_or(0, Error::code),
        reason: failure.as_ref().map(Error::to_string),
        cluster: cluster.to_string(),
        region: aws.region().to_string(),
        subjects: checklists,
        api_calls: aws.calls(),
        duration_seconds: started.elapsed().as_secs_f64(),
    };
    let mut report = Report::of(CommandResult::Verify(document));
    report.failure = failure;
    Ok(Some(report))
}

/// `run-task --verify`: the checks of the one revision the task would run.
pub async fn before_task(
    context: &Context,
    aws: &Aws,
    revision: &TaskDefinition,
    task_definition: String,
) -> Result<()> {
    let subject = Subject {
        label: revision.family().to_string(),
        task_definition,
        revision,
        // A one-off task is in no load balancer: only the revision is checked.
        service: None,
    };
    before_changes(context, aws, "", &[subject], false).await?;
    Ok(())
}

/// A check skipped for a missing permission is a warning (shown even with `-q`), naming the
/// permissions and where to get them.
fn warn_skipped(context: &Context, checklists: &[Checklist]) {
    let mut needed: Vec<&str> = checklists
        .iter()
        .flat_map(|list| &list.checks)
        .filter(|c| c.state == State::Skipped)
        .map(|c| c.detail.as_str())
        .collect();
    needed.sort_unstable();
    needed.dedup();
    if !needed.is_empty() {
        context.progress.warn(format_args!(
            "verify skipped what it may not read ({}): `ecs-ship iam-policy --verify` prints the statements",
            needed.join(", ")
        ));
    }
}

/// Exit 1 naming every failed check, or `None` when none failed.
fn failure(checklists: &[Checklist]) -> Option<Error> {
    let failed: Vec<String> = checklists
        .iter()
        .flat_map(|list| {
            list.failed()
                .map(move |c| format!("  {}: {}", list.name, c.problem()))
        })
        .collect();
    (!failed.is_empty()).then(|| {
        Error::input(format!(
            "verify: {} check{} failed:\n{}\nnothing was changed",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" },
            failed.join("\n")
        ))
    })
}
