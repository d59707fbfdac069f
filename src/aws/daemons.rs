//! ECS daemon calls, and their SDK types turned into ecs-ship's own (`crate::daemon`). Daemon task
//! definitions go over the wire as ecs-ship holds them (see `raw.rs`), so fields newer than this
//! SDK survive re-registration; UpdateDaemon is sent as the request people see in a dry run, its
//! deployment configuration as ECS sent it.

use aws_sdk_ecs::types as sdk;
use bytes::Bytes;
use serde::Serialize;
use serde_json::{json, Value};

use super::ecs::owned;
use super::raw::{replace_body, RawResponse};
use super::{Aws, AwsError, Service};
use crate::daemon::{
    Alarms, CapacityProviderCounts, CircuitBreaker, CurrentRevision, Daemon, DaemonDeployment,
    DaemonRevision, DaemonRollback, InstanceCounts,
};

/// One UpdateDaemon request, serialized as AWS spells it (sent as it is, shown in a dry run).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DaemonUpdate {
    pub daemon_arn: String,
    pub daemon_task_definition_arn: String,
    pub capacity_provider_arns: Vec<String>,
    /// The last deployment's, as ECS sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_configuration: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propagate_tags: Option<String>,
    #[serde(
        rename = "enableECSManagedTags",
        skip_serializing_if = "Option::is_none"
    )]
    pub enable_ecs_managed_tags: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_execute_command: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub critical: Option<bool>,
}

impl Aws {
    /// ListDaemons of `cluster`, every page: the daemons' ARNs.
    pub async fn list_daemons(&self, cluster: &str) -> Result<Vec<String>, AwsError> {
        let mut arns = vec![];
        let mut token = None;
        loop {
            let page = self
                .inner
                .ecs
                .list_daemons()
                .cluster_arn(cluster)
                .set_next_token(token)
                .send()
                .await
                .map_err(Service::Ecs.failed("ListDaemons"))?;
            arns.extend(
                page.daemon_summaries_list()
                    .iter()
                    .filter_map(|d| d.daemon_arn().map(str::to_string)),
            );
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(arns);
            }
        }
    }

    pub async fn describe_daemon(&self, arn: &str) -> Result<Daemon, AwsError> {
        let output = self
            .inner
            .ecs
            .describe_daemon()
            .daemon_arn(arn)
            .send()
            .await
            .map_err(Service::Ecs.failed("DescribeDaemon"))?;
        Ok(output.daemon().map(Daemon::from).unwrap_or_default())
    }

    pub async fn describe_daemon_revisions(
        &self,
        arns: &[String],
    ) -> Result<Vec<DaemonRevision>, AwsError> {
        let output = self
            .inner
            .ecs
            .describe_daemon_revisions()
            .set_daemon_revision_arns(Some(arns.to_vec()))
            .send()
            .await
            .map_err(Service::Ecs.failed("DescribeDaemonRevisions"))?;
        Ok(output
            .daemon_revisions()
            .iter()
            .map(DaemonRevision::from)
            .collect())
    }

    /// DescribeDaemonTaskDefinition as the JSON ECS sent: every field, known to this SDK or not.
    pub async fn describe_daemon_task_definition(
        &self,
        reference: &str,
    ) -> Result<Value, AwsError> {
        let raw = RawResponse::default();
        self.inner
            .ecs
            .describe_daemon_task_definition()
            .daemon_task_definition(reference)
            .customize()
            .interceptor(raw.clone())
            .send()
            .await
            .map_err(Service::Ecs.failed("DescribeDaemonTaskDefinition"))?;
        super::ecs::json_body(raw, "DescribeDaemonTaskDefinition")
    }

    /// A daemon task definition's tags (ListTagsForResource: DescribeDaemonTaskDefinition has
    /// none), as RegisterDaemonTaskDefinition takes them.
    pub async fn daemon_task_definition_tags(&self, arn: &str) -> Result<Vec<Value>, AwsError> {
        let output = self
            .inner
            .ecs
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(Service::Ecs.failed("ListTagsForResource"))?;
        Ok(output
            .tags()
            .iter()
            .filter_map(|tag| {
                Some(json!({ "key": tag.key()?, "value": tag.value().unwrap_or_default() }))
            })
            .collect())
    }

    /// RegisterDaemonTaskDefinition with `registration` as the body; the new revision's ARN.
    pub async fn register_daemon_task_definition(
        &self,
        registration: &Value,
    ) -> Result<String, AwsError> {
        let body = Bytes::from(serde_json::to_vec(registration).expect("JSON values serialize"));
        let output = self
            .inner
            .ecs
            .register_daemon_task_definition()
            .family(registration["family"].as_str().unwrap_or_default())
            .customize()
            .mutate_request(replace_body(body))
            .send()
            .await
            .map_err(Service::Ecs.failed("RegisterDaemonTaskDefinition"))?;
        Ok(owned(output.daemon_task_definition_arn()))
    }

    /// UpdateDaemon, sent as `update` says; the deployment it started.
    pub async fn update_daemon(&self, update: &DaemonUpdate) -> Result<String, AwsError> {
        let body = Bytes::from(serde_json::to_vec(update).expect("requests serialize"));
        let output = self
            .inner
            .ecs
            .update_daemon()
            .daemon_arn(&update.daemon_arn)
            .daemon_task_definition_arn(&update.daemon_task_definition_arn)
            .set_capacity_provider_arns(Some(update.capacity_provider_arns.clone()))
            .customize()
            .mutate_request(replace_body(body))
            .send()
            .await
            .map_err(Service::Ecs.failed("UpdateDaemon"))?;
        Ok(owned(output.deployment_arn()))
    }

    pub async fn describe_daemon_deployments(
        &self,
        arns: &[String],
    ) -> Result<Vec<DaemonDeployment>, AwsError> {
        let output = self
            .inner
            .ecs
            .describe_daemon_deployments()
            .set_daemon_deployment_arns(Some(arns.to_vec()))
            .send()
            .await
            .map_err(Service::Ecs.failed("DescribeDaemonDeployments"))?;
        Ok(output
            .daemon_deployments()
            .iter()
            .map(DaemonDeployment::from)
            .collect())
    }

    /// The `deploymentConfiguration` of daemon deployment `arn`, as ECS sent it (so UpdateDaemon
    /// keeps fields newer than this SDK too).
    pub async fn daemon_deployment_configuration(
        &self,
        arn: &str,
    ) -> Result<Option<Value>, AwsError> {
        let raw = RawResponse::default();
        self.inner
            .ecs
            .describe_daemon_deployments()
            .daemon_deployment_arns(arn)
            .customize()
            .interceptor(raw.clone())
            .send()
            .await
            .map_err(Service::Ecs.failed("DescribeDaemonDeployments"))?;
        let body = super::ecs::json_body(raw, "DescribeDaemonDeployments")?;
        Ok(body["daemonDeployments"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["daemonDeploymentArn"] == arn)
            .and_then(|d| d.get("deploymentConfiguration").cloned()))
    }
}

