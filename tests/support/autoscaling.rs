//! Application Auto Scaling answers as the botocore `application-autoscaling` model sends them.

use serde_json::{json, Value};
use wiremock::ResponseTemplate;

use super::aws::ok;

/// Which kinds of scaling are suspended, as the model spells the structure.
pub fn suspended(scale_in: bool, scale_out: bool, scheduled: bool) -> Value {
    json!({
        "DynamicScalingInSuspended": scale_in,
        "DynamicScalingOutSuspended": scale_out,
        "ScheduledScalingSuspended": scheduled,
    })
}

/// The scalable target of the desired count of service `name` in cluster `prod`.
pub fn scalable_target(name: &str, min: i64, max: i64, suspended: Value) -> Value {
    json!({
        "ServiceNamespace": "ecs",
        "ResourceId": format!("service/prod/{name}"),
        "ScalableDimension": "ecs:service:DesiredCount",
        "MinCapacity": min,
        "MaxCapacity": max,
        "RoleARN": "arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService",
        "CreationTime": 1_700_000_000.0,
        "SuspendedState": suspended,
        "ScalableTargetARN": "arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/056f1f6a1f0b4a1d8b0c9e2a3d4e5f60",
    })
}

/// A DescribeScalableTargets answer.
pub fn targets(list: Vec<Value>) -> ResponseTemplate {
    ok(json!({ "ScalableTargets": list }))
}
