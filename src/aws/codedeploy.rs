//! CodeDeploy calls for ECS services on the CODE_DEPLOY controller: find the deployment group
//! of a service, create a deployment from an AppSpec, follow it, continue or stop it. SDK types
//! become `crate::ecs` ones here.

use aws_sdk_codedeploy::types as sdk;

use super::{Aws, AwsError, Service};
use crate::ecs::{CodeDeployDeployment, LifecycleEvent};

/// A deployment group, as far as ecs-ship needs it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeploymentGroup {
    pub application: String,
    pub name: String,
    /// (cluster name, service name) pairs.
    pub ecs_services: Vec<(String, String)>,
    pub deployment_config: Option<String>,
    /// The group's last attempted deployment (`lastAttemptedDeployment`), if it ever had one.
    pub last_attempted: Option<String>,
}

/// One CreateDeployment request.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDeployment {
    pub application: String,
    pub group: String,
    pub config: Option<String>,
    /// The AppSpec, JSON.
    pub appspec: String,
    pub auto_rollback: bool,
}

impl Aws {
    /// GetDeploymentGroup.
    pub async fn deployment_group(
        &self,
        application: &str,
        group: &str,
    ) -> Result<DeploymentGroup, AwsError> {
        let output = self
            .inner
            .codedeploy
            .get_deployment_group()
            .application_name(application)
            .deployment_group_name(group)
            .send()
            .await
            .map_err(Service::CodeDeploy.failed("GetDeploymentGroup"))?;
        Ok(output
            .deployment_group_info()
            .map(DeploymentGroup::from)
            .unwrap_or_default())
    }

