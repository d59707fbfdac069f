//! What uses a revision right now: any deployment or task set of any service of the cluster, a
//! task not yet stopped (a migration running now), the targets of the rules and schedules named.

use crate::aws::Aws;
use crate::ecs::arn_name;
use crate::error::Result;
use crate::lookup;
use crate::output::{ScheduleKind, UseKind};
use crate::render::progress::Progress;
use crate::scheduled::{self, Reference};

use super::plan::InUse;

pub async fn read(
    aws: &Aws,
    cluster: &str,
    families: &[String],
    references: &[Reference],
    progress: &Progress,
) -> Result<InUse> {
    let mut in_use = InUse::default();
    services(aws, cluster, &mut in_use).await?;
    for family in families {
        tasks(aws, cluster, family, &mut in_use).await?;
    }
    for target in scheduled::read(aws, references, progress).await? {
        let (kind, name) = match (&target.source.kind, &target.id) {
            (ScheduleKind::Rule, Some(id)) => (
                UseKind::Rule,
                format!("{} target {id}", target.source.path()),
            ),
            (ScheduleKind::Rule, None) => (UseKind::Rule, target.source.path()),
            (ScheduleKind::Schedule, _) => (UseKind::Schedule, target.source.path()),
        };
        in_use.add(&target.task_definition, kind, &name);
    }
    Ok(in_use)
}

/// Every page of ListServices, then DescribeServices 10 at a time: every deployment (PRIMARY,
/// ACTIVE, draining) and every task set counts.
async fn services(aws: &Aws, cluster: &str, in_use: &mut InUse) -> Result<()> {
    let names = lookup::every_service(aws, cluster).await?;
    for service in aws.service_revisions(cluster, &names).await? {
        for task_definition in &service.task_definitions {
            in_use.add(task_definition, UseKind::Service, &service.name);
        }
    }
    Ok(())
}

/// ListTasks of the family with both desired statuses (a task asked to stop still runs until
/// it has stopped), every page, then DescribeTasks 100 at a time: every task not STOPPED.
async fn tasks(aws: &Aws, cluster: &str, family: &str, in_use: &mut InUse) -> Result<()> {
    let mut arns = aws.list_family_tasks(cluster, family, false).await?;
    for arn in aws.list_family_tasks(cluster, family, true).await? {
        if !arns.contains(&arn) {
            arns.push(arn);
        }
    }
    if arns.is_empty() {
        return Ok(());
    }
    let (tasks, _gone) = aws.describe_tasks(cluster, &arns).await?;
    for task in tasks.iter().filter(|t| t.last_status != "STOPPED") {
        in_use.add(
            &task.task_definition_arn,
            UseKind::Task,
            arn_name(&task.task_arn),
        );
    }
    Ok(())
}
