//! The ECS service deployments API (ListServiceDeployments, DescribeServiceDeployments,
//! ContinueServiceDeployment, StopServiceDeployment, DescribeServiceRevisions), which follows
//! ECS-native blue/green, linear and canary deployments; SDK types become `crate::ecs` ones here.

use aws_sdk_ecs::types as sdk;
use aws_smithy_types::DateTime;

use super::ecs::{owned, seconds};
use super::{Aws, AwsError, Service};
use crate::ecs::{Failure, LifecycleHook, RevisionSummary, ServiceDeployment};

/// One entry of ListServiceDeployments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceDeploymentBrief {
    pub arn: String,
    pub status: String,
    pub created_at: Option<f64>,
    pub target_revision: Option<String>,
}

impl Aws {
    /// ListServiceDeployments of a service, every page, newest first; `created_after` (epoch
    /// seconds) narrows it to deployments started since.
    pub async fn list_service_deployments(
        &self,
        cluster: &str,
        service: &str,
        created_after: Option<f64>,
    ) -> Result<Vec<ServiceDeploymentBrief>, AwsError> {
        let mut found = vec![];
        let mut token: Option<String> = None;
        loop {
            let created = created_after.map(|after| {
                sdk::CreatedAt::builder()
                    .after(DateTime::from_secs_f64(after))
                    .build()
            });
            let output = self
                .inner
                .ecs
                .list_service_deployments()
                .cluster(cluster)
                .service(service)
                .set_created_at(created)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(Service::Ecs.failed("ListServiceDeployments"))?;
            found.extend(output.service_deployments().iter().map(|brief| {
                ServiceDeploymentBrief {
                    arn: owned(brief.service_deployment_arn()),
                    status: brief
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    created_at: seconds(brief.created_at()),
                    target_revision: brief.target_service_revision_arn().map(str::to_string),
                }
            }));
            match output.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => break,
            }
        }
        found.sort_by(|a, b| {
            b.created_at
                .partial_cmp(&a.created_at)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        Ok(found)
    }

    /// DescribeServiceDeployments, 20 ARNs a call (the API's limit).
    pub async fn describe_service_deployments(
        &self,
        arns: &[String],
    ) -> Result<(Vec<ServiceDeployment>, Vec<Failure>), AwsError> {
        let mut deployments = vec![];
        let mut failures = vec![];
        for chunk in arns.chunks(20) {
            let output = self
                .inner
                .ecs
                .describe_service_deployments()
                .set_service_deployment_arns(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(Service::Ecs.failed("DescribeServiceDeployments"))?;
            deployments.extend(
                output
                    .service_deployments()
                    .iter()
                    .map(ServiceDeployment::from),
            );
            failures.extend(output.failures().iter().map(Failure::from));
        }
        Ok((deployments, failures))
    }

    /// ContinueServiceDeployment: let a deployment waiting at a PAUSE hook go on, or roll it back.
    pub async fn continue_service_deployment(
        &self,
        arn: &str,
        hook_id: &str,
        rollback: bool,
    ) -> Result<(), AwsError> {
        let action = if rollback {
            sdk::DeploymentLifecycleHookAction::Rollback
        } else {
            sdk::DeploymentLifecycleHookAction::Continue
        };
        self.inner
            .ecs
            .continue_service_deployment()
            .service_deployment_arn(arn)
            .hook_id(hook_id)
            .action(action)
            .send()
            .await
            .map_err(Service::Ecs.failed("ContinueServiceDeployment"))
            .map(drop)
    }

    /// StopServiceDeployment with `stopType=ROLLBACK`.
    pub async fn stop_service_deployment(&self, arn: &str) -> Result<(), AwsError> {
        self.inner
            .ecs
            .stop_service_deployment()
            .service_deployment_arn(arn)
            .stop_type(sdk::StopServiceDeploymentStopType::Rollback)
            .send()
            .await
            .map_err(Service::Ecs.failed("StopServiceDeployment"))
            .map(drop)
    }

    /// The task definition a service revision runs (DescribeServiceRevisions).
    pub async fn service_revision_task_definition(
        &self,
        revision_arn: &str,
    ) -> Result<Option<String>, AwsError> {
        let output = self
            .inner
            .ecs
            .describe_service_revisions()
            .service_revision_arns(revision_arn)
            .send()
            .await
            .map_err(Service::Ecs.failed("DescribeServiceRevisions"))?;
        Ok(output
            .service_revisions()
            .first()
            .and_then(|r| r.task_definition())
            .map(str::to_string))
    }
}

impl From<&sdk::ServiceDeployment> for ServiceDeployment {
    fn from(deployment: &sdk::ServiceDeployment) -> Self {
        let configuration = deployment.deployment_configuration();
        ServiceDeployment {
            arn: owned(deployment.service_deployment_arn()),
            service_arn: owned(deployment.service_arn()),
            status: deployment
                .status()
                .map(|s| s.as_str().into())
                .unwrap_or_default(),
            status_reason: deployment.status_reason().map(str::to_string),
            lifecycle_stage: deployment.lifecycle_stage().map(|s| s.as_str().to_string()),
            strategy: configuration
                .and_then(|c| c.strategy())
                .map(|s| s.as_str().to_string()),
            bake_time_minutes: configuration.and_then(|c| c.bake_time_in_minutes()),
            created_at: seconds(deployment.created_at()),
            updated_at: seconds(deployment.updated_at()),
            target: deployment
                .target_service_revision()
                .map(RevisionSummary::from),
            sources: deployment
                .source_service_revisions()
                .iter()
                .map(RevisionSummary::from)
                .collect(),
            hooks: deployment
                .lifecycle_hook_details()
                .iter()
                .map(|hook| LifecycleHook {
                    hook_id: owned(hook.hook_id()),
                    target_type: hook.target_type().map(|t| t.as_str().to_string()),
                    status: hook.status().map(|s| s.as_str().into()).unwrap_or_default(),
                    expires_at: seconds(hook.expires_at()),
                    timeout_action: hook.timeout_action().map(|a| a.as_str().to_string()),
                })
                .collect(),
            rollback_reason: deployment
                .rollback()
                .and_then(|r| r.reason())
                .map(str::to_string),
            circuit_breaker: deployment.deployment_circuit_breaker().map(|c| {
                (
                    c.status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    c.failure_count(),
                    c.threshold(),
                )
            }),
            alarms_status: deployment
                .alarms()
                .and_then(|a| a.status())
                .map(|s| s.as_str().to_string()),
            triggered_alarms: deployment
                .alarms()
                .map(|a| a.triggered_alarm_names().to_vec())
                .unwrap_or_default(),
        }
    }
}

impl From<&sdk::ServiceRevisionSummary> for RevisionSummary {
    fn from(revision: &sdk::ServiceRevisionSummary) -> Self {
        RevisionSummary {
            arn: owned(revision.arn()),
            requested: revision.requested_task_count(),
            running: revision.running_task_count(),
            pending: revision.pending_task_count(),
            test_traffic_weight: revision.requested_test_traffic_weight(),
            production_traffic_weight: revision.requested_production_traffic_weight(),
        }
    }
}
