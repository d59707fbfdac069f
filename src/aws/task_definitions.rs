//! What `prune` reads and changes: a family's ACTIVE revisions, the services of a cluster and
//! the revisions each one uses, DeregisterTaskDefinition and DeleteTaskDefinitions.

use aws_sdk_ecs::types as sdk;

use super::ecs::owned;
use super::{Aws, AwsError, Service};
use crate::ecs::Failure;

/// DeleteTaskDefinitions takes at most this many revisions a call.
pub const DELETE_TASK_DEFINITIONS_MAX: usize = 10;

/// The revisions a service uses: its task definition, every deployment's (not only the
/// PRIMARY's) and every task set's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRevisions {
    pub name: String,
    pub task_definitions: Vec<String>,
}

impl From<&sdk::Service> for ServiceRevisions {
    fn from(service: &sdk::Service) -> Self {
        let deployments = service.deployments().iter().map(|d| d.task_definition());
        let task_sets = service.task_sets().iter().map(|t| t.task_definition());
        let mut task_definitions: Vec<String> = vec![];
        for arn in std::iter::once(service.task_definition())
            .chain(deployments)
            .chain(task_sets)
            .flatten()
        {
            if !task_definitions.iter().any(|known| known == arn) {
                task_definitions.push(arn.to_string());
            }
        }
        ServiceRevisions {
            name: owned(service.service_name()),
            task_definitions,
        }
    }
}

impl Aws {
    /// The ARNs of the ACTIVE revisions of `family`, every page. `familyPrefix` matches every
    /// family that starts with the name (`web` also lists `web-worker`): only `family`'s stay.
    pub async fn list_active_revisions(&self, family: &str) -> Result<Vec<String>, AwsError> {
        let mut arns = vec![];
        let mut pages = self
            .inner
            .ecs
            .list_task_definitions()
            .family_prefix(family)
            .status(sdk::TaskDefinitionStatus::Active)
            .max_results(100)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(Service::Ecs.failed("ListTaskDefinitions"))?;
            arns.extend(
                page.task_definition_arns()
                    .iter()
                    .filter(|arn| family_of_arn(arn) == family)
                    .cloned(),
            );
        }
        Ok(arns)
    }

    /// DescribeServices (10 a call): the revisions each service uses.
    pub async fn service_revisions(
        &self,
        cluster: &str,
        names: &[String],
    ) -> Result<Vec<ServiceRevisions>, AwsError> {
        let (services, _gone) = self
            .describe_services_as(cluster, names, |s| ServiceRevisions::from(s))
            .await?;
        // A service deleted between ListServices and DescribeServices uses nothing.
        Ok(services)
    }

    pub async fn deregister_task_definition(&self, arn: &str) -> Result<(), AwsError> {
        self.inner
            .ecs
            .deregister_task_definition()
            .task_definition(arn)
            .send()
            .await
            .map_err(Service::Ecs.failed("DeregisterTaskDefinition"))
            .map(drop)
    }

    /// DeleteTaskDefinitions of at most `DELETE_TASK_DEFINITIONS_MAX` INACTIVE revisions: the
    /// ones ECS refused, with its reason.
    pub async fn delete_task_definitions(&self, arns: &[String]) -> Result<Vec<Failure>, AwsError> {
        let output = self
            .inner
            .ecs
            .delete_task_definitions()
            .set_task_definitions(Some(arns.to_vec()))
            .send()
            .await
            .map_err(Service::Ecs.failed("DeleteTaskDefinitions"))?;
        Ok(output.failures().iter().map(Failure::from).collect())
    }
}

/// `web` of `arn:aws:ecs:…:task-definition/web:7`.
fn family_of_arn(arn: &str) -> &str {
    let name = crate::ecs::arn_name(arn);
    name.rsplit_once(':').map_or(name, |(family, _)| family)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_is_the_whole_name_before_the_revision() {
        let arn = |name: &str| format!("arn:aws:ecs:us-east-1:123456789012:task-definition/{name}");
        assert_eq!(family_of_arn(&arn("web:7")), "web");
        assert_eq!(family_of_arn(&arn("web-worker:12")), "web-worker");
        assert_ne!(family_of_arn(&arn("web-worker:12")), "web");
    }
}