impl From<&sdk::DaemonDetail> for Daemon {
    fn from(daemon: &sdk::DaemonDetail) -> Self {
        Daemon {
            arn: owned(daemon.daemon_arn()),
            status: daemon
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            current_revisions: daemon
                .current_revisions()
                .iter()
                .map(|r| CurrentRevision {
                    arn: owned(r.arn()),
                    capacity_providers: r
                        .capacity_providers()
                        .iter()
                        .filter_map(|c| c.arn().map(str::to_string))
                        .collect(),
                })
                .collect(),
            deployment_arn: daemon.deployment_arn().map(str::to_string),
        }
    }
}

impl From<&sdk::DaemonRevision> for DaemonRevision {
    fn from(revision: &sdk::DaemonRevision) -> Self {
        DaemonRevision {
            arn: owned(revision.daemon_revision_arn()),
            daemon_task_definition_arn: owned(revision.daemon_task_definition_arn()),
            propagate_tags: revision.propagate_tags().map(|p| p.as_str().to_string()),
            enable_ecs_managed_tags: revision.enable_ecs_managed_tags(),
            enable_execute_command: revision.enable_execute_command(),
            critical: revision.critical(),
        }
    }
}

impl From<&sdk::DaemonDeployment> for DaemonDeployment {
    fn from(deployment: &sdk::DaemonDeployment) -> Self {
        DaemonDeployment {
            arn: owned(deployment.daemon_deployment_arn()),
            status: deployment
                .status()
                .map(|s| s.as_str())
                .unwrap_or_default()
                .into(),
            status_reason: deployment.status_reason().map(str::to_string),
            target: deployment
                .target_daemon_revision()
                .map(InstanceCounts::from),
            sources: deployment
                .source_daemon_revisions()
                .iter()
                .map(InstanceCounts::from)
                .collect(),
            circuit_breaker: deployment.circuit_breaker().map(|c| CircuitBreaker {
                status: c
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                failure_count: c.failure_count(),
                threshold: c.threshold(),
            }),
            alarms: deployment.alarms().map(|a| Alarms {
                status: a
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                alarm_names: a.alarm_names().to_vec(),
                triggered: a.triggered_alarm_names().to_vec(),
            }),
            rollback: deployment.rollback().map(|r| DaemonRollback {
                reason: r.reason().map(str::to_string),
                target_revision_arn: r.rollback_target_daemon_revision_arn().map(str::to_string),
            }),
        }
    }
}

impl From<&sdk::DaemonDeploymentRevisionDetail> for InstanceCounts {
    fn from(revision: &sdk::DaemonDeploymentRevisionDetail) -> Self {
        InstanceCounts {
            revision_arn: owned(revision.arn()),
            running: revision.total_running_instance_count().unwrap_or_default(),
            draining: revision.total_draining_instance_count().unwrap_or_default(),
            without_daemon: revision
                .total_without_daemon_instance_count()
                .unwrap_or_default(),
            capacity_providers: revision
                .capacity_providers()
                .iter()
                .map(|c| CapacityProviderCounts {
                    arn: owned(c.arn()),
                    running: c.running_instance_count().unwrap_or_default(),
                    draining: c.draining_instance_count().unwrap_or_default(),
                    without_daemon: c.without_daemon_instance_count().unwrap_or_default(),
                })
                .collect(),
        }
    }
}
