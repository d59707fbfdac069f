//! The task definition run-task runs: named, or the service's current one; with new images, a
//! revision derived from it, pinned as `deploy` pins, and registered unless the family's latest
//! is identical.

use super::plan::Plan;
use crate::aws::Aws;
use crate::cli::RunTaskArgs;
use crate::context::Context;
use crate::ecr;
use crate::ecs::ServiceDescription;
use crate::error::{Error, Result};
use crate::image_update;
use crate::lookup;
use crate::task_definition::{self, TaskDefinition};

/// The one `--service` whose task definition and launch settings the task borrows, if any.
pub(super) async fn borrowed_service(
    context: &Context,
    aws: &Aws,
    cluster: &str,
) -> Result<Option<ServiceDescription>> {
    match context.global.services.as_slice() {
        [] => Ok(None),
        [name] => Ok(Some(
            lookup::services(aws, cluster, std::slice::from_ref(name))
                .await?
                .remove(0),
        )),
        _ => Err(Error::Usage(
            "run-task takes one --service (the one whose settings the task borrows)".into(),
        )),
    }
}

/// `--task-definition`, or else the service's current one, as it is now.
pub(super) async fn describe_base(
    aws: &Aws,
    args: &RunTaskArgs,
    service: Option<&ServiceDescription>,
) -> Result<TaskDefinition> {
    let reference = match (&args.task_definition, service) {
        (Some(reference), _) => reference.clone(),
        (None, Some(service)) => service.task_definition.clone(),
        (None, None) => {
            return Err(Error::Usage(
                "run-task needs --task-definition FAMILY[:REV] or --service NAME (to use the service's current one)".into(),
            ))
        }
    };
    task_definition::describe(aws, &reference).await
}

/// The task definition run-task runs, and the one it was derived from.
pub(super) struct TaskRevision {
    /// The definition described.
    pub(super) base: TaskDefinition,
    /// What runs: `base`, or the revision with the new images (in a dry run, not registered
    /// unless the family's latest is identical).
    pub(super) definition: TaskDefinition,
    /// A dry run: a new revision would be registered.
    pub(super) needs_registration: bool,
}

impl TaskRevision {
    pub(super) async fn derive(
        context: &Context,
        aws: &Aws,
        args: &RunTaskArgs,
        plan: &Plan,
        base: TaskDefinition,
    ) -> Result<Self> {
        let mut definition = base.clone();
        let mut needs_registration = false;
        if !plan.images.is_empty() || !plan.image_updates.is_empty() {
            let mut containers: Vec<String> = vec![];
            for change in &plan.images {
                definition.apply(change)?;
                containers.push(change.container().to_string());
            }
            for update in &plan.image_updates {
                definition.require_container(&update.container, update.flag)?;
            }
            containers.extend(image_update::apply_all(
                &mut definition,
                &plan.image_updates,
            )?);
            // Pinned exactly as `deploy` pins, so `deploy --image X` reuses this revision.
            if !args.no_pin_digest {
                ecr::pin_images(aws, &mut definition, &containers, &context.progress).await?;
            }
            if !args.dry_run {
                definition =
                    task_definition::register_or_reuse(aws, &definition, &context.progress).await?;
            } else {
                match task_definition::latest(aws, definition.family()).await? {
                    Some(latest) if latest.same_registration(&definition) => definition = latest,
                    _ => needs_registration = true,
                }
            }
        }
        Ok(TaskRevision {
            base,
            definition,
            needs_registration,
        })
    }
}