    /// The ECS deployment groups of every application (ListApplications, ListDeploymentGroups,
    /// BatchGetDeploymentGroups), to find the one that deploys a service.
    pub async fn ecs_deployment_groups(&self) -> Result<Vec<DeploymentGroup>, AwsError> {
        let client = &self.inner.codedeploy;
        let mut applications = vec![];
        let mut pages = client.list_applications().into_paginator().send();
        while let Some(page) = pages.next().await {
            applications.extend(
                page.map_err(Service::CodeDeploy.failed("ListApplications"))?
                    .applications()
                    .iter()
                    .cloned(),
            );
        }
        let mut groups = vec![];
        for application in applications {
            let mut names = vec![];
            let mut pages = client
                .list_deployment_groups()
                .application_name(&application)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                names.extend(
                    page.map_err(Service::CodeDeploy.failed("ListDeploymentGroups"))?
                        .deployment_groups()
                        .iter()
                        .cloned(),
                );
            }
            for chunk in names.chunks(100) {
                let output = client
                    .batch_get_deployment_groups()
                    .application_name(&application)
                    .set_deployment_group_names(Some(chunk.to_vec()))
                    .send()
                    .await
                    .map_err(Service::CodeDeploy.failed("BatchGetDeploymentGroups"))?;
                groups.extend(
                    output
                        .deployment_groups_info()
                        .iter()
                        .filter(|g| g.compute_platform() == Some(&sdk::ComputePlatform::Ecs))
                        .map(DeploymentGroup::from),
                );
            }
        }
        Ok(groups)
    }

    /// CreateDeployment with the AppSpec as its revision; the deployment id.
    pub async fn create_deployment(&self, request: &NewDeployment) -> Result<String, AwsError> {
        let revision = sdk::RevisionLocation::builder()
            .revision_type(sdk::RevisionLocationType::AppSpecContent)
            .app_spec_content(
                sdk::AppSpecContent::builder()
                    .content(&request.appspec)
                    .build(),
            )
            .build();
        let rollback = request.auto_rollback.then(|| {
            sdk::AutoRollbackConfiguration::builder()
                .enabled(true)
                .events(sdk::AutoRollbackEvent::DeploymentFailure)
                .events(sdk::AutoRollbackEvent::DeploymentStopOnRequest)
                .build()
        });
        let output = self
            .inner
            .codedeploy
            .create_deployment()
            .application_name(&request.application)
            .deployment_group_name(&request.group)
            .set_deployment_config_name(request.config.clone())
            .revision(revision)
            .set_auto_rollback_configuration(rollback)
            .description("ecs-ship deploy")
            .send()
            .await
            .map_err(Service::CodeDeploy.failed("CreateDeployment"))?;
        Ok(output.deployment_id().unwrap_or_default().to_string())
    }

    /// GetDeployment.
    pub async fn codedeploy_deployment(&self, id: &str) -> Result<CodeDeployDeployment, AwsError> {
        let output = self
            .inner
            .codedeploy
            .get_deployment()
            .deployment_id(id)
            .send()
            .await
            .map_err(Service::CodeDeploy.failed("GetDeployment"))?;
        let info = output.deployment_info();
        let error = info.and_then(|i| i.error_information());
        let rollback = info.and_then(|i| i.rollback_info());
        Ok(CodeDeployDeployment {
            id: id.to_string(),
            status: info
                .and_then(|i| i.status())
                .map(|s| s.as_str().into())
                .unwrap_or_default(),
            error_code: error.and_then(|e| e.code()).map(|c| c.as_str().to_string()),
            error_message: error.and_then(|e| e.message()).map(str::to_string),
            rollback_deployment_id: rollback
                .and_then(|r| r.rollback_deployment_id())
                .map(str::to_string),
            rollback_message: rollback
                .and_then(|r| r.rollback_message())
                .map(str::to_string),
            rollback_of: rollback
                .and_then(|r| r.rollback_triggering_deployment_id())
                .map(str::to_string),
        })
    }

    /// GetDeploymentTarget of the ECS target `cluster:service`: its lifecycle events.
    pub async fn codedeploy_lifecycle_events(
        &self,
        id: &str,
        target: &str,
    ) -> Result<Vec<LifecycleEvent>, AwsError> {
        let output = self
            .inner
            .codedeploy
            .get_deployment_target()
            .deployment_id(id)
            .target_id(target)
            .send()
            .await
            .map_err(Service::CodeDeploy.failed("GetDeploymentTarget"))?;
        let events = output
            .deployment_target()
            .and_then(|t| t.ecs_target())
            .map(|t| t.lifecycle_events())
            .unwrap_or_default();
        Ok(events
            .iter()
            .map(|event| {
                let diagnostics = event.diagnostics();
                LifecycleEvent {
                    name: event.lifecycle_event_name().unwrap_or_default().to_string(),
                    status: event
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    error_code: diagnostics
                        .and_then(|d| d.error_code())
                        .map(|c| c.as_str().to_string()),
                    script_name: diagnostics
                        .and_then(|d| d.script_name())
                        .map(str::to_string),
                    message: diagnostics.and_then(|d| d.message()).map(str::to_string),
                    log_tail: diagnostics.and_then(|d| d.log_tail()).map(str::to_string),
                }
            })
            .collect())
    }

    /// The deployments of a group that are not finished, newest first (ListDeployments).
    pub async fn active_codedeploy_deployments(
        &self,
        application: &str,
        group: &str,
    ) -> Result<Vec<String>, AwsError> {
        let mut ids = vec![];
        let mut pages = self
            .inner
            .codedeploy
            .list_deployments()
            .application_name(application)
            .deployment_group_name(group)
            .include_only_statuses(sdk::DeploymentStatus::Created)
            .include_only_statuses(sdk::DeploymentStatus::Queued)
            .include_only_statuses(sdk::DeploymentStatus::InProgress)
            .include_only_statuses(sdk::DeploymentStatus::Ready)
            .include_only_statuses(sdk::DeploymentStatus::Baking)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            ids.extend(
                page.map_err(Service::CodeDeploy.failed("ListDeployments"))?
                    .deployments()
                    .iter()
                    .cloned(),
            );
        }
        Ok(ids)
    }

    /// ContinueDeployment of a deployment waiting to reroute traffic (READY_WAIT).
    pub async fn continue_codedeploy_deployment(&self, id: &str) -> Result<(), AwsError> {
        self.inner
            .codedeploy
            .continue_deployment()
            .deployment_id(id)
            .deployment_wait_type(sdk::DeploymentWaitType::ReadyWait)
            .send()
            .await
            .map_err(Service::CodeDeploy.failed("ContinueDeployment"))
            .map(drop)
    }

    /// StopDeployment with auto-rollback.
    pub async fn stop_codedeploy_deployment(&self, id: &str) -> Result<(), AwsError> {
        self.inner
            .codedeploy
            .stop_deployment()
            .deployment_id(id)
            .auto_rollback_enabled(true)
            .send()
            .await
            .map_err(Service::CodeDeploy.failed("StopDeployment"))
            .map(drop)
    }
}

impl From<&sdk::DeploymentGroupInfo> for DeploymentGroup {
    fn from(group: &sdk::DeploymentGroupInfo) -> Self {
        DeploymentGroup {
            application: group.application_name().unwrap_or_default().to_string(),
            name: group
                .deployment_group_name()
                .unwrap_or_default()
                .to_string(),
            ecs_services: group
                .ecs_services()
                .iter()
                .map(|s| {
                    (
                        s.cluster_name().unwrap_or_default().to_string(),
                        s.service_name().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
            deployment_config: group.deployment_config_name().map(str::to_string),
            last_attempted: group
                .last_attempted_deployment()
                .and_then(|d| d.deployment_id())
                .map(str::to_string),
        }
    }
}
