//! Application Auto Scaling: the scalable targets of ECS services (the bounds of their desired
//! count and which kinds of scaling are suspended), and RegisterScalableTarget to change them.
//! Only the `ecs` namespace and the `ecs:service:DesiredCount` dimension are ever used.

use aws_sdk_applicationautoscaling::types::{
    ScalableDimension, ScalableTarget as SdkTarget, ServiceNamespace,
    SuspendedState as SdkSuspended,
};

use super::{Aws, AwsError, Service};

/// DescribeScalableTargets takes at most this many resource ids, and answers at most this many
/// targets a page.
const RESOURCE_IDS_PER_CALL: usize = 50;

/// Which kinds of scaling of a target are suspended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SuspendedState {
    pub dynamic_scale_in: bool,
    pub dynamic_scale_out: bool,
    pub scheduled: bool,
}

impl SuspendedState {
    /// Every kind of scaling suspended.
    pub const ALL: SuspendedState = SuspendedState {
        dynamic_scale_in: true,
        dynamic_scale_out: true,
        scheduled: true,
    };
}

impl From<&SdkSuspended> for SuspendedState {
    fn from(state: &SdkSuspended) -> Self {
        SuspendedState {
            dynamic_scale_in: state.dynamic_scaling_in_suspended().unwrap_or(false),
            dynamic_scale_out: state.dynamic_scaling_out_suspended().unwrap_or(false),
            scheduled: state.scheduled_scaling_suspended().unwrap_or(false),
        }
    }
}

impl From<SuspendedState> for SdkSuspended {
    fn from(state: SuspendedState) -> Self {
        SdkSuspended::builder()
            .dynamic_scaling_in_suspended(state.dynamic_scale_in)
            .dynamic_scaling_out_suspended(state.dynamic_scale_out)
            .scheduled_scaling_suspended(state.scheduled)
            .build()
    }
}

/// The scalable target of one ECS service's desired count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalableTarget {
    /// `service/CLUSTER/SERVICE`.
    pub resource_id: String,
    pub min: u32,
    pub max: u32,
    pub suspended: SuspendedState,
}

impl From<&SdkTarget> for ScalableTarget {
    fn from(target: &SdkTarget) -> Self {
        let capacity = |n: i32| u32::try_from(n).unwrap_or(0);
        ScalableTarget {
            resource_id: target.resource_id().to_string(),
            min: capacity(target.min_capacity()),
            max: capacity(target.max_capacity()),
            suspended: target
                .suspended_state()
                .map(SuspendedState::from)
                .unwrap_or_default(),
        }
    }
}

/// A change to a registered target: what is `None` stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetChange {
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub suspended: Option<SuspendedState>,
}

/// The resource id of an ECS service's scalable target; a cluster or service ARN is reduced to
/// its name.
pub fn service_resource_id(cluster: &str, service: &str) -> String {
    let name = |s: &str| s.rsplit('/').next().unwrap_or(s).to_string();
    format!("service/{}/{}", name(cluster), name(service))
}

impl Aws {
    fn autoscaling(&self) -> &aws_sdk_applicationautoscaling::Client {
        &self.inner.autoscaling
    }

    /// DescribeScalableTargets of the ECS services with these resource ids
    /// (`service_resource_id`), 50 ids a call, every page. A service without a target is simply
    /// absent from the answer.
    pub async fn scalable_targets(
        &self,
        resource_ids: &[String],
    ) -> Result<Vec<ScalableTarget>, AwsError> {
        let mut targets = vec![];
        for chunk in resource_ids.chunks(RESOURCE_IDS_PER_CALL) {
            let mut token: Option<String> = None;
            loop {
                let page = self
                    .autoscaling()
                    .describe_scalable_targets()
                    .service_namespace(ServiceNamespace::Ecs)
                    .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                    .set_resource_ids(Some(chunk.to_vec()))
                    .max_results(RESOURCE_IDS_PER_CALL as i32)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(Service::AutoScaling.failed("DescribeScalableTargets"))?;
                targets.extend(page.scalable_targets().iter().map(ScalableTarget::from));
                match page.next_token() {
                    Some(next) if !next.is_empty() => token = Some(next.to_string()),
                    _ => break,
                }
            }
        }
        Ok(targets)
    }

    /// RegisterScalableTarget of an existing target: changes its bounds and suspended state,
    /// leaves its role (the service-linked one) and the rest as they are.
    pub async fn register_scalable_target(
        &self,
        resource_id: &str,
        change: &TargetChange,
    ) -> Result<(), AwsError> {
        let capacity = |n: Option<u32>| n.map(|n| i32::try_from(n).unwrap_or(i32::MAX));
        self.autoscaling()
            .register_scalable_target()
            .service_namespace(ServiceNamespace::Ecs)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .resource_id(resource_id)
            .set_min_capacity(capacity(change.min))
            .set_max_capacity(capacity(change.max))
            .set_suspended_state(change.suspended.map(SdkSuspended::from))
            .send()
            .await
            .map_err(Service::AutoScaling.failed("RegisterScalableTarget"))
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids_use_names_even_when_given_arns() {
        assert_eq!(service_resource_id("prod", "web"), "service/prod/web");
        assert_eq!(
            service_resource_id(
                "arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod",
                "arn:aws:ecs:ap-northeast-1:123456789012:service/prod/web"
            ),
            "service/prod/web"
        );
    }

    #[test]
    fn a_target_without_suspended_state_suspends_nothing() {
        let target = SdkTarget::builder()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id("service/prod/web")
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .min_capacity(2)
            .max_capacity(10)
            .role_arn("arn:aws:iam::123456789012:role/aws-service-role")
            .creation_time(aws_smithy_types::DateTime::from_secs(0))
            .build()
            .expect("all required fields");
        assert_eq!(
            ScalableTarget::from(&target),
            ScalableTarget {
                resource_id: "service/prod/web".into(),
                min: 2,
                max: 10,
                suspended: SuspendedState::default(),
            }
        );
    }

    #[test]
    fn suspended_state_round_trips_through_the_sdk_type() {
        let state = SuspendedState {
            dynamic_scale_in: true,
            dynamic_scale_out: false,
            scheduled: true,
        };
        assert_eq!(SuspendedState::from(&SdkSuspended::from(state)), state);
    }
}
